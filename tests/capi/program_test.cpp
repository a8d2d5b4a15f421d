// Programs through the C API: assembling with diagnostics, images,
// verification, disassembly, files, the last-error slot and the version.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

#include "capi_test_util.h"

using namespace capi_test;

namespace {

const char* kHello = R"(.func main()
  push_const "hi"
  host_call_args print 1
  pop
  push_const 42
  ret
.end
)";

}  // namespace

TEST(CapiVersion, MatchesTheHeader) {
  EXPECT_STREQ(bvm_version(), "0.1.0");
  EXPECT_EQ(bvm_version_number(), uint32_t(BVM_VERSION_MAJOR * 10000 +
                                            BVM_VERSION_MINOR * 100 +
                                            BVM_VERSION_PATCH));
  EXPECT_STREQ(bvm_status_name(BVM_ERR_VERIFY), "BVM_ERR_VERIFY");
}

TEST(CapiProgram, AssemblyErrorsCarryEveryDiagnostic) {
  const std::string text =
      ".func main()\n  push_const 1\n  bogus_op 3\n  jmp nowhere\n  ret\n.end\n";
  bvm_program* p = nullptr;
  EXPECT_EQ(bvm_program_assemble(text.data(), text.size(), "bad.bvasm", &p),
            BVM_ERR_ASSEMBLY);
  EXPECT_EQ(p, nullptr);
  EXPECT_EQ(bvm_last_error_code(), BVM_ERR_ASSEMBLY);
  ASSERT_EQ(bvm_last_error_diagnostic_count(), 2u) << bvm_last_error_message();
  const bvm_diagnostic* d = bvm_last_error_diagnostic(0);
  ASSERT_NE(d, nullptr);
  EXPECT_STREQ(d->file, "bad.bvasm");
  EXPECT_EQ(d->line, 3u);
  EXPECT_EQ(d->column, 3u);
  EXPECT_NE(std::strstr(d->message, "bogus_op"), nullptr) << d->message;
  EXPECT_STREQ(d->source_line, "  bogus_op 3");
  EXPECT_NE(std::strstr(d->formatted, "bad.bvasm:3:3: error:"), nullptr);
  EXPECT_NE(std::strstr(d->formatted, "^"), nullptr) << d->formatted;
  EXPECT_EQ(bvm_last_error_diagnostic(1)->line, 4u);
  EXPECT_EQ(bvm_last_error_diagnostic(2), nullptr);
  EXPECT_NE(std::strstr(bvm_last_error_message(), "bad.bvasm:4"), nullptr);
}

TEST(CapiProgram, SuccessLeavesTheLastErrorAlone) {
  bvm_program* p = nullptr;
  EXPECT_EQ(bvm_program_assemble("nonsense", 8, "x.bvasm", &p),
            BVM_ERR_ASSEMBLY);
  const bvm_diagnostic* before = bvm_last_error_diagnostic(0);
  ASSERT_NE(before, nullptr);
  Program ok = assemble(kHello);
  EXPECT_EQ(bvm_last_error_code(), BVM_ERR_ASSEMBLY);
  EXPECT_EQ(bvm_last_error_diagnostic(0), before);  // same storage, still valid
  bvm_clear_error();
  EXPECT_EQ(bvm_last_error_code(), BVM_OK);
  EXPECT_EQ(bvm_last_error_diagnostic_count(), 0u);
  EXPECT_STREQ(bvm_last_error_message(), "");
}

TEST(CapiProgram, TheLastErrorIsPerThread) {
  bvm_program* p = nullptr;
  EXPECT_EQ(bvm_program_assemble("nonsense", 8, "x.bvasm", &p),
            BVM_ERR_ASSEMBLY);
  bvm_status other = BVM_ERR_INTERNAL;
  std::thread([&other] { other = bvm_last_error_code(); }).join();
  EXPECT_EQ(other, BVM_OK);
  EXPECT_EQ(bvm_last_error_code(), BVM_ERR_ASSEMBLY);
}

TEST(CapiProgram, ImagesRoundTripAndDisassemble) {
  Program p = assemble(kHello, "hello.bvasm");
  uint8_t* image = nullptr;
  size_t length = 0;
  ASSERT_EQ(bvm_program_write_image(p.get(), 0, &image, &length), BVM_OK);
  ASSERT_GT(length, 8u);
  bvm_program* read = nullptr;
  ASSERT_EQ(bvm_program_read_image(image, length, "hello.bvm", &read), BVM_OK)
      << bvm_last_error_message();
  Program q(read);
  uint8_t* again = nullptr;
  size_t againLength = 0;
  ASSERT_EQ(bvm_program_write_image(q.get(), 0, &again, &againLength), BVM_OK);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(image), length),
            std::string(reinterpret_cast<char*>(again), againLength));
  uint8_t* stripped = nullptr;
  size_t strippedLength = 0;
  ASSERT_EQ(bvm_program_write_image(q.get(), 1, &stripped, &strippedLength),
            BVM_OK);
  EXPECT_LT(strippedLength, length);
  bvm_free(image);
  bvm_free(again);
  bvm_free(stripped);

  char* text = nullptr;
  size_t textLength = 0;
  ASSERT_EQ(bvm_program_disassemble(q.get(), &text, &textLength), BVM_OK);
  EXPECT_EQ(std::strlen(text), textLength);
  EXPECT_NE(std::string(text).find("push_const 42"), std::string::npos)
      << text;
  bvm_free(text);

  ASSERT_EQ(bvm_program_function_count(q.get()), 1u);
  EXPECT_STREQ(bvm_program_function_name(q.get(), 0), "main");
  EXPECT_EQ(bvm_program_function_name(q.get(), 1), nullptr);
}

TEST(CapiProgram, MalformedImagesAreRejectedWithTheirOffset) {
  Program p = assemble(kHello);
  uint8_t* image = nullptr;
  size_t length = 0;
  ASSERT_EQ(bvm_program_write_image(p.get(), 0, &image, &length), BVM_OK);
  image[length - 1] ^= 0xff;  // the checksum no longer matches
  bvm_program* read = nullptr;
  EXPECT_EQ(bvm_program_read_image(image, length / 2, "cut.bvm", &read),
            BVM_ERR_INVALID_IMAGE);
  EXPECT_EQ(read, nullptr);
  ASSERT_GE(bvm_last_error_diagnostic_count(), 1u);
  EXPECT_STREQ(bvm_last_error_diagnostic(0)->file, "cut.bvm");
  EXPECT_GE(bvm_last_error_diagnostic(0)->offset, 0);
  bvm_free(image);
  EXPECT_EQ(bvm_program_read_image(nullptr, 0, nullptr, &read),
            BVM_ERR_INVALID_IMAGE);
}

TEST(CapiProgram, VerificationFailuresNameFunctionAndPc) {
  // Pops below the frame's base.
  Program p = assemble(".func main()\n  pop\n  push_const 1\n  ret\n.end\n");
  EXPECT_FALSE(bvm_program_is_verified(p.get()));
  EXPECT_EQ(bvm_program_verify(p.get(), nullptr), BVM_ERR_VERIFY);
  ASSERT_GE(bvm_last_error_diagnostic_count(), 1u);
  const bvm_diagnostic* d = bvm_last_error_diagnostic(0);
  EXPECT_STREQ(d->function, "main");
  EXPECT_EQ(d->pc, 0);
  EXPECT_EQ(d->line, 2u);
  EXPECT_FALSE(bvm_program_is_verified(p.get()));
  // A runtime verifies too.
  bvm_runtime* rt = nullptr;
  EXPECT_EQ(bvm_runtime_create(p.get(), nullptr, nullptr, &rt), BVM_ERR_VERIFY);
  EXPECT_EQ(rt, nullptr);
}

TEST(CapiProgram, VerifyOptions) {
  Program p = assemble(".func helper()\n  push_const 1\n  ret\n.end\n");
  bvm_verify_options o;
  bvm_verify_options_init(&o);
  EXPECT_EQ(o.require_runnable, 1);
  EXPECT_EQ(o.max_stack_size, 4096u);
  EXPECT_EQ(bvm_program_verify(p.get(), &o), BVM_ERR_VERIFY);  // nothing to run
  o.require_runnable = 0;
  EXPECT_EQ(bvm_program_verify(p.get(), &o), BVM_OK);
  EXPECT_TRUE(bvm_program_is_verified(p.get()));
  EXPECT_EQ(bvm_program_verify(p.get(), &o), BVM_OK);  // once
  o.struct_size = 4;
  Program q = assemble(kHello);
  EXPECT_EQ(bvm_program_verify(q.get(), &o), BVM_ERR_INVALID_ARGUMENT);
}

TEST(CapiProgram, LoadsTextAndImageFiles) {
  const std::string dir = ::testing::TempDir();
  const std::string textPath = dir + "/capi_hello.bvasm";
  std::ofstream(textPath) << kHello;
  bvm_program* p = nullptr;
  ASSERT_EQ(bvm_program_load_file(textPath.c_str(), &p), BVM_OK)
      << bvm_last_error_message();
  Program text(p);

  uint8_t* image = nullptr;
  size_t length = 0;
  ASSERT_EQ(bvm_program_write_image(text.get(), 0, &image, &length), BVM_OK);
  const std::string imagePath = dir + "/capi_hello.bin";  // found by its magic
  std::ofstream(imagePath, std::ios::binary)
      .write(reinterpret_cast<char*>(image), static_cast<std::streamsize>(length));
  bvm_free(image);
  ASSERT_EQ(bvm_program_load_file(imagePath.c_str(), &p), BVM_OK)
      << bvm_last_error_message();
  Program fromImage(p);
  EXPECT_EQ(bvm_program_function_count(fromImage.get()), 1u);

  EXPECT_EQ(bvm_program_load_file((dir + "/no/such.bvasm").c_str(), &p),
            BVM_ERR_IO);
  EXPECT_NE(std::strstr(bvm_last_error_message(), "cannot read"), nullptr);
  std::remove(textPath.c_str());
  std::remove(imagePath.c_str());
}

TEST(CapiProgram, NullArgumentsAreErrorsNotCrashes) {
  EXPECT_EQ(bvm_program_assemble("x", 1, nullptr, nullptr),
            BVM_ERR_INVALID_ARGUMENT);
  bvm_program* p = nullptr;
  EXPECT_EQ(bvm_program_assemble(nullptr, 3, nullptr, &p),
            BVM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bvm_program_load_file(nullptr, &p), BVM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bvm_program_verify(nullptr, nullptr), BVM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bvm_program_disassemble(nullptr, nullptr, nullptr),
            BVM_ERR_INVALID_ARGUMENT);
  bvm_program_free(nullptr);
  bvm_free(nullptr);
}

TEST(CapiProgram, AProgramMayBeFreedBeforeItsRuntimes) {
  Program p = assemble(kHello);
  bvm_runtime* rt = nullptr;
  ASSERT_EQ(bvm_runtime_create(p.get(), nullptr, nullptr, &rt), BVM_OK);
  Runtime owned(rt);
  p.reset();
  uint32_t fiber = spawnAndRun(rt, "main");
  bvm_value result = BVM_NIL;
  ASSERT_EQ(bvm_runtime_fiber_result(rt, fiber, &result), BVM_OK);
  EXPECT_EQ(numberOf(rt, result), 42);
}

// asm -> disasm -> asm must reproduce the image byte for byte, with and
// without debug info, for every program we can find.
#include <algorithm>

#include "asm_test_util.h"
#include "brainvm/objects.h"

namespace brainvm::testing {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> programFiles() {
  std::vector<fs::path> out;
  fs::path root = BRAINVM_SOURCE_DIR;
  for (const char* dir : {"samples", "tests/golden", "tests/asm/programs"}) {
    std::error_code ec;
    if (!fs::is_directory(root / dir, ec)) continue;
    for (auto it = fs::recursive_directory_iterator(root / dir, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (it->is_regular_file() && it->path().extension() == ".bvasm")
        out.push_back(it->path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(RoundTrip, ProgramFiles) {
  auto files = programFiles();
  EXPECT_GE(files.size(), 12u);
  int checked = 0;
  for (const fs::path& file : files) {
    std::string text = readText(file);
    if (text.find("; expect-error:") != std::string::npos) continue;
    for (bool debug : {true, false}) {
      AssembleOptions o = opts(debug);
      o.fileName = file.filename().string();
      auto p = assemble(text, o);
      if (!p.ok()) {
        // samples/ may contain programs for other features; ours must work.
        EXPECT_EQ(file.string().find("tests/asm/programs"), std::string::npos)
            << file << ": " << p.error().message();
        continue;
      }
      EXPECT_TRUE(roundTrips(*p)) << file << (debug ? " (debug)" : " (stripped)");
      // The image itself reads back to the same bytes.
      auto image = writeImage(*p);
      auto back = readImage(image);
      ASSERT_TRUE(back.ok()) << file << ": " << back.error().message();
      EXPECT_EQ(writeImage(*back), image) << file;
      EXPECT_TRUE(roundTrips(*back)) << file;
      ++checked;
    }
  }
  EXPECT_GE(checked, 24);
}

TEST(RoundTrip, StrippedImageFromDebugDisassembly) {
  // Disassembling a stripped program and assembling with --strip gives the
  // same stripped image.
  for (const fs::path& file : programFiles()) {
    std::string text = readText(file);
    auto p = assemble(text, opts(true));
    if (!p.ok()) continue;
    Program stripped = *p;
    stripped.stripDebugInfo();
    auto again = assemble(disassemble(stripped), opts(false));
    ASSERT_TRUE(again.ok()) << file;
    EXPECT_EQ(writeImage(*again), writeImage(stripped)) << file;
  }
}

// Programs built through the API with shapes ordinary syntax cannot express.
TEST(RoundTrip, IrregularProgramsUseRawAndHeaders) {
  Program p;
  p.constants.push_back(Value::number(7));
  p.constants.push_back(Value::number(7));  // duplicate pool entry
  p.constants.push_back(Value::object(const_cast<StringObject*>(p.arena->string("T"))));
  p.constants.push_back(Value::number(std::bit_cast<double>(0x7FF0000000000001ull)));
  p.variableNames = {"unused", "v", "with space", ""};
  p.hostImports = {{"never_used", true}, {"h", false}, {"h2", false}};
  p.sharedVars.push_back(SharedVar{2, Value::boolean(true)});
  Function f;
  f.name = "main";
  f.numParams = 1;
  f.numLocals = 3;
  f.code = {
      Instr{0, 1, 0, 0},     // push_const of the duplicate entry -> .raw
      Instr{0, 0, 0, 0},     // push_const 7
      Instr{0, 9, 0, 0},     // constant out of range
      Instr{200, 1, 2, 3},   // unknown opcode
      Instr{1, 5, 0, 0},     // pop with a stray operand
      Instr{40, 1, 0, 5},    // call site out of sequence
      Instr{40, 1, 0, 1},    // in sequence
      Instr{42, 2, 1, 2},    // in sequence
      Instr{41, 1, 0, 3},    // sync import used async
      Instr{20, 100, 0, 0},  // jump outside the function
      Instr{20, 2, 0, 0},    // jump to the end of the function
      Instr{30, 0, 2, 0},    // call with the wrong argc
      Instr{30, 0, 1, 0},    // call main 1
      Instr{110, 1, 2, 1},   // struct_new 1 "T"
      Instr{110, 1, 0, 1},   // struct_new naming a number
      Instr{110, 1, 5, 0},   // anonymous with b != 0
      Instr{130, 2, 0, 0},   // load_local 2
      Instr{130, 3, 0, 0},   // local out of range
      Instr{10, 3, 0, 0},    // load_var ""
      Instr{0, 3, 0, 0},     // NaN constant
      Instr{43, 2, -1, 4},   // negative argc
  };
  p.functions.push_back(f);
  Function g;
  g.name = "main2";
  p.functions.push_back(g);
  p.spawns = {1, 1};
  p.rules = {0};
  // No entry although main exists.
  EXPECT_TRUE(roundTrips(p));
  p.entry = 1;
  EXPECT_TRUE(roundTrips(p));

  // With debug info and unusual local names and lines.
  p.hasDebugInfo = true;
  p.sourceName = "weird \"name\".bs";
  p.functions[0].localNames = {"x", "0", "a b"};
  for (uint32_t i = 0; i < p.functions[0].code.size(); ++i)
    p.functions[0].lines.push_back(i % 3 == 0 ? 4000000000u : i);
  EXPECT_TRUE(roundTrips(p));
  std::string text = disassemble(p);
  EXPECT_NE(text.find(".raw 200 1 2 3"), std::string::npos) << text;
  EXPECT_NE(text.find(".import never_used async"), std::string::npos) << text;
}

TEST(RoundTrip, DisassemblyIsReadable) {
  Program p = asmOk(
      ".const N 3\n.var count 0\n"
      ".func main(n)\n  .local i\nloop:\n  load_local i\n  push_const N\n"
      "  host_call_args lt 2\n  jmp_if_false out\n  jmp loop\nout:\n"
      "  push_const \"done\"\n  ret\n.end\n");
  std::string text = disassemble(p);
  for (const char* piece : {".func main(n)", ".local i", "L0:", "jmp_if_false L5",
                            "jmp L0", "push_const \"done\"", "host_call_args lt 2",
                            "; pc 3", ".var count 0", ".source \"t.bvasm\""})
    EXPECT_NE(text.find(piece), std::string::npos) << piece << "\n" << text;
  Program s = asmOk(".func main(n)\n  .local i\n  load_local i\n  ret\n.end\n", false);
  std::string st = disassemble(s);
  EXPECT_NE(st.find(".func main(p0)"), std::string::npos) << st;
  EXPECT_NE(st.find(".local l1"), std::string::npos) << st;
  EXPECT_NE(st.find("load_local l1"), std::string::npos) << st;
  EXPECT_EQ(st.find(".line"), std::string::npos) << st;
}

}  // namespace
}  // namespace brainvm::testing

namespace brainvm::testing {
namespace {

TEST(RoundTrip, LongLiteralsAreNamedOnce) {
  std::string big(300, 'x');
  Program p = asmOk(".func main()\n push_const \"" + big + "\"\n push_const \"" + big +
                    "\"\n push_const 1\n push_const 1\n struct_new 1 \"" + big +
                    "\"\n ret\n.end\n");
  std::string text = disassemble(p);
  EXPECT_NE(text.find(".const k0 \"" + big + "\""), std::string::npos) << text;
  EXPECT_NE(text.find("push_const k0"), std::string::npos) << text;
  EXPECT_NE(text.find("struct_new 1 k0"), std::string::npos) << text;
  EXPECT_TRUE(roundTrips(p));
}

}  // namespace
}  // namespace brainvm::testing

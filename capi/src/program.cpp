// Programs: assembling, reading images and files, verification,
// disassembly and image writing.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <span>
#include <sstream>

#include "brainvm/assembler.h"
#include "brainvm/image.h"
#include "capi_internal.h"

namespace bvm {

namespace {

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.substr(s.size() - suffix.size()) == suffix;
}

bvm_status giveProgram(brainvm::Program program, std::string name,
                       bvm_program** out) {
  auto p = std::make_unique<bvm_program>();
  p->name = std::move(name);
  p->raw.emplace(std::move(program));
  *out = p.release();
  return BVM_OK;
}

bvm_status assemble(std::string_view text, const char* filename,
                    bvm_program** out) {
  brainvm::AssembleOptions options;
  if (filename) options.fileName = filename;
  brainvm::Result<brainvm::Program> r = brainvm::assemble(text, options);
  if (!r) return fail(r.error());
  return giveProgram(std::move(r).value(), options.fileName, out);
}

bvm_status readImage(std::span<const uint8_t> bytes, const char* filename,
                     bvm_program** out) {
  const std::string name = filename ? filename : "<image>";
  brainvm::Result<brainvm::Program> r = brainvm::readImage(bytes);
  if (!r) {
    brainvm::Error e = r.takeError();
    for (brainvm::Diagnostic& d : e.diagnostics)
      if (d.file.empty()) d.file = name;
    return fail(e);
  }
  return giveProgram(std::move(r).value(), name, out);
}

}  // namespace

brainvm::Result<std::shared_ptr<const brainvm::LoadedProgram>> loadedOf(
    bvm_program* program) {
  std::lock_guard<std::mutex> lock(program->mutex);
  if (program->loaded) return program->loaded;
  brainvm::LoadOptions options;
  options.requireRunnable = false;
  options.fileName = program->name;
  // Loading consumes a Program: it gets a copy, so that `raw` (and the
  // names handed out from it) stay as they are.
  brainvm::Program copy = *program->raw;
  auto r = brainvm::LoadedProgram::load(std::move(copy), options);
  if (!r) return r.takeError();
  program->loaded = r.value();
  return program->loaded;
}

}  // namespace bvm

using namespace bvm;

extern "C" {

BVM_API bvm_status bvm_program_assemble(const char* text, size_t length,
                                        const char* filename,
                                        bvm_program** out) {
  return guard([&] {
    if (bvm_status s = checkOut(out)) return s;
    if (!text && length) return badArgument("text is NULL");
    return assemble(std::string_view(text ? text : "", length), filename,
                    out);
  });
}

BVM_API bvm_status bvm_program_read_image(const uint8_t* bytes, size_t length,
                                          const char* filename,
                                          bvm_program** out) {
  return guard([&] {
    if (bvm_status s = checkOut(out)) return s;
    if (!bytes && length) return badArgument("bytes is NULL");
    return readImage(std::span<const uint8_t>(bytes, length), filename, out);
  });
}

BVM_API bvm_status bvm_program_load_file(const char* path, bvm_program** out) {
  return guard([&] {
    if (bvm_status s = checkOut(out)) return s;
    if (!path) return badArgument("path is NULL");
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    std::string data;
    if (in) {
      std::ostringstream buffer;
      buffer << in.rdbuf();
      if (!in.bad()) data = std::move(buffer).str();
    }
    if (!in || in.bad()) {
      const int e = errno;
      return fail(BVM_ERR_IO, std::string("cannot read '") + path + "': " +
                                  (e ? std::strerror(e) : "I/O error"));
    }
    std::span<const uint8_t> raw(
        reinterpret_cast<const uint8_t*>(data.data()), data.size());
    if (brainvm::looksLikeImage(raw) || endsWith(path, ".bvm"))
      return readImage(raw, path, out);
    return assemble(data, path, out);
  });
}

BVM_API void bvm_program_free(bvm_program* program) { delete program; }

BVM_API void bvm_verify_options_init(bvm_verify_options* options) {
  if (!options) return;
  brainvm::LoadOptions d;
  options->struct_size = sizeof(bvm_verify_options);
  options->max_stack_size = d.maxStackSize;
  options->require_runnable = 1;
  options->superinstructions = d.superinstructions ? 1 : 0;
}

BVM_API bvm_status bvm_program_verify(bvm_program* program,
                                      const bvm_verify_options* options) {
  return guard([&]() -> bvm_status {
    if (!program) return badArgument("program is NULL");
    if (!options) {
      auto r = loadedOf(program);
      return r ? BVM_OK : fail(r.error());
    }
    if (options->struct_size < sizeof(bvm_verify_options))
      return badArgument("bvm_verify_options: struct_size too small");
    std::lock_guard<std::mutex> lock(program->mutex);
    if (program->loaded) return BVM_OK;
    brainvm::LoadOptions lo;
    lo.maxStackSize = options->max_stack_size;
    lo.requireRunnable = options->require_runnable != 0;
    lo.superinstructions = options->superinstructions != 0;
    lo.fileName = program->name;
    brainvm::Program copy = *program->raw;
    auto r = brainvm::LoadedProgram::load(std::move(copy), lo);
    if (!r) return fail(r.error());
    program->loaded = r.value();
    return BVM_OK;
  });
}

BVM_API int bvm_program_is_verified(const bvm_program* program) {
  if (!program) return 0;
  std::lock_guard<std::mutex> lock(program->mutex);
  return program->loaded ? 1 : 0;
}

BVM_API bvm_status bvm_program_disassemble(const bvm_program* program,
                                           char** text, size_t* length) {
  return guard([&] {
    if (!program) return badArgument("program is NULL");
    std::string s;
    {
      std::lock_guard<std::mutex> lock(program->mutex);
      s = brainvm::disassemble(program->program());
    }
    return giveBuffer(s, text, length);
  });
}

BVM_API bvm_status bvm_program_write_image(const bvm_program* program,
                                           int strip, uint8_t** bytes,
                                           size_t* length) {
  return guard([&] {
    if (!program) return badArgument("program is NULL");
    std::vector<uint8_t> image;
    {
      std::lock_guard<std::mutex> lock(program->mutex);
      if (strip) {
        brainvm::Program copy = program->program();
        copy.stripDebugInfo();
        image = brainvm::writeImage(copy);
      } else {
        image = brainvm::writeImage(program->program());
      }
    }
    return giveBuffer(
        std::string_view(reinterpret_cast<const char*>(image.data()),
                         image.size()),
        reinterpret_cast<char**>(bytes), length);
  });
}

BVM_API uint32_t bvm_program_function_count(const bvm_program* program) {
  if (!program) return 0;
  std::lock_guard<std::mutex> lock(program->mutex);
  return static_cast<uint32_t>(program->program().functions.size());
}

BVM_API const char* bvm_program_function_name(const bvm_program* program,
                                              uint32_t i) {
  if (!program) return nullptr;
  std::lock_guard<std::mutex> lock(program->mutex);
  const auto& functions = program->program().functions;
  return i < functions.size() ? functions[i].name.c_str() : nullptr;
}

}  // extern "C"

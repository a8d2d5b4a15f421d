// Fuzzes the assembler on arbitrary text. Every input must either fail with
// diagnostics or assemble; a program that assembles and verifies must
// survive the image round trip (write -> read -> disassemble -> assemble ->
// write) byte for byte.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "brainvm/assembler.h"
#include "brainvm/image.h"
#include "brainvm/verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  brainvm::AssembleOptions opts;
  opts.fileName = "fuzz.bvasm";
  brainvm::Result<brainvm::Program> p = brainvm::assemble(text, opts);
  if (!p) {
    if (p.error().diagnostics.empty()) std::abort();
    return 0;
  }
  std::vector<uint8_t> image = brainvm::writeImage(p.value());
  brainvm::Result<brainvm::Program> back = brainvm::readImage(image);
  if (!back) std::abort();  // the writer produced something the reader rejects
  if (!brainvm::verifyProgram(back.value())) return 0;
  std::string text2 = brainvm::disassemble(back.value());
  brainvm::Result<brainvm::Program> again = brainvm::assemble(text2, opts);
  if (!again) std::abort();  // disassembly must reassemble
  if (brainvm::writeImage(again.value()) != image) std::abort();
  return 0;
}

// Fuzzes the image reader and the verifier on arbitrary bytes: every input
// is either rejected with an offset or loads and then verifies or not —
// never a crash, hang or unbounded allocation.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "brainvm/image.h"
#include "brainvm/verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  brainvm::Result<brainvm::Program> p =
      brainvm::readImage(std::span<const uint8_t>(data, size));
  if (!p) {
    if (p.error().diagnostics.empty() || p.error().diagnostics[0].offset < 0)
      std::abort();  // every rejection must name an offset
    return 0;
  }
  (void)brainvm::verifyProgram(p.value());
  return 0;
}

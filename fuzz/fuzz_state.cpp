// Fuzzes the saved-state reader: bytes are restored (with a fixed CRC so
// the payload's own checks are reached) against a program with fibers,
// timers, rules and shared data; a state that restores is run for a few
// ticks and saved again. Nothing may crash, hang or allocate without bound.
#include <cstdint>
#include <memory>
#include <vector>

#include "brainvm/assembler.h"
#include "brainvm/runner.h"
#include "brainvm/state.h"

namespace {

const char* kProgram = R"(
.var shared nil
.rule r
.spawn w
.func main()
  list_new
  dup
  store_var shared
  push_const 3
  host_call_args_async sleep 1
  await
  pop
  ret
.end
.func r()
  load_var shared
  push_const 1
  list_push
  pop
  push_const nil
  ret
.end
.func w()
  try c
  push_const 2
  push_const "x"
  host_call_args_async fail_after 2
  await
  ret
c:
  ret
.end
)";

uint32_t crc32(const uint8_t* p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int b = 0; b < 8; ++b) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
  }
  return ~c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::shared_ptr<const brainvm::LoadedProgram> program = [] {
    auto p = brainvm::assemble(kProgram);
    // Stripped, so that states saved from fuzz/state_seed.bvasm (assembled
    // with --strip by scripts/fuzz) name this same program.
    p.value().stripDebugInfo();
    return brainvm::LoadedProgram::load(std::move(p.value())).value();
  }();
  std::vector<uint8_t> bytes(data, data + size);
  // Keep inputs that reach the payload: fix up the checksum of a state.
  if (bytes.size() >= 28 && bytes[0] == 'B' && bytes[1] == 'V' &&
      bytes[2] == 'M' && bytes[3] == 'S') {
    const uint32_t c = crc32(bytes.data() + 28, bytes.size() - 28);
    for (int i = 0; i < 4; ++i) bytes[8 + i] = static_cast<uint8_t>(c >> (8 * i));
  }
  (void)brainvm::StateSummary::read(bytes);
  brainvm::RunOptions o;
  o.maxTicks = 5;
  o.runtime.maxInstructions = 10000;
  auto runner = brainvm::Runner::restoreState(program, o, bytes);
  if (!runner) return 0;
  runner.value()->setMaxTicks(runner.value()->ticksRun() + 3);
  (void)runner.value()->run();
  (void)runner.value()->saveState();
  return 0;
}

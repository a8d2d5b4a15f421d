// Fuzzes execution: text that assembles and verifies is run by the real run
// loop (built-in host library, rules, timers) under small budgets, tick and
// instruction limits and a memory cap. Text is used rather than image bytes
// because the assembler turns mutations into valid programs far more often
// than raw bytes (which also carry a checksum).
#include <cstdint>
#include <string_view>

#include "brainvm/assembler.h"
#include "brainvm/runner.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  brainvm::Result<brainvm::Program> p = brainvm::assemble(text);
  if (!p) return 0;
  brainvm::RunOptions opts;
  opts.maxTicks = 20;
  opts.runtime.defaultBudget = 200;
  opts.runtime.maxFibersPerTick = 16;
  opts.runtime.maxInstructions = 20000;
  opts.runtime.maxHeapBytes = 4u << 20;
  opts.runtime.maxStringBytes = 64u << 10;
  opts.runtime.maxFibers = 64;
  opts.runtime.maxHandles = 64;
  opts.runtime.maxFrameDepth = 64;
  opts.runtime.maxStackSize = 1024;
  auto runner = brainvm::Runner::create(std::move(p.value()), opts);
  if (!runner) return 0;
  (void)runner.value()->run();
  return 0;
}

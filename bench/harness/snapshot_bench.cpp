// Saved states at scale: N fibers waiting on timers (the idle brains of a
// big world), saved and restored. Prints one JSON line: save and restore
// times (best of R runs), the state's size, and its bytes per waiting fiber
// beyond the heap's data.
//   snapshot_bench [FIBERS] [RUNS]      (defaults 100000 and 5)
#include <brainvm/assembler.h>
#include <brainvm/runner.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace brainvm;

namespace {

const char* kProgram = R"(
.var n 0
.func main()
  .local i
  push_const 0
  store_local i
loop:
  load_local i
  load_var n
  host_call_args lt 2
  jmp_if_false done
  push_const "idle"
  host_call_args spawn 1
  pop
  load_local i
  push_const 1
  host_call_args add 2
  store_local i
  jmp loop
done:
  push_const nil
  ret
.end
.func idle()
  push_const 1000
  host_call_args_async sleep 1
  await
  ret
.end
)";

double ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

std::unique_ptr<Runner> world(const std::shared_ptr<const LoadedProgram>& p,
                              uint64_t fibers) {
  RunOptions o;
  o.maxTicks = 1;
  o.runtime.defaultBudget = 1u << 30;
  o.runtime.maxFibers = static_cast<uint32_t>(fibers + 10);
  o.runtime.maxHandles = static_cast<uint32_t>(fibers + 10);
  o.setup = [fibers](Runtime& rt) {
    return rt.setShared("n", Value::number(double(fibers)));
  };
  o.runtime.maxFibersPerTick = static_cast<uint32_t>(fibers + 10);
  auto r = Runner::create(p, std::move(o)).value();
  (void)r->run();
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t fibers = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100000;
  const int runs = argc > 2 ? std::atoi(argv[2]) : 5;
  auto program = LoadedProgram::load(assemble(kProgram).value()).value();

  auto empty = world(program, 0);
  const size_t baseline = empty->saveState().value().size();
  const uint64_t baselineHeap = empty->runtime().stats().heapBytes;

  auto big = world(program, fibers);
  const RuntimeStats stats = big->runtime().stats();
  double bestSave = 1e9, bestRestore = 1e9;
  std::vector<uint8_t> state;
  for (int i = 0; i < runs; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    state = big->saveState().value();
    bestSave = std::min(bestSave, ms(std::chrono::steady_clock::now() - t0));
  }
  for (int i = 0; i < runs; ++i) {
    RunOptions o;
    auto t0 = std::chrono::steady_clock::now();
    auto restored = Runner::restoreState(program, o, state);
    bestRestore =
        std::min(bestRestore, ms(std::chrono::steady_clock::now() - t0));
    if (!restored) {
      std::fprintf(stderr, "%s\n", restored.error().message().c_str());
      return 1;
    }
  }
  // The heap's data is in the state roughly byte for byte; what is left
  // over is the fibers', handles' and timers' records.
  const double perFiber =
      fibers ? (double(state.size()) - double(baseline) -
                (double(stats.heapBytes) - double(baselineHeap))) /
                   double(fibers)
             : 0;
  std::printf(
      "{\"fibers\": %llu, \"waiting\": %u, \"state_bytes\": %zu, "
      "\"heap_bytes\": %llu, \"save_ms\": %.2f, \"restore_ms\": %.2f, "
      "\"bytes_per_fiber\": %.1f}\n",
      static_cast<unsigned long long>(fibers), stats.waitingFibers,
      state.size(), static_cast<unsigned long long>(stats.heapBytes), bestSave,
      bestRestore, perFiber);
  return 0;
}

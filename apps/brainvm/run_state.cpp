#include "run_state.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>

#include "exit_codes.h"
#include "io.h"
#include "load.h"

namespace brainvm::cli {

void noteGivenOptions(const CLI::App& app, RunCliOptions& o) {
  o.given.clear();
  for (const char* name :
       {"--budget", "--max-fibers-per-tick", "--dt", "--seed",
        "--max-instructions", "--max-memory", "--entry", "--var", "--vars",
        "--env"}) {
    const CLI::Option* opt = app.get_option_no_throw(name);
    if (opt && opt->count() > 0) o.given.push_back(name);
  }
}

namespace {

bool given(const RunCliOptions& o, std::string_view name) {
  return std::find(o.given.begin(), o.given.end(), name) != o.given.end();
}

}  // namespace

std::unique_ptr<Runner> resumeRun(const RunCliOptions& o,
                                  std::shared_ptr<const LoadedProgram> program,
                                  RunOptions options, std::string& diagnostics,
                                  int& exitCode) {
  for (const char* startOnly : {"--entry", "--var", "--vars", "--env"})
    if (given(o, startOnly)) {
      diagnostics += std::string("error: ") + startOnly +
                     " applies at start-up; a run resumed with --load-state "
                     "has started\n";
      exitCode = kExitUsage;
      return nullptr;
    }
  std::string bytes;
  exitCode = readInput(o.loadState, bytes, diagnostics);
  if (exitCode != kExitOk) return nullptr;
  auto state = std::span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  auto runner = Runner::restoreState(std::move(program), std::move(options), state);
  if (!runner) {
    diagnostics += "error: " + displayName(o.loadState) + ": " +
                   runner.error().diagnostics.front().message + "\n";
    exitCode = kExitDataError;
    return nullptr;
  }
  const RunOptions& from = runner.value()->options();
  struct Check {
    const char* name;
    bool same;
    std::string stateValue;
  };
  const Check checks[] = {
      {"--budget", o.budget == from.runtime.defaultBudget,
       std::to_string(from.runtime.defaultBudget)},
      {"--max-fibers-per-tick",
       o.maxFibersPerTick == from.runtime.maxFibersPerTick,
       std::to_string(from.runtime.maxFibersPerTick)},
      {"--dt", o.dtMs == from.dtMs, formatNumber(from.dtMs)},
      {"--seed", o.seed == from.seed, std::to_string(from.seed)},
      {"--max-instructions", o.maxInstructions == from.runtime.maxInstructions,
       std::to_string(from.runtime.maxInstructions)},
      {"--max-memory", o.maxMemory == from.runtime.maxHeapBytes,
       std::to_string(from.runtime.maxHeapBytes)},
  };
  for (const Check& c : checks)
    if (given(o, c.name) && !c.same) {
      diagnostics += std::string("error: ") + c.name +
                     " differs from the state's (" + c.stateValue +
                     "): options that shape execution come from the state\n";
      exitCode = kExitUsage;
      return nullptr;
    }
  runner.value()->setMaxTicks(runner.value()->ticksRun() + o.ticks);
  exitCode = kExitOk;
  return std::move(runner.value());
}

int saveRun(const RunCliOptions& o, Runner& runner, std::string& diagnostics) {
  Result<std::vector<uint8_t>> state = runner.saveState();
  if (!state) {
    diagnostics += "error: cannot save the state: " +
                   state.error().message() + "\n";
    return kExitFault;
  }
  const std::vector<uint8_t>& b = state.value();
  return writeOutput(o.saveState,
                     std::string_view(reinterpret_cast<const char*>(b.data()),
                                      b.size()),
                     diagnostics);
}

}  // namespace brainvm::cli

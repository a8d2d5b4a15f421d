// The run loop of `brainvm run` (contract section 6), as a library component
// so that the CLI, the test runner and embedders share one implementation.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "brainvm/builtins.h"
#include "brainvm/program.h"
#include "brainvm/result.h"
#include "brainvm/runtime.h"

namespace brainvm {

struct RunOptions {
  uint64_t maxTicks = 1000;
  double dtMs = 16;
  uint64_t seed = 0;
  // budget (defaultBudget), maxFibersPerTick, maxInstructions, limits...
  RuntimeConfig runtime;
  // Function to run as fiber 1 instead of the program's entry.
  std::optional<std::string> entry;
  // Called after the runtime exists and before start-up: set --var/--vars
  // shared variables and --env context values here.
  std::function<Status(Runtime&)> setup;
  // Each printed line as it happens.
  std::function<void(std::string_view)> echo;
  // Scheduler events, plus the start of each tick.
  RuntimeObserver* observer = nullptr;
  std::function<void(uint64_t tick)> onTickStart;
};

enum class RunOutcome { Done, Ticks, Limit };
std::string_view runOutcomeName(RunOutcome o);  // "done", "ticks", "limit"

struct FiberRecord {
  FiberId id = 0;
  std::string function;
  FiberState state = FiberState::Runnable;
  std::optional<Value> result;  // DONE
  std::optional<Value> error;   // FAULT (and CANCELLED)
};

struct RuleRecord {
  std::string function;
  uint64_t runs = 0;
  uint64_t fired = 0;
  uint64_t faults = 0;
  std::optional<Value> firstError;
};

// Values in a report stay valid while the Runner that produced it lives.
struct RunReport {
  RunOutcome status = RunOutcome::Done;
  uint64_t ticks = 0;
  std::optional<Value> result;  // the entry fiber's result, if it finished
  std::vector<FiberRecord> fibers;  // non-rule fibers, by id
  std::vector<RuleRecord> rules;    // per .rule, in declaration order
  std::vector<std::pair<std::string, Value>> variables;  // sorted by name
  std::vector<std::string> output;
  uint64_t instructions = 0;
  uint64_t slices = 0;
  uint64_t handles = 0;
  bool faulted = false;  // a fiber or rule faulted (exit code 70)
};

class Runner {
 public:
  // Creates the runtime (verify + link against the built-in library).
  static Result<std::unique_ptr<Runner>> create(Program program,
                                                RunOptions options);
  ~Runner();
  // Runs to completion (done, tick limit or instruction limit).
  Result<RunReport> run();
  Runtime& runtime() { return *runtime_; }

 private:
  Runner() = default;
  RunOptions options_;
  std::unique_ptr<BuiltinHost> builtins_;
  std::unique_ptr<Runtime> runtime_;
  std::vector<PinId> pins_;
};

}  // namespace brainvm

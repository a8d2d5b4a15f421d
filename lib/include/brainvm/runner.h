// The run loop of the contract (section 6): start-up, then tick by tick the
// clock, timers, rules and scheduler, until nothing is left, a tick limit or
// the instruction cap. The `brainvm` command, its test runner and embedders
// share this one implementation.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "brainvm/builtins.h"
#include "brainvm/host.h"
#include "brainvm/loaded_program.h"
#include "brainvm/program.h"
#include "brainvm/result.h"
#include "brainvm/runtime.h"

namespace brainvm {

struct RunOptions {
  uint64_t maxTicks = 1000;
  double dtMs = 16;
  uint64_t seed = 0;  // of the built-in `random` and `random_int`
  // Budget (defaultBudget), fibers per tick, instruction cap, limits...
  RuntimeConfig runtime;
  // The function to run as fiber 1 instead of the program's entry (it must
  // take no parameters).
  std::optional<std::string> entry;

  // Host functions: the built-in library (contract section 8) unless
  // `builtins` is false, then `hosts`. A function in `hosts` replaces the
  // built-in of the same name (an embedder's own `add` is the one that runs).
  bool builtins = true;
  HostRegistry hosts;

  // Called once the runtime exists, before start-up: set shared variables,
  // host contexts, a resolver... An error ends the run before it starts.
  std::function<Status(Runtime&)> setup;
  // Called at the start of every tick T, after the clock is set (time
  // (T-1)·dt, dt, tick T) and before the timers due at T, the rules'
  // re-spawn and the scheduler: set variables, settle the host's own
  // handles, change the clock. Return false to stop the run there (tick T
  // does not run; status "ticks" with ticks T-1).
  std::function<bool(Runtime&, uint64_t tick)> onTick;
  // Each line the built-in `print` writes, as it happens.
  std::function<void(std::string_view)> echo;
  // Scheduler events.
  RuntimeObserver* observer = nullptr;
};

enum class RunOutcome { Done, Ticks, Limit };
std::string_view runOutcomeName(RunOutcome o);  // "done", "ticks", "limit"

struct FiberRecord {
  FiberId id = 0;
  FiberState state = FiberState::Runnable;  // beside id: 88 bytes, not 96
  std::string function;
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
// Whether report() lists the fiber records itself, or leaves them to
// Runner::forEachFiberRecord (for writing a large report as it is read).
enum class ReportFibers : uint8_t { Included, Omitted };

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
  bool faulted = false;  // a fiber or rule faulted, or status is limit
};

class Runner {
 public:
  // Loads the program (verify + link; LoadOptions from options.runtime,
  // and the entry check relaxed when options.entry names the entry) and
  // creates its runtime.
  static Result<std::unique_ptr<Runner>> create(Program program,
                                                RunOptions options);
  // A runner over a loaded program shared with other runners and runtimes.
  static Result<std::unique_ptr<Runner>> create(
      std::shared_ptr<const LoadedProgram> program, RunOptions options);
  ~Runner();

  // Runs to completion (done, tick limit, instruction limit or stopped by
  // onTick): start(), step() until it returns false, report(fibers).
  Result<RunReport> run(ReportFibers fibers = ReportFibers::Included);

  // The same, one tick at a time, for hosts that interleave their own work.
  // start() runs setup and the start-up spawns (entry, .spawn, .rule).
  Status start();
  // Runs the next tick; false once the run is over (then it runs nothing).
  Result<bool> step();
  bool finished() const;
  // Ticks run so far.
  uint64_t ticksRun() const;
  // The report of the run so far: when it is not finished, status "ticks",
  // live fibers in their current state. The objects its values refer to
  // stay alive until the next report() or saveState() (fibers' results and
  // errors: as long as the Runner), so reporting every tick holds on to
  // nothing more. With ReportFibers::Omitted, `fibers` is left empty: the
  // records are then visited with forEachFiberRecord.
  RunReport report(ReportFibers fibers = ReportFibers::Included);
  // The fiber records report() lists, one at a time in the same order (by
  // id); the record passed is valid during its call only. A report of
  // 100,000 fibers written this way never holds them all.
  void forEachFiberRecord(
      const std::function<void(const FiberRecord&)>& visit) const;

  // The whole run as a saved state (docs/snapshots.md): the runtime, the
  // built-in library's part and the run loop's own (options that shape
  // execution, progress, rules, the records the report will list), when no
  // tick is running. `hooks` add the embedder's own parts after those (its
  // operations in flight: state.h's StateHook).
  Result<std::vector<uint8_t>> saveState(
      std::span<StateHook* const> hooks = {});
  // A runner that goes on from a saved state: the same program, `options`
  // for the host side (its own host functions, onTick, echo, observer, and
  // maxTicks counted from the run's first tick). The options that shape
  // execution (runtime config, dt, seed, entry) come from the state;
  // `setup` is not called (the run has started). A report of the resumed
  // run is the report the run would have made without the interruption.
  // `hooks` read back the parts saveState's hooks wrote, in that order.
  static Result<std::unique_ptr<Runner>> restoreState(
      std::shared_ptr<const LoadedProgram> program, RunOptions options,
      std::span<const uint8_t> state, std::span<StateHook* const> hooks = {});
  // The options the runner runs with (from the state when restored):
  // maxTicks, dtMs, seed, runtime, entry, builtins, onTick and observer.
  // Not kept, so empty here: hosts (bound by the runtime), echo (the
  // built-in library's), setup.
  RunOptions options() const;
  // Changes the tick limit (counted from the run's first tick), e.g. to run
  // M more ticks after restoring: setMaxTicks(ticksRun() + M).
  void setMaxTicks(uint64_t ticks) { settings_.maxTicks = ticks; }

  Runtime& runtime() { return *runtime_; }
  // The built-in library's state (output, timers); null without built-ins.
  BuiltinHost* builtins() { return builtins_.get(); }

 private:
  class Hook;
  Runner();
  // The host functions of a new or restored run: the built-ins (made here)
  // unless options.builtins is off, then options.hosts.
  Result<HostRegistry> hostsFor(const Program& program,
                                const RunOptions& options);
  Status spawnRule(size_t index);
  void attachState(RuntimeObserver* observer);
  void keepSettings(RunOptions& options);
  friend class RunnerObserver;
  // Records and forgets the fibers that ended (after each slice that ends
  // one, and after the tick).
  void reapEnded();
  void recordEnded(const FiberView& v);
  void ruleRunEnded(FiberId id, uint16_t hint, bool fired, FiberState state,
                    const Value& error);
  Value keep(const Value& v);
  void releaseReportPins();
  struct State;
  // What a Runner keeps of its RunOptions: a game holds thousands of
  // runners, so not the whole struct.
  struct Settings {
    uint64_t maxTicks = 0;
    double dtMs = 0;
    uint64_t seed = 0;
    std::function<bool(Runtime&, uint64_t tick)> onTick;
    std::function<Status(Runtime&)> setup;  // dropped by start()
  };
  // The members a step reads first, together; settings_ last (destroyed
  // first: nothing below refers to it).
  std::unique_ptr<BuiltinHost> builtins_;
  std::unique_ptr<Runtime> runtime_;
  std::optional<uint32_t> entry_;  // function run as fiber 1
  std::unique_ptr<State> state_;
  Settings settings_;
};

}  // namespace brainvm

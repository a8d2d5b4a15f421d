// The runtime: one verified program, its heap, fibers, scheduler, handle
// table, variable scopes and bound host functions.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "brainvm/heap.h"
#include "brainvm/host.h"
#include "brainvm/instrumentation.h"
#include "brainvm/loaded_program.h"
#include "brainvm/program.h"
#include "brainvm/result.h"
#include "brainvm/value.h"

namespace brainvm {

struct RuntimeConfig {
  uint32_t maxFibersPerTick = 64;  // slices per scheduler tick
  uint32_t defaultBudget = 1000;   // instructions per slice
  uint32_t maxFrameDepth = 256;    // frames per fiber (entry frame included)
  uint32_t maxStackSize = 4096;    // values per fiber stack (locals included)
  uint32_t maxHandlers = 64;       // try handlers installed at once per fiber
  uint32_t maxFibers = 100000;     // live fibers
  uint32_t maxHandles = 100000;    // pending handles
  uint64_t maxHeapBytes = 256ull << 20;  // lists, maps, structs, strings
  uint32_t maxStringBytes = 16u << 20;   // one string
  uint64_t maxInstructions = 0;    // whole runtime; 0 = unlimited
};

enum class FiberState : uint8_t { Runnable, Waiting, Done, Fault, Cancelled };
std::string_view fiberStateName(FiberState s);  // "RUNNABLE", "DONE", ...

enum class RunStatus : uint8_t { Done, Yielded, Waiting, Fault, Cancelled };
std::string_view runStatusName(RunStatus s);  // "DONE", "YIELDED", ...

struct RunResult {
  RunStatus status = RunStatus::Yielded;
  uint32_t instructions = 0;  // budget units used by this slice
  HandleId handle = 0;        // WAITING: the awaited handle
};

enum class HandleState : uint8_t { Pending, Resolved, Rejected, Cancelled };
std::string_view handleStateName(HandleState s);

// A snapshot of one fiber.
struct FiberView {
  FiberId id = 0;
  uint32_t function = 0;
  FiberState state = FiberState::Runnable;
  Value result;      // DONE: the returned value
  Value error;       // FAULT: the error value (with a trace); CANCELLED too
  bool fired = false;  // executed a when_end whose condition was truthy
  bool isRule = false;
  HandleId awaiting = 0;  // WAITING: the awaited handle
};

// One frame of a fiber's call stack, for debuggers and tools.
struct FrameInfo {
  uint32_t function = 0;
  // The instruction the frame is at: the next to run in the innermost frame
  // (or the one a debugger stopped before), the call in outer frames.
  uint32_t pc = 0;
  uint32_t line = 0;  // 0 without debug info
};

struct RuntimeStats {
  uint64_t instructions = 0;  // budget units charged, whole runtime
  uint64_t slices = 0;
  uint64_t handlesCreated = 0;
  uint32_t liveFibers = 0;  // runnable + waiting
  uint32_t runnableFibers = 0;
  uint32_t waitingFibers = 0;
  uint32_t pendingHandles = 0;
  uint64_t heapBytes = 0;
};

// Receives scheduler events (e.g. to write a trace of a run).
class RuntimeObserver {
 public:
  virtual ~RuntimeObserver() = default;
  virtual void onFiberSpawned(FiberId, uint32_t /*function*/) {}
  virtual void onSlice(FiberId, const RunResult&) {}
  virtual void onHandleSettled(HandleId, HandleState) {}
  virtual void onFiberCancelled(FiberId) {}
};

// A custom variable resolver, consulted first by load_var and store_var.
class VariableResolver {
 public:
  virtual ~VariableResolver() = default;
  // The value of name, or nullopt to continue down the resolution chain.
  virtual std::optional<Value> load(std::string_view name, FiberId fiber) = 0;
  // True if the resolver stored the value (store_var then stops there).
  virtual bool store(std::string_view /*name*/, const Value& /*value*/,
                     FiberId /*fiber*/) {
    return false;
  }
};

// Bounds on what restoring a state may allocate (it is untrusted input).
struct RestoreLimits {
  uint64_t maxHeapBytes = 1ull << 30;  // and at most the state's own cap
};

class StateHook;

using ContextId = uint32_t;
inline constexpr ContextId kNoContext = 0;
using PinId = uint32_t;
// A program variable's index (Runtime::sharedSlot).
struct SharedSlot {
  uint32_t index;
};

class RuntimeImpl;

class Runtime {
 public:
  // A runtime of a loaded program, which it shares with any other runtimes
  // of it. Binds the program's host imports to `hosts` by name (LinkError
  // listing every missing or kind-mismatched name, see checkImports) and
  // sets up the shared scope from the program's `.var` initial values. The
  // registry's functions are copied: it need not outlive the runtime (their
  // userData must).
  static Result<std::unique_ptr<Runtime>> create(
      std::shared_ptr<const LoadedProgram> program, const HostRegistry& hosts,
      RuntimeConfig config = {});
  // The same for a program of its own: loads it first (LoadOptions with
  // config.maxStackSize), failing with the verifier's diagnostics.
  static Result<std::unique_ptr<Runtime>> create(Program program,
                                                 const HostRegistry& hosts,
                                                 RuntimeConfig config = {});
  ~Runtime();

  const Program& program() const;
  const std::shared_ptr<const LoadedProgram>& loadedProgram() const;
  const RuntimeConfig& config() const;
  // Allocation of strings, lists, maps and structs for host functions.
  Heap& heap();

  // --- Fibers and scheduling ---
  Result<FiberId> spawn(uint32_t function, std::span<const Value> args = {});
  Result<FiberId> spawn(std::string_view function,
                        std::span<const Value> args = {});
  // Marks a fiber as spawned for a rule (excluded from reports' fibers).
  void markRule(FiberId id);
  // Cancels a live fiber (state CANCELLED). False if none was live.
  bool cancel(FiberId id);
  std::optional<FiberView> fiber(FiberId id) const;
  // One scheduler tick: runs up to maxFibersPerTick slices; a fiber that
  // yields is re-queued at the back of the same tick. Returns slices run.
  uint32_t tick();
  // Runs one slice of a runnable fiber directly (for hosts that schedule
  // themselves, and for tests).
  RunResult runFiber(FiberId id, uint32_t budget);
  // Forgets ended (DONE, FAULT and CANCELLED) fibers, calling onEnded for
  // each first; until then fiber() still shows them. Call it between ticks,
  // or from RuntimeObserver::onSlice (the scheduler is done with that fiber
  // then): the Runner does the latter so that the fibers of one busy tick
  // reuse each other's memory. (Heap objects are freed by collectGarbage.)
  size_t collectEndedFibers(
      const std::function<void(const FiberView&)>& onEnded = {});
  // Ends every live fiber with an uncatchable error (e.g. Timeout).
  void faultAll(ErrorTag tag, std::string_view message);
  bool instructionLimitReached() const;
  // Runnable + waiting fibers; O(1), unlike stats() which counts by state.
  uint32_t liveFibers() const;
  RuntimeStats stats() const;

  // --- Handles ---
  Result<HandleId> createHandle();
  Status resolveHandle(HandleId id, const Value& value);
  Status rejectHandle(HandleId id, ErrorTag tag, std::string_view message);
  Status rejectHandleWith(HandleId id, const Value& errorValue);
  Status cancelHandle(HandleId id, std::string_view message = "Cancelled");
  std::optional<HandleState> handleState(HandleId id) const;

  // --- Variables ---
  // Shared scope (the program's `.var`s and anything host-set).
  std::optional<Value> getShared(std::string_view name) const;
  Status setShared(std::string_view name, const Value& value);
  // A variable name of the program (a `.var` or a name its code loads or
  // stores; nullopt for others) looked up once: a host that sets a brain's
  // inputs every tick skips the name lookup. Slots are the program's, good
  // for every runtime of that program (LoadedProgram::findVariable gives the
  // same index).
  std::optional<SharedSlot> sharedSlot(std::string_view name) const;
  std::optional<Value> getShared(SharedSlot slot) const;
  Status setShared(SharedSlot slot, const Value& value);  // InvalidArgument
                                                          // if out of range
  // Every shared variable, sorted by name.
  std::vector<std::pair<std::string, Value>> sharedVariables() const;
  std::optional<Value> getFiberVariable(FiberId id, std::string_view name) const;
  void setResolver(std::shared_ptr<VariableResolver> resolver);
  // Host contexts form the parent chain load_var reaches last.
  ContextId newContext(ContextId parent = kNoContext);
  Status setContextVariable(ContextId ctx, std::string_view name,
                            const Value& value);
  void setParentContext(ContextId ctx);

  // --- Clock (read by host functions such as now/tick) ---
  void setClock(double timeMs, double dtMs, uint64_t tick);
  double timeMs() const;
  double dtMs() const;
  uint64_t currentTick() const;

  // --- Values and memory ---
  Value newString(std::string_view s);  // nil if out of memory
  // Values held by the host across safe points must be pinned.
  PinId pin(const Value& v);
  void unpin(PinId id);
  Value pinned(PinId id) const;
  // Whether `id` is a pin in use (not unpinned).
  bool isPinned(PinId id) const;
  // Frees heap objects nothing refers to (a no-op inside a slice: the
  // interpreter picks its own safe points).
  void collectGarbage();

  void setObserver(RuntimeObserver* observer);

  // --- Saved states (docs/snapshots.md) ---
  // The whole state of the runtime (not its program: a hash names it), when
  // no slice is running. Each hook adds its host's part; every pending
  // handle must be claimed by one of them, else this fails with a message
  // naming the handles. The same state always saves to the same bytes.
  Result<std::vector<uint8_t>> saveState(
      std::span<StateHook* const> hooks = {}) const;
  // A runtime of `program` in a saved state, with its config, heap, fibers,
  // queue, handles, variables, pins, clock and stats; `hosts` are bound as
  // in create(), and `hooks` (in the order given when saving) read back
  // their parts. Any malformed or inconsistent state is refused with an
  // offset and a reason; one saved from another program too. A custom
  // resolver and observer are not part of a state: set them again.
  static Result<std::unique_ptr<Runtime>> restoreState(
      std::shared_ptr<const LoadedProgram> program, const HostRegistry& hosts,
      std::span<const uint8_t> state, std::span<StateHook* const> hooks = {},
      const RestoreLimits& limits = {});

  // --- Looking inside (tools and debuggers) ---
  // Attaches coverage, a profile and a debugger (instrumentation.h); an
  // empty Instrumentation detaches them. Not allowed inside a slice.
  Status setInstrumentation(const Instrumentation& parts);
  // A debugger answered DebugAction::Abort: tick() runs no slice until
  // clearAbort().
  bool abortRequested() const;
  void clearAbort();
  // Every fiber the runtime holds (live, or ended and not yet collected),
  // by id.
  std::vector<FiberId> fiberIds() const;
  // A fiber's call stack, innermost frame first (empty once it ended).
  std::vector<FrameInfo> frames(FiberId id) const;
  // The locals (parameters first) and the operand stack of frame `frame`
  // (0 = innermost) of a fiber; empty if there is no such frame.
  std::vector<Value> locals(FiberId id, size_t frame = 0) const;
  std::vector<Value> operandStack(FiberId id, size_t frame = 0) const;
  // A variable as `load_var` in the fiber would read it (resolver, the
  // fiber's own context, the shared scope, host contexts); nullopt if no
  // scope defines it.
  std::optional<Value> lookupVariable(FiberId id, std::string_view name) const;

 private:
  // The run loop spawns and collects its rules' fibers through the
  // runtime's internals (the busiest path of a game's brains).
  friend class Runner;
  explicit Runtime(std::unique_ptr<RuntimeImpl> impl);
  std::unique_ptr<RuntimeImpl> impl_;
};

}  // namespace brainvm

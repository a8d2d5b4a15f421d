// The runtime's private state, shared by the interpreter (interpreter.cpp),
// host calls (host_call.cpp), fibers (fibers.cpp), the scheduler
// (scheduler.cpp), handles (handles.cpp), variables (variables.cpp), errors
// (errors.cpp) and the collector (collector.cpp). Runtime (runtime.cpp) is
// its public facade.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "brainvm/heap.h"
#include "brainvm/host.h"
#include "brainvm/instrumentation.h"
#include "brainvm/loaded_program.h"
#include "brainvm/program.h"
#include "brainvm/runtime.h"
#include "brainvm/state.h"
#include "fiber.h"
#include "fiber_queue.h"
#include "fiber_table.h"
#include "handle_table.h"
#include "linked_code.h"

namespace brainvm {

// A program constant's object (or the runtime's own out-of-memory error), as
// saved states refer to them (state_format.h PermanentTag).
struct PermanentObject {
  uint8_t tag;
  uint32_t index;
  Object* object;
};

// The fixed header of a saved state.
struct StateHeader {
  uint32_t version = 0;
  uint64_t programHash = 0;
  std::span<const uint8_t> payload;
};
Result<StateHeader> readStateHeader(std::span<const uint8_t> bytes);
std::string hashText(uint64_t hash);  // 16 hex digits

// A host import bound to its function: what a call needs, in 32 bytes (a
// game may hold thousands of runtimes); the name is the program's.
struct BoundImport {
  SyncHostFn sync = nullptr;
  AsyncHostFn asyncFn = nullptr;
  void* userData = nullptr;
  bool async = false;
  uint8_t intrinsic = 0;
};

struct HostContext {
  ContextId parent = kNoContext;
  std::vector<std::pair<std::string, Value>> vars;
};

class RuntimeImpl {
 public:
  RuntimeImpl(std::shared_ptr<const LoadedProgram> loaded,
              RuntimeConfig config);
  ~RuntimeImpl();

  // --- set-up (runtime_impl.cpp) ---
  // Binds the program's imports to `hosts` (checkImports) and picks the
  // linked code: the loaded program's when the bindings are the built-ins
  // it was linked for, else a private copy.
  Status bindImports(const HostRegistry& hosts);
  void initSharedScope();

  // --- fibers (fibers.cpp) and scheduling (scheduler.cpp) ---
  // `rule`: a run of a rule (Runtime::markRule), set before observers hear
  // of the fiber.
  Result<FiberId> spawn(uint32_t function, std::span<const Value> args,
                        bool rule = false,
                        uint16_t ruleHint = Fiber::kNoRuleHint);
  bool cancel(FiberId id);
  Fiber* findFiber(FiberId id) const;
  void enqueue(Fiber* f);
  uint32_t tick();
  // One slice of a runnable fiber (interpreter.cpp): the plain loop, or the
  // instrumented one when instrumentation is attached.
  RunResult runSlice(Fiber& f, uint32_t budget);
  template <bool kInstrumented>
  RunResult runSliceWith(Fiber& f, uint32_t budget);
  size_t collectEndedFibers(
      const std::function<void(const FiberView&)>& onEnded);
  // The same without a std::function (the Runner's path, after every
  // slice that ends a fiber).
  template <class Fn>
  size_t collectEnded(Fn&& onEnded) {
    size_t removed = 0;
    // By index: a callback may end more fibers, which then come next.
    for (size_t i = 0; i < ended.size(); ++i) {
      const FiberId id = ended[i];
      Fiber* f = fibers.find(id);
      if (f == nullptr) continue;
      onEnded(*f);
      retire(*f);
      ++removed;
    }
    ended.clear();
    return removed;
  }
  void faultAll(ErrorTag tag, std::string_view message);
  FiberView view(const Fiber& f) const;
  void endFiber(Fiber& f, FiberState state);
  // Takes a collected fiber out of the table: a rule run that ended done
  // goes to the thread's fiber cache as a spare run, anything else is erased.
  void retire(Fiber& f);
  // Gives an ended fiber's stack and frame vector to the next spawns.
  void releaseBuffers(Fiber& f);

  // --- host calls (host_call.cpp) ---
  // Calls a host function with arguments viewed from the stack. Sync: `out`
  // is the result. Async: a pending handle is created and `out` is the handle
  // value. Returns false with an error value (with trace) in `out` when the
  // call failed. The fiber's state must be saved.
  bool callHost(Fiber& f, uint32_t import, const Value* args,
                uint32_t argc, uint32_t callSite, uint32_t pc, Value& out);
  // The same with the arguments taken from a map keyed 0, 1, 2, ...
  bool callHostWithMap(Fiber& f, uint32_t import, const Value& map,
                       uint32_t callSite, uint32_t pc, Value& out);

  // --- handles (handles.cpp) ---
  Result<HandleId> createHandle();
  Status settleHandle(HandleId id, HandleState state, const Value& v);
  HandleRecord* findHandle(HandleId id);

  // --- variables (variables.cpp) ---
  Value loadVarSlow(Fiber& f, uint32_t nameIndex);
  void storeVarSlow(Fiber& f, uint32_t nameIndex, const Value& v);
  std::optional<Value> contextLookup(std::string_view name) const;
  bool contextStore(std::string_view name, const Value& v);

  // --- errors (errors.cpp) ---
  // A fresh error value with the fiber's current trace (top frame at pc).
  Value makeError(Fiber& f, uint32_t pc, ErrorTag tag, std::string message);
  Value makeErrorNoTrace(ErrorTag tag, std::string_view message);
  // An error value as raised at pc: the value itself if it already has a
  // trace (a re-thrown error keeps its first one), else a traced copy
  // (constants stay immutable). The copy falls back to the value when the
  // heap is full.
  Value withTrace(Fiber& f, uint32_t pc, const Value& error);
  std::vector<TraceFrame> traceOf(const Fiber& f, uint32_t pc) const;
  // Grows the fiber stack to hold at least `needed` values.
  bool growStack(Fiber& f, uint64_t needed);

  // --- instrumentation (instrumentation.cpp) ---
  Status attach(const Instrumentation& parts);
  // Calls the debugger with the fiber's state saved.
  DebugAction debugStop(Fiber& f, DebugEvent event, uint32_t pc,
                        const Value& error);
  // The profile node of the fiber's current stack.
  uint32_t profileNodeOf(const Fiber& f);
  // Records in coverage counts where this runtime's code has
  // superinstructions (CoverageCounts::FusedSpan).
  Status recordFusedLayout(CoverageCounts& coverage);
  uint64_t hostClockStart() const;
  void hostClockStop(uint32_t hostNode, uint64_t start);
  // Whether a debugger may stop at one of the `extra` instructions after
  // the one at CodeIndex `at` (so a superinstruction must not run them as
  // one step).
  bool debugStopsInside(uint32_t at, uint32_t extra) const;


  // --- saved states (state_save.cpp, state_restore.cpp) ---
  std::vector<PermanentObject> permanentObjects() const;
  Result<std::vector<uint8_t>> saveState(
      std::span<StateHook* const> hooks) const;
  // Everything but the host hooks' parts, which readHooks reads once the
  // Runtime facade exists.
  static Result<std::unique_ptr<RuntimeImpl>> restoreState(
      std::shared_ptr<const LoadedProgram> loaded, const HostRegistry& hosts,
      std::span<const uint8_t> bytes, const RestoreLimits& limits);
  bool readSections(StateReader& payload, std::span<const uint8_t> bytes,
                    const RestoreLimits& limits, std::string& error);
  bool readFibers(StateReader& in);
  bool checkFiberShape(StateReader& in, const Fiber& f,
                       const std::vector<Value>& stack);
  bool readHooks(std::span<const uint8_t> payload,
                 std::span<StateHook* const> hooks, std::string& error);
  static bool openSection(StateReader& payload, uint8_t tag, const char* what,
                          std::span<const uint8_t> bytes,
                          std::optional<StateReader>& section);

  // --- memory (collector.cpp) ---
  void collectGarbage();
  void markRoots();

  // The members a tick, a spawn and a slice touch come first, together
  // (a game holds thousands of runtimes and visits each every tick); the
  // rest follows.
  const Program& program;  // loaded->program()
  // Dense-opcode code of each function: the loaded program's, or ownLinked
  // when this runtime's bindings differ from the built-ins it assumed.
  const LinkedCode* linked = nullptr;
  Runtime* facade = nullptr;
  RuntimeObserver* observer = nullptr;
  Fiber* running = nullptr;
  RuntimeConfig config;

  // Fibers and scheduling.
  FiberTable fibers;
  FiberQueue runQueue;
  std::vector<FiberId> ended;  // ended since the last gc()
  FiberId nextFiberId = 1;
  uint32_t liveFibers = 0;
  // (Spare fibers and the heap buffers of ended ones are kept per thread:
  // fiber_cache.h.)

  std::vector<BoundImport> imports;  // by import index
  std::vector<Value> shared;  // by variable-name index; Absent = undefined
  std::shared_ptr<VariableResolver> resolver;

  // Instrumentation: what is attached (see also instrumentedOffsets) and a
  // debugger's abort.
  Instrumentation instrumentation;
  bool abortRequested = false;

  // Clock.
  double timeMs = 0, dtMs = 0;
  uint64_t currentTick = 0;

  // Stats.
  uint64_t instructions = 0;
  uint64_t slices = 0;
  uint64_t handlesCreated = 0;

  uint64_t settledSinceGc = 0;  // handles
  Heap heap;

  // --- Less often used. ---
  std::shared_ptr<const LoadedProgram> loaded;
  // Keep the bound functions' userData alive (std::function forms).
  std::vector<std::shared_ptr<void>> importOwners;

  // What most runtimes never use, allocated on first use: a game holds
  // thousands of runtimes, and each member here would be paid by all.
  struct Extras {
    LinkedCode ownLinked;
    // The CodeIndex offsets of the functions, while instrumented.
    std::vector<uint32_t> instrumentedOffsets;
    // Scopes beyond the program's shared variables.
    std::map<std::string, Value, std::less<>> sharedExtra;  // names not in program
    std::vector<HostContext> contexts;  // ContextId = index + 1
    ContextId parentContext = kNoContext;
    // Between restoreState and readHooks: the tables values refer to.
    std::vector<Value> restoreObjects, restorePermanents;
    size_t hooksAt = 0;
  };
  std::unique_ptr<Extras> extras_;
  Extras& extras() {
    if (!extras_) extras_ = std::make_unique<Extras>();
    return *extras_;
  }
  ContextId parentContext() const {
    return extras_ ? extras_->parentContext : kNoContext;
  }

  // Handles.
  HandleTable handles;
  HandleId nextHandleId = 1;
  uint32_t pendingHandles = 0;

  // Pinned host values.
  std::vector<Value> pins;  // PinId = index + 1
  std::vector<PinId> freePins;

  // Permanent fallback values (for when the heap is exhausted).
  // One for every runtime (immutable, never freed).
  const ErrorObject* outOfMemoryError = nullptr;
};

}  // namespace brainvm

// Private runtime state shared by the interpreter, scheduler, handle table
// and variable scopes.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "brainvm/heap.h"
#include "brainvm/host.h"
#include "brainvm/program.h"
#include "brainvm/runtime.h"
#include "fiber_table.h"
#include "linked_code.h"

namespace brainvm {

struct Frame {
  uint32_t function;
  uint32_t base;  // stack index of local 0
  uint32_t pc;    // saved pc while a callee runs (the return address)
};

struct Handler {
  uint32_t catchPc;
  uint32_t stackHeight;
  uint32_t frameDepth;  // frames.size() when installed (owning frame)
};

struct Fiber {
  FiberId id = 0;
  uint32_t function = 0;
  FiberState state = FiberState::Runnable;
  bool fired = false;
  bool isRule = false;
  bool queued = false;
  bool hasPendingThrow = false;
  HandleId awaiting = 0;
  uint32_t sp = 0;  // stack height
  uint32_t capacity = 0;
  Value* stack = nullptr;
  std::vector<Frame> frames;
  std::vector<Handler> handlers;
  Value pendingError;  // injected throw after a failed await
  Value result;
  Value error;
  // The fiber's own variable context, indexed by variable-name index;
  // allocated on the first store that lands here.
  std::unique_ptr<Value[]> vars;

  ~Fiber();
  // Back to the state of a new fiber (no stack, no frame storage).
  void recycle();
};

struct HandleRecord {
  HandleState state = HandleState::Pending;
  bool marked = false;
  Value result;  // resolved value or error value
  std::vector<FiberId> waiters;
};

struct HostContext {
  ContextId parent = kNoContext;
  std::vector<std::pair<std::string, Value>> vars;
};

class RuntimeImpl {
 public:
  RuntimeImpl(Program program, RuntimeConfig config);
  ~RuntimeImpl();

  // --- set-up ---
  Status bindImports(const HostRegistry& hosts);
  void initSharedScope();
  void indexNames();

  // Functions and variable names by name (views into `program`), for the
  // host API and `spawn` by name.
  std::optional<uint32_t> functionNamed(std::string_view name) const;
  std::optional<uint32_t> variableNamed(std::string_view name) const;

  // --- fibers ---
  Result<FiberId> spawn(uint32_t function, std::span<const Value> args);
  bool cancel(FiberId id);
  Fiber* findFiber(FiberId id) const;
  void enqueue(Fiber* f);
  uint32_t tick();
  RunResult runSlice(Fiber& f, uint32_t budget);
  size_t gc(const std::function<void(const FiberView&)>& onEnded);
  void faultAll(ErrorTag tag, std::string_view message);
  FiberView view(const Fiber& f) const;
  void endFiber(Fiber& f, FiberState state);
  // Gives an ended fiber's stack and frame vector to the next spawns.
  void releaseBuffers(Fiber& f);

  // --- host calls (host_call.cpp) ---
  // Calls a host function with arguments viewed from the stack. Sync: `out`
  // is the result. Async: a pending handle is created and `out` is the handle
  // value. Returns false with an error value (with trace) in `out` when the
  // call failed. The fiber's state must be saved.
  bool callHost(Fiber& f, const HostFunction& h, const Value* args,
                uint32_t argc, uint32_t callSite, uint32_t pc, Value& out);
  // The same with the arguments taken from a map keyed 0, 1, 2, ...
  bool callHostWithMap(Fiber& f, const HostFunction& h, const Value& map,
                       uint32_t callSite, uint32_t pc, Value& out);

  // --- handles ---
  Result<HandleId> createHandle();
  Status settleHandle(HandleId id, HandleState state, const Value& v);
  HandleRecord* findHandle(HandleId id);

  // --- variables ---
  Value loadVarSlow(Fiber& f, uint32_t nameIndex);
  void storeVarSlow(Fiber& f, uint32_t nameIndex, const Value& v);
  std::optional<Value> contextLookup(std::string_view name) const;
  bool contextStore(std::string_view name, const Value& v);

  // --- errors ---
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

  // --- memory ---
  void collectGarbage();
  void markRoots();

  Program program;
  RuntimeConfig config;
  Heap heap;
  std::vector<HostFunction> imports;  // bound, by import index
  LinkedCode linked;                  // dense-opcode copy of each function
  std::unordered_map<std::string_view, uint32_t> functionIndex;
  std::unordered_map<std::string_view, uint32_t> variableIndex;
  Runtime* facade = nullptr;
  RuntimeObserver* observer = nullptr;

  // Scopes.
  std::vector<Value> shared;  // by variable-name index; Absent = undefined
  std::map<std::string, Value, std::less<>> sharedExtra;  // names not in program
  std::shared_ptr<VariableResolver> resolver;
  std::vector<HostContext> contexts;  // ContextId = index + 1
  ContextId parentContext = kNoContext;

  // Fibers and scheduling.
  FiberTable fibers;
  std::deque<FiberId> runQueue;
  std::vector<FiberId> ended;  // ended since the last gc()
  FiberId nextFiberId = 1;
  // Buffers of ended fibers, reused by spawn (bounded; small stacks only).
  std::vector<std::pair<Value*, uint32_t>> stackPool;
  std::vector<std::vector<Frame>> framePool;
  uint32_t liveFibers = 0;
  Fiber* running = nullptr;

  // Handles.
  std::unordered_map<HandleId, HandleRecord> handles;
  HandleId nextHandleId = 1;
  uint32_t pendingHandles = 0;
  uint64_t settledSinceGc = 0;

  // Pinned host values.
  std::vector<Value> pins;  // PinId = index + 1
  std::vector<PinId> freePins;

  // Clock.
  double timeMs = 0, dtMs = 0;
  uint64_t currentTick = 0;

  // Stats.
  uint64_t instructions = 0;
  uint64_t slices = 0;
  uint64_t handlesCreated = 0;

  // Permanent fallback values (for when the heap is exhausted).
  ConstantArena permanent;
  const ErrorObject* outOfMemoryError = nullptr;
};

}  // namespace brainvm

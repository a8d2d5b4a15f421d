// Runtime state management: set-up, fibers, scheduling, variables, errors.
// The dispatch loop is in interpreter.cpp, handles in handles.cpp and garbage
// collection in collector.cpp.
#include "runtime_impl.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <tuple>

#include "brainvm/verifier.h"

namespace brainvm {

Fiber::~Fiber() { std::free(stack); }

namespace {
// Stacks up to this many values are kept for reuse by later spawns.
constexpr uint32_t kKeptStackValues = 32;
// Buffers kept in each pool: enough for a batch of short fibers.
constexpr size_t kMaxPooledBuffers = 1024;
}  // namespace

void Fiber::recycle() {
  id = 0;
  function = 0;
  state = FiberState::Runnable;
  fired = isRule = queued = hasPendingThrow = false;
  awaiting = 0;
  // An ended fiber's buffers already went to the runtime's pools
  // (releaseBuffers); whatever is left is freed.
  std::free(stack);
  stack = nullptr;
  capacity = 0;
  sp = 0;
  frames = {};
  handlers.clear();
  pendingError = Value();
  result = Value();
  error = Value();
  vars.reset();
}

RuntimeImpl::RuntimeImpl(Program prog, RuntimeConfig cfg)
    : program(std::move(prog)),
      config(cfg),
      heap(cfg.maxHeapBytes, cfg.maxStringBytes) {
  outOfMemoryError = permanent.error(ErrorTag::ScriptError, "out of memory");
}

RuntimeImpl::~RuntimeImpl() {
  for (auto& [stack, capacity] : stackPool) std::free(stack);
}

Status RuntimeImpl::bindImports(const HostRegistry& hosts) {
  std::vector<Diagnostic> problems;
  for (const HostImport& imp : program.hostImports) {
    const HostFunction* fn = hosts.find(imp.name);
    if (!fn) {
      problems.push_back(
          makeDiagnostic("unknown host function '" + imp.name + "'"));
    } else if (fn->async != imp.async) {
      problems.push_back(makeDiagnostic(
          "host function '" + imp.name + "' is " +
          (fn->async ? "async" : "sync") + " but the program imports it as " +
          (imp.async ? "async" : "sync")));
    } else {
      imports.push_back(*fn);
    }
  }
  if (!problems.empty()) return Error(ErrorCode::LinkError, std::move(problems));
  return Ok{};
}

void RuntimeImpl::initSharedScope() {
  shared.assign(program.variableNames.size(), Value::absent());
  for (const SharedVar& v : program.sharedVars) shared[v.name] = v.initial;
}

void RuntimeImpl::indexNames() {
  // emplace keeps the first of equal names, as a linear search would.
  for (uint32_t i = 0; i < program.functions.size(); ++i)
    functionIndex.emplace(program.functions[i].name, i);
  for (uint32_t i = 0; i < program.variableNames.size(); ++i)
    variableIndex.emplace(program.variableNames[i], i);
}

std::optional<uint32_t> RuntimeImpl::functionNamed(std::string_view name) const {
  auto it = functionIndex.find(name);
  if (it == functionIndex.end()) return std::nullopt;
  return it->second;
}

std::optional<uint32_t> RuntimeImpl::variableNamed(std::string_view name) const {
  auto it = variableIndex.find(name);
  if (it == variableIndex.end()) return std::nullopt;
  return it->second;
}

// --- Fibers ---------------------------------------------------------------

bool RuntimeImpl::growStack(Fiber& f, uint64_t needed) {
  uint64_t cap = std::max<uint64_t>(f.capacity * 2, needed);
  cap = std::min<uint64_t>(cap, std::max<uint64_t>(needed, config.maxStackSize));
  void* p = std::realloc(f.stack, cap * sizeof(Value));
  if (!p) return false;
  f.stack = static_cast<Value*>(p);
  f.capacity = static_cast<uint32_t>(cap);
  return true;
}

Result<FiberId> RuntimeImpl::spawn(uint32_t function,
                                   std::span<const Value> args) {
  if (function >= program.functions.size())
    return Error(ErrorCode::InvalidArgument,
                 "no function with id " + std::to_string(function));
  const Function& fn = program.functions[function];
  if (args.size() != fn.numParams)
    return Error(ErrorCode::InvalidArgument,
                 "function '" + fn.name + "' takes " +
                     std::to_string(fn.numParams) + " argument(s), got " +
                     std::to_string(args.size()));
  if (liveFibers >= config.maxFibers)
    return Error(ErrorCode::LimitExceeded,
                 "fiber limit " + std::to_string(config.maxFibers) +
                     " reached");
  const uint64_t needed = uint64_t(fn.numLocals) + fn.maxStack;
  if (needed > config.maxStackSize)
    return Error(ErrorCode::LimitExceeded,
                 "function '" + fn.name + "' needs " + std::to_string(needed) +
                     " stack slots; the limit is " +
                     std::to_string(config.maxStackSize));
  // A new or recycled fiber has no buffers; take pooled ones if any.
  Fiber* f = fibers.create(nextFiberId);
  if (!stackPool.empty()) {
    std::tie(f->stack, f->capacity) = stackPool.back();
    stackPool.pop_back();
  }
  if (!framePool.empty()) {
    f->frames.swap(framePool.back());
    framePool.pop_back();
  }
  if (f->capacity < needed && !growStack(*f, std::max<uint64_t>(needed, 4))) {
    fibers.erase(f->id);
    return Error(ErrorCode::LimitExceeded, "out of memory");
  }
  ++nextFiberId;
  f->function = function;
  for (uint32_t i = 0; i < fn.numLocals; ++i)
    f->stack[i] = i < args.size() ? args[i] : Value();
  f->sp = fn.numLocals;
  if (f->frames.capacity() == 0) f->frames.reserve(4);
  f->frames.push_back(Frame{function, 0, 0});
  ++liveFibers;
  enqueue(f);
  if (observer) observer->onFiberSpawned(f->id, function);
  return f->id;
}

Fiber* RuntimeImpl::findFiber(FiberId id) const { return fibers.find(id); }

void RuntimeImpl::enqueue(Fiber* f) {
  if (f->queued || f->state != FiberState::Runnable) return;
  f->queued = true;
  runQueue.push_back(f->id);
}

void RuntimeImpl::endFiber(Fiber& f, FiberState state) {
  if (state == FiberState::Cancelled && f.error.isNil())
    f.error = makeErrorNoTrace(ErrorTag::Cancelled, "fiber cancelled");
  f.state = state;
  --liveFibers;
  ended.push_back(f.id);
  if (running != &f) {
    // Release the stack now: an ended fiber keeps only its result/error.
    releaseBuffers(f);
    f.handlers.clear();
    f.handlers.shrink_to_fit();
    f.vars.reset();
    f.pendingError = Value();
  }
}

void RuntimeImpl::releaseBuffers(Fiber& f) {
  if (f.stack != nullptr) {
    if (f.capacity <= kKeptStackValues && stackPool.size() < kMaxPooledBuffers)
      stackPool.emplace_back(f.stack, f.capacity);
    else
      std::free(f.stack);
  }
  f.stack = nullptr;
  f.capacity = 0;
  f.sp = 0;
  f.frames.clear();
  if (f.frames.capacity() != 0 && f.frames.capacity() <= 16 &&
      framePool.size() < kMaxPooledBuffers) {
    framePool.emplace_back();
    framePool.back().swap(f.frames);
  } else {
    f.frames.shrink_to_fit();
  }
}

bool RuntimeImpl::cancel(FiberId id) {
  Fiber* f = findFiber(id);
  if (!f || (f->state != FiberState::Runnable &&
             f->state != FiberState::Waiting))
    return false;
  if (f->state == FiberState::Waiting) {
    if (HandleRecord* h = findHandle(f->awaiting)) {
      auto& w = h->waiters;
      w.erase(std::remove(w.begin(), w.end(), f->id), w.end());
    }
    f->awaiting = 0;
  }
  if (observer) observer->onFiberCancelled(id);
  if (running == f) {
    // Finished by the interpreter when the host call returns.
    f->state = FiberState::Cancelled;
    return true;
  }
  endFiber(*f, FiberState::Cancelled);
  return true;
}

uint32_t RuntimeImpl::tick() {
  uint32_t executed = 0;
  while (!runQueue.empty() && executed < config.maxFibersPerTick) {
    uint32_t budget = config.defaultBudget;
    if (config.maxInstructions) {
      if (instructions >= config.maxInstructions) break;
      budget = static_cast<uint32_t>(
          std::min<uint64_t>(budget, config.maxInstructions - instructions));
    }
    const FiberId id = runQueue.front();
    runQueue.pop_front();
    Fiber* f = findFiber(id);
    if (!f) continue;
    f->queued = false;
    if (f->state != FiberState::Runnable) continue;
    RunResult r = runSlice(*f, budget);
    if (r.status == RunStatus::Yielded) enqueue(f);
    ++executed;
    if (observer) observer->onSlice(id, r);
  }
  if (settledSinceGc > 1024 || heap.wantsCollection()) collectGarbage();
  return executed;
}

FiberView RuntimeImpl::view(const Fiber& f) const {
  FiberView v;
  v.id = f.id;
  v.function = f.function;
  v.state = f.state;
  v.result = f.result;
  v.error = f.error;
  v.fired = f.fired;
  v.isRule = f.isRule;
  return v;
}

size_t RuntimeImpl::gc(const std::function<void(const FiberView&)>& onEnded) {
  size_t removed = 0;
  std::vector<FiberId> done;
  done.swap(ended);
  for (FiberId id : done) {
    Fiber* f = fibers.find(id);
    if (f == nullptr) continue;
    if (onEnded) onEnded(view(*f));
    fibers.erase(id);
    ++removed;
  }
  // Keep the buffer (fibers ended by the callback are already in `ended`).
  done.clear();
  if (ended.empty()) ended.swap(done);
  return removed;
}

void RuntimeImpl::faultAll(ErrorTag tag, std::string_view message) {
  std::vector<FiberId> live;
  fibers.forEach([&](const Fiber& f) {
    if (f.state == FiberState::Runnable || f.state == FiberState::Waiting)
      live.push_back(f.id);
  });
  std::sort(live.begin(), live.end());
  for (FiberId id : live) {
    Fiber& f = *findFiber(id);
    if (f.state == FiberState::Waiting) {
      if (HandleRecord* h = findHandle(f.awaiting)) {
        auto& w = h->waiters;
        w.erase(std::remove(w.begin(), w.end(), f.id), w.end());
      }
      f.awaiting = 0;
    }
    // A fiber in an await (waiting, or holding a rejection not yet
    // delivered) has its pc one past the await: trace the await.
    uint32_t pc = f.frames.empty() ? 0 : f.frames.back().pc;
    if ((f.state == FiberState::Waiting || f.hasPendingThrow) && pc > 0) --pc;
    f.error = makeError(f, pc, tag, std::string(message));
    endFiber(f, FiberState::Fault);
  }
}

// --- Errors -----------------------------------------------------------------

std::vector<TraceFrame> RuntimeImpl::traceOf(const Fiber& f,
                                             uint32_t pc) const {
  std::vector<TraceFrame> trace;
  trace.reserve(f.frames.size());
  for (size_t i = f.frames.size(); i-- > 0;) {
    const Frame& fr = f.frames[i];
    // Outer frames hold their return address; report the call itself.
    uint32_t at = (i + 1 == f.frames.size()) ? pc : (fr.pc ? fr.pc - 1 : 0);
    trace.push_back(TraceFrame{fr.function, at, program.lineOf(fr.function, at)});
  }
  return trace;
}

// Error messages are cut to the string length limit: a long message must not
// turn the error into "out of memory" (losing its tag) when the limit is small.
Value RuntimeImpl::makeError(Fiber& f, uint32_t pc, ErrorTag tag,
                             std::string message) {
  StringObject* msg = heap.newString(
      std::string_view(message).substr(0, heap.maxStringBytes()));
  ErrorObject* err = msg ? heap.newError(tag, msg, traceOf(f, pc)) : nullptr;
  if (!err) return Value::object(const_cast<ErrorObject*>(outOfMemoryError));
  return Value::object(err);
}

Value RuntimeImpl::withTrace(Fiber& f, uint32_t pc, const Value& error) {
  const ErrorObject* e = error.asError();
  if (e->hasTrace()) return error;
  ErrorObject* traced = heap.newError(e->tag(), e->message(), traceOf(f, pc));
  return traced ? Value::object(traced) : error;
}

Value RuntimeImpl::makeErrorNoTrace(ErrorTag tag, std::string_view message) {
  StringObject* msg = heap.newString(message.substr(0, heap.maxStringBytes()));
  ErrorObject* err = msg ? heap.newError(tag, msg) : nullptr;
  if (!err) return Value::object(const_cast<ErrorObject*>(outOfMemoryError));
  return Value::object(err);
}

// --- Variables ----------------------------------------------------------------

std::optional<Value> RuntimeImpl::contextLookup(std::string_view name) const {
  for (ContextId c = parentContext; c != kNoContext;
       c = contexts[c - 1].parent) {
    for (const auto& [n, v] : contexts[c - 1].vars)
      if (n == name) return v;
  }
  return std::nullopt;
}

bool RuntimeImpl::contextStore(std::string_view name, const Value& v) {
  for (ContextId c = parentContext; c != kNoContext;
       c = contexts[c - 1].parent) {
    for (auto& [n, val] : contexts[c - 1].vars)
      if (n == name) {
        val = v;
        return true;
      }
  }
  return false;
}

Value RuntimeImpl::loadVarSlow(Fiber& f, uint32_t nameIndex) {
  const std::string& name = program.variableNames[nameIndex];
  if (resolver) {
    if (std::optional<Value> v = resolver->load(name, f.id)) return *v;
  }
  if (f.vars && !f.vars[nameIndex].isAbsent()) return f.vars[nameIndex];
  if (!shared[nameIndex].isAbsent()) return shared[nameIndex];
  if (std::optional<Value> v = contextLookup(name)) return *v;
  return Value();
}

void RuntimeImpl::storeVarSlow(Fiber& f, uint32_t nameIndex, const Value& v) {
  const std::string& name = program.variableNames[nameIndex];
  if (resolver && resolver->store(name, v, f.id)) return;
  if (f.vars && !f.vars[nameIndex].isAbsent()) {
    f.vars[nameIndex] = v;
    return;
  }
  if (!shared[nameIndex].isAbsent()) {
    shared[nameIndex] = v;
    return;
  }
  if (contextStore(name, v)) return;
  if (!f.vars) {
    const size_t n = program.variableNames.size();
    f.vars = std::make_unique<Value[]>(n);
    for (size_t i = 0; i < n; ++i) f.vars[i] = Value::absent();
  }
  f.vars[nameIndex] = v;
}

}  // namespace brainvm

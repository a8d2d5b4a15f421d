// Fibers: spawning, stacks and their reuse, ending and cancelling.
#include <algorithm>
#include <cstdlib>
#include <tuple>

#include "fiber_cache.h"
#include "runtime_impl.h"

namespace brainvm {

Fiber::~Fiber() { freeStack(); }

void Fiber::freeStack() {
  if (!stackInline()) std::free(stack);
  stack = nullptr;
  capacity = 0;
}

namespace {
// Stacks up to this many values are kept for reuse by later spawns.
constexpr uint32_t kKeptStackValues = 32;
}  // namespace

void Fiber::reset() {
  id = 0;
  function = 0;
  state = FiberState::Runnable;
  fired = isRule = queued = hasPendingThrow = false;
  ruleHint = kNoRuleHint;
  awaiting = 0;
  sp = 0;
  frames.clear();
  handlers.clear();
  pendingError = Value();
  result = Value();
  error = Value();
  vars.reset();
}

void Fiber::recycle() {
  reset();
  // An ended fiber's buffers already went to the fiber cache
  // (releaseBuffers); whatever is left is freed.
  freeStack();
  frames.freeHeap();
}

bool RuntimeImpl::growStack(Fiber& f, uint64_t needed) {
  uint64_t cap = std::max<uint64_t>(f.capacity * 2, needed);
  cap = std::min<uint64_t>(cap, std::max<uint64_t>(needed, config.maxStackSize));
  if (f.stack == nullptr && cap <= Fiber::kInlineValues) {
    f.stack = f.inlineStack;
  } else if (f.stackInline()) {
    // Off the inline buffer: a heap stack with the inline values.
    auto* p = static_cast<Value*>(std::malloc(cap * sizeof(Value)));
    if (!p) return false;
    std::copy(f.inlineStack, f.inlineStack + f.capacity, p);
    f.stack = p;
  } else {
    void* p = std::realloc(f.stack, cap * sizeof(Value));
    if (!p) return false;
    f.stack = static_cast<Value*>(p);
  }
  f.capacity = static_cast<uint32_t>(cap);
  return true;
}

Result<FiberId> RuntimeImpl::spawn(uint32_t function,
                                   std::span<const Value> args, bool rule,
                                   uint16_t ruleHint) {
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
  Fiber* f = rule ? fiber_cache::takeRun() : nullptr;
  if (f != nullptr) {
    // A previous rule run (of this runtime or another on this thread)
    // restarts with its stack and frame vector.
    fibers.adopt(f, nextFiberId);
  } else {
    // A new or recycled fiber has no stack and inline frames; a stack
    // larger than the inline one comes from the pool if it has one.
    f = fibers.create(nextFiberId);
    if (needed > Fiber::kInlineValues)
      std::tie(f->stack, f->capacity) = fiber_cache::takeStack();
    if (auto [frames, capacity] = fiber_cache::takeFrames(); frames != nullptr)
      f->frames.adoptHeap(frames, capacity);
  }
  if (f->capacity < needed && !growStack(*f, std::max<uint64_t>(needed, 4))) {
    fibers.erase(f->id);
    return Error(ErrorCode::LimitExceeded, "out of memory");
  }
  ++nextFiberId;
  f->function = function;
  f->isRule = rule;
  f->ruleHint = ruleHint;
  for (uint32_t i = 0; i < fn.numLocals; ++i)
    f->stack[i] = i < args.size() ? args[i] : Value();
  f->sp = fn.numLocals;
  f->frames.push_back(Frame{function, 0, 0});
  ++liveFibers;
  if (instrumentation.coverage) ++instrumentation.coverage->entered_[function];
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
    // Release the stack now: an ended fiber keeps only its result/error. A
    // rule run that ended done keeps its (empty) buffers for the rule's
    // next run (retire).
    if (f.isRule && state == FiberState::Done) {
      f.sp = 0;
      f.frames.clear();
    } else {
      releaseBuffers(f);
    }
    f.handlers.clear();
    f.handlers.shrink_to_fit();
    f.vars.reset();
    f.pendingError = Value();
  }
}

void RuntimeImpl::retire(Fiber& f) {
  if (f.stack != nullptr && f.isRule && f.state == FiberState::Done &&
      f.capacity <= kKeptStackValues && f.frames.capacity() <= 16) {
    fibers.detach(f.id);
    f.reset();
    if (!fiber_cache::keepRun(&f)) delete &f;
    return;
  }
  if (f.stack != nullptr) releaseBuffers(f);
  fibers.erase(f.id);
}

void RuntimeImpl::releaseBuffers(Fiber& f) {
  if (f.stack != nullptr && !f.stackInline() &&
      f.capacity <= kKeptStackValues) {
    fiber_cache::keepStack(f.stack, f.capacity);
    f.stack = nullptr;
    f.capacity = 0;
  } else {
    f.freeStack();
  }
  f.sp = 0;
  if (f.frames.onHeap() && f.frames.capacity() <= 16) {
    auto [frames, capacity] = f.frames.releaseHeap();
    fiber_cache::keepFrames(frames, capacity);
  } else {
    f.frames.freeHeap();
  }
  f.frames.clear();  // inline frames are left as they were by the above
}

bool RuntimeImpl::cancel(FiberId id) {
  Fiber* f = findFiber(id);
  if (!f || (f->state != FiberState::Runnable &&
             f->state != FiberState::Waiting))
    return false;
  if (f->state == FiberState::Waiting) {
    if (HandleRecord* h = findHandle(f->awaiting)) h->waiters.remove(f->id);
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

}  // namespace brainvm

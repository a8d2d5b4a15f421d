// The scheduler: one tick of slices from the run queue, collecting ended
// fibers, and ending every live fiber at once (the instruction cap).
#include <algorithm>

#include "runtime_impl.h"

namespace brainvm {

uint32_t RuntimeImpl::tick() {
  uint32_t executed = 0;
  while (!runQueue.empty() && executed < config.maxFibersPerTick &&
         !abortRequested) {
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
  v.awaiting = f.awaiting;
  return v;
}

size_t RuntimeImpl::collectEndedFibers(
    const std::function<void(const FiberView&)>& onEnded) {
  return collectEnded([&](const Fiber& f) {
    if (onEnded) onEnded(view(f));
  });
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
      if (HandleRecord* h = findHandle(f.awaiting)) h->waiters.remove(f.id);
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

}  // namespace brainvm

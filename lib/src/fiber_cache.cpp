#include "fiber_cache.h"

#include <cstdlib>
#include <vector>

namespace brainvm::fiber_cache {

constinit thread_local RunStack runs{};

namespace {

// Bounded so that a burst of fibers does not keep its memory after it ends.
constexpr size_t kMaxBare = 1024;   // a batch of short fibers of one tick
constexpr size_t kMaxBuffers = 1024;  // of each kind

struct Cache {
  std::vector<Fiber*> bare;
  std::vector<std::pair<Value*, uint32_t>> stacks;
  std::vector<std::pair<Frame*, uint32_t>> frames;
  ~Cache();
};

// `runs` (fiber_cache.h) is trivially destructible, so its `gone` is still
// readable after `cache` is destroyed: a runtime destroyed later in the
// thread's exit (a static one, say) then frees its fibers and buffers
// instead of handing them to a destroyed cache.
thread_local Cache cache;

Cache::~Cache() {
  runs.gone = true;
  runs.armed = false;  // keepRun asks armRuns again, which refuses
  while (runs.size > 0) delete runs.items[--runs.size];
  for (Fiber* f : bare) delete f;
  for (auto& [stack, capacity] : stacks) std::free(stack);
  for (auto& [buffer, capacity] : frames) std::free(buffer);
}

template <class T>
using BufferPool = std::vector<std::pair<T*, uint32_t>> Cache::*;

template <class T>
std::pair<T*, uint32_t> take(BufferPool<T> member) {
  if (runs.gone || (cache.*member).empty()) return {nullptr, 0};
  auto buffer = (cache.*member).back();
  (cache.*member).pop_back();
  return buffer;
}

template <class T>
void keep(BufferPool<T> member, T* buffer, uint32_t capacity) {
  if (runs.gone || (cache.*member).size() >= kMaxBuffers)
    return std::free(buffer);
  (cache.*member).emplace_back(buffer, capacity);
}

}  // namespace

bool armRuns() {
  if (runs.gone) return false;
  (void)cache.bare.size();  // constructs the cache: its destructor frees runs
  runs.armed = true;
  return true;
}

Fiber* takeBare() {
  if (runs.gone || cache.bare.empty()) return nullptr;
  Fiber* f = cache.bare.back();
  cache.bare.pop_back();
  return f;
}

void keepBare(Fiber* f) {
  if (runs.gone || cache.bare.size() >= kMaxBare) {
    delete f;
    return;
  }
  f->recycle();
  cache.bare.push_back(f);
}

std::pair<Value*, uint32_t> takeStack() { return take(&Cache::stacks); }
void keepStack(Value* stack, uint32_t capacity) {
  keep(&Cache::stacks, stack, capacity);
}
std::pair<Frame*, uint32_t> takeFrames() { return take(&Cache::frames); }
void keepFrames(Frame* frames, uint32_t capacity) {
  keep(&Cache::frames, frames, capacity);
}

}  // namespace brainvm::fiber_cache

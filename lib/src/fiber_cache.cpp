#include "fiber_cache.h"

#include <cstdlib>
#include <vector>

namespace brainvm::fiber_cache {

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

// Trivially destructible, so still readable after `cache` below is gone: a
// runtime destroyed later in the thread's exit (a static one, say) then
// frees its fibers instead of handing them to a destroyed cache.
thread_local bool cacheGone = false;
thread_local Cache cache;

Cache::~Cache() {
  cacheGone = true;
  runs.gone = true;
  runs.armed = false;  // keepRun asks armRuns again, which refuses
  while (runs.size > 0) delete runs.items[--runs.size];
  for (Fiber* f : bare) delete f;
  for (auto& [stack, capacity] : stacks) std::free(stack);
  for (auto& [buffer, capacity] : frames) std::free(buffer);
}

template <class T>
std::pair<T*, uint32_t> take(std::vector<std::pair<T*, uint32_t>>& pool) {
  if (pool.empty()) return {nullptr, 0};
  auto buffer = pool.back();
  pool.pop_back();
  return buffer;
}

template <class T>
void keep(std::vector<std::pair<T*, uint32_t>>& pool, T* buffer,
          uint32_t capacity) {
  if (pool.size() >= kMaxBuffers) {
    std::free(buffer);
    return;
  }
  pool.emplace_back(buffer, capacity);
}

}  // namespace

constinit thread_local RunStack runs{};

bool armRuns() {
  if (runs.gone || cacheGone) return false;
  (void)cache.bare.size();  // constructs the cache: its destructor frees runs
  runs.armed = true;
  return true;
}

Fiber* takeBare() {
  if (cacheGone || cache.bare.empty()) return nullptr;
  Fiber* f = cache.bare.back();
  cache.bare.pop_back();
  return f;
}

void keepBare(Fiber* f) {
  if (cacheGone || cache.bare.size() >= kMaxBare) {
    delete f;
    return;
  }
  f->recycle();
  cache.bare.push_back(f);
}

std::pair<Value*, uint32_t> takeStack() {
  if (cacheGone) return {nullptr, 0};
  return take(cache.stacks);
}

void keepStack(Value* stack, uint32_t capacity) {
  if (cacheGone) return std::free(stack);
  keep(cache.stacks, stack, capacity);
}

std::pair<Frame*, uint32_t> takeFrames() {
  if (cacheGone) return {nullptr, 0};
  return take(cache.frames);
}

void keepFrames(Frame* frames, uint32_t capacity) {
  if (cacheGone) return std::free(frames);
  keep(cache.frames, frames, capacity);
}

}  // namespace brainvm::fiber_cache

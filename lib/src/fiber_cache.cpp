#include "fiber_cache.h"

#include <cstdlib>
#include <vector>

namespace brainvm::fiber_cache {

namespace {

// Bounded so that a burst of fibers does not keep its memory after it ends.
constexpr size_t kMaxRuns = 64;     // a few brains' worth of rules
constexpr size_t kMaxBare = 1024;   // a batch of short fibers of one tick
constexpr size_t kMaxBuffers = 1024;  // of each kind

struct Cache {
  std::vector<Fiber*> runs;
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
  for (Fiber* f : runs) delete f;
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

Fiber* takeRun() {
  if (cacheGone || cache.runs.empty()) return nullptr;
  Fiber* f = cache.runs.back();
  cache.runs.pop_back();
  return f;
}

bool keepRun(Fiber* f) {
  if (cacheGone || cache.runs.size() >= kMaxRuns) return false;
  cache.runs.push_back(f);
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

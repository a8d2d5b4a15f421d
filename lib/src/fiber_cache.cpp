#include "fiber_cache.h"

#include <vector>

namespace brainvm::fiber_cache {

namespace {

// Bounded so that a burst of fibers does not keep its memory after it ends.
constexpr size_t kMaxRuns = 64;     // a few brains' worth of rules
constexpr size_t kMaxBare = 1024;   // a batch of short fibers of one tick

struct Cache {
  std::vector<Fiber*> runs;
  std::vector<Fiber*> bare;
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

}  // namespace brainvm::fiber_cache

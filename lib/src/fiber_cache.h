// Fiber objects and fiber buffers kept for reuse by the next spawns on this
// thread, whichever runtime spawns them. A game visits thousands of
// runtimes in turn, each spawning and collecting a few short fibers per
// tick: one cache per thread lets them all share the same few (warm) fibers
// instead of each runtime keeping its own idle ones between ticks.
#pragma once

#include "fiber.h"

namespace brainvm::fiber_cache {

// Rule runs that ended done, kept with their (emptied) stack and frame
// buffers for the next rule spawns: taken and kept once per rule run, so
// reached inline (a constant-initialized thread_local needs no guard).
struct RunStack {
  static constexpr uint32_t kMax = 64;  // a few brains' worth of rules
  Fiber* items[kMax];
  uint32_t size;
  bool armed;  // the thread's cache frees what is left when the thread ends
  bool gone;   // the thread is ending: keep nothing more
};
extern constinit thread_local RunStack runs;
// Arms the thread's cache (on the first keep); false if the thread is ending.
bool armRuns();

// A spare rule run, or nullptr when there is none.
inline Fiber* takeRun() {
  return runs.size == 0 ? nullptr : runs.items[--runs.size];
}
// Keeps a reset rule run; false when the cache is full (the caller frees it).
inline bool keepRun(Fiber* f) {
  if (runs.size == RunStack::kMax || (!runs.armed && !armRuns())) return false;
  runs.items[runs.size++] = f;
  return true;
}

// A reset fiber without stack or frame buffers (nullptr when none).
Fiber* takeBare();
// Recycles a fiber (see Fiber::recycle) and keeps it, or frees it when the
// cache is full or this thread is ending.
void keepBare(Fiber* f);

// The heap stack and frame buffers of ended fibers (std::malloc'd), for the
// next spawns: {nullptr, 0} when there is none. keep* takes the buffer, or
// frees it when the cache is full.
std::pair<Value*, uint32_t> takeStack();
void keepStack(Value* stack, uint32_t capacity);
std::pair<Frame*, uint32_t> takeFrames();
void keepFrames(Frame* frames, uint32_t capacity);

}  // namespace brainvm::fiber_cache

// Fiber objects and fiber buffers kept for reuse by the next spawns on this
// thread, whichever runtime spawns them. A game visits thousands of runtimes in turn, each
// spawning and collecting a few short fibers per tick: one cache per thread
// lets them all share the same few (warm) fibers instead of each runtime
// keeping its own idle ones between ticks.
#pragma once

#include "fiber.h"

namespace brainvm::fiber_cache {

// A rule run that ended done, kept with its (emptied) stack and frame
// buffers for the next rule spawn; nullptr when there is none.
Fiber* takeRun();
// Keeps a reset rule run; false when the cache is full (the caller frees it).
bool keepRun(Fiber* f);

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

// A fiber: one thread of execution of a program, with its own operand stack
// (locals included), call frames, try handlers and variable context.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "brainvm/runtime.h"
#include "brainvm/value.h"

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
  // Back to the state of a new fiber but for its stack and frame vector,
  // kept (emptied) for a restart (RuntimeImpl::retire, spawn).
  void reset();
  // Back to the state of a new fiber: frees what the runtime's buffer pools
  // did not take (RuntimeImpl::releaseBuffers).
  void recycle();
};

}  // namespace brainvm

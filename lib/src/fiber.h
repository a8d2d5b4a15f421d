// A fiber: one thread of execution of a program, with its own operand stack
// (locals included), call frames, try handlers and variable context.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <utility>
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

// A fiber's call frames: the first kInline in the vector itself (a rule or
// a short fiber calls nothing, or little), deeper ones in a heap buffer.
// Never moved or copied: data_ may point at inline_.
class FrameVector {
 public:
  static constexpr uint32_t kInline = 2;

  FrameVector() = default;
  FrameVector(const FrameVector&) = delete;
  FrameVector& operator=(const FrameVector&) = delete;
  ~FrameVector() { freeHeap(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  uint32_t capacity() const { return capacity_; }
  bool onHeap() const { return data_ != inline_; }
  Frame& operator[](size_t i) { return data_[i]; }
  const Frame& operator[](size_t i) const { return data_[i]; }
  Frame& back() { return data_[size_ - 1]; }
  const Frame& back() const { return data_[size_ - 1]; }
  Frame* begin() { return data_; }
  Frame* end() { return data_ + size_; }
  const Frame* begin() const { return data_; }
  const Frame* end() const { return data_ + size_; }

  void push_back(const Frame& f) {
    if (size_ == capacity_) grow();
    data_[size_++] = f;
  }
  void pop_back() { --size_; }
  void resize(size_t n) { size_ = static_cast<uint32_t>(n); }  // shrinks only
  void clear() { size_ = 0; }
  // Hands the heap buffer (if any) to the caller and goes back to the inline
  // frames; the caller frees it (std::free). Empties the vector.
  std::pair<Frame*, uint32_t> releaseHeap() {
    std::pair<Frame*, uint32_t> out{nullptr, 0};
    if (onHeap()) out = {data_, capacity_};
    data_ = inline_;
    capacity_ = kInline;
    size_ = 0;
    return out;
  }
  // Takes a buffer from releaseHeap (the vector must be empty and inline).
  void adoptHeap(Frame* buffer, uint32_t capacity) {
    data_ = buffer;
    capacity_ = capacity;
  }
  // Frees the heap buffer, if any (shrink_to_fit of an empty vector).
  void freeHeap() {
    if (onHeap()) std::free(releaseHeap().first);
  }

 private:
  void grow() {
    const uint32_t cap = capacity_ * 2;
    auto* p = static_cast<Frame*>(std::malloc(sizeof(Frame) * cap));
    if (p == nullptr) throw std::bad_alloc();
    for (uint32_t i = 0; i < size_; ++i) p[i] = data_[i];
    if (onHeap()) std::free(data_);
    data_ = p;
    capacity_ = cap;
  }

  Frame* data_ = inline_;
  uint32_t size_ = 0;
  uint32_t capacity_ = kInline;
  Frame inline_[kInline];
};

struct Fiber {
  // Values a stack of this size or less keeps inside the fiber (growStack):
  // a short rule run then needs no stack allocation.
  static constexpr uint32_t kInlineValues = 4;

  Fiber() = default;
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  FiberId id = 0;
  uint32_t function = 0;
  FiberState state = FiberState::Runnable;
  bool fired = false;
  bool isRule = false;
  bool queued = false;
  bool hasPendingThrow = false;
  // A rule run's index among its Runner's rules (set by the Runner at spawn;
  // kNoRuleHint when unknown, e.g. restored): saves a scan when it ends.
  static constexpr uint16_t kNoRuleHint = 0xFFFF;
  uint16_t ruleHint = kNoRuleHint;
  HandleId awaiting = 0;
  uint32_t sp = 0;  // stack height
  uint32_t capacity = 0;
  Value* stack = nullptr;  // nullptr, inlineStack or a heap buffer
  FrameVector frames;
  std::vector<Handler> handlers;
  Value pendingError;  // injected throw after a failed await
  Value result;
  Value error;
  // The fiber's own variable context, indexed by variable-name index;
  // allocated on the first store that lands here.
  std::unique_ptr<Value[]> vars;
  Value inlineStack[kInlineValues];

  bool stackInline() const { return stack == inlineStack; }
  // Frees a heap stack; an inline one needs nothing. Leaves no stack.
  void freeStack();

  ~Fiber();
  // Back to the state of a new fiber but for its stack and frame vector,
  // kept (emptied) for a restart (RuntimeImpl::retire, spawn).
  void reset();
  // Back to the state of a new fiber: frees what the fiber cache
  // did not take (RuntimeImpl::releaseBuffers).
  void recycle();
};

}  // namespace brainvm

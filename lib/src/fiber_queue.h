// The run queue: fiber ids in FIFO order, in a ring buffer that keeps its
// storage (a runtime empties and refills it every tick; std::deque would
// free and reallocate its blocks, and starts with a 512-byte block, a lot
// for the thousands of runtimes of a game's entities).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "brainvm/runtime.h"

namespace brainvm {

class FiberQueue {
 public:
  bool empty() const { return count_ == 0; }
  size_t size() const { return count_; }
  FiberId front() const { return ring_[head_]; }
  void pop_front() {
    head_ = (head_ + 1) & (ring_.size() - 1);
    --count_;
  }
  void push_back(FiberId id) {
    if (count_ == ring_.size()) grow();
    ring_[(head_ + count_) & (ring_.size() - 1)] = id;
    ++count_;
  }
  // In queue order.
  template <class Fn>
  void forEach(Fn&& fn) const {
    for (size_t i = 0; i < count_; ++i)
      fn(ring_[(head_ + i) & (ring_.size() - 1)]);
  }

 private:
  void grow() {
    std::vector<FiberId> bigger(ring_.empty() ? 4 : ring_.size() * 2);
    for (size_t i = 0; i < count_; ++i)
      bigger[i] = ring_[(head_ + i) & (ring_.size() - 1)];
    ring_.swap(bigger);
    head_ = 0;
  }
  std::vector<FiberId> ring_;  // power-of-two size
  size_t head_ = 0;
  size_t count_ = 0;
};

}  // namespace brainvm

// The runtime's fibers by id: an open-addressing hash table of Fiber
// pointers. Erased Fiber objects go to the thread's fiber cache for the next
// spawns (their stacks and frame vectors are pooled there too, see
// RuntimeImpl::releaseBuffers). Spawning and collecting many short fibers (a
// brain's rules, every tick) then allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "brainvm/runtime.h"
#include "fiber.h"

namespace brainvm {

class FiberTable {
 public:
  FiberTable() = default;
  FiberTable(const FiberTable&) = delete;
  FiberTable& operator=(const FiberTable&) = delete;
  ~FiberTable();

  Fiber* find(FiberId id) const {
    if (count_ == 0) return nullptr;
    for (size_t i = home(id);; i = (i + 1) & mask()) {
      Fiber* f = slots_[i];
      if (f == nullptr) return nullptr;
      if (f->id == id) return f;
    }
  }
  // A reset fiber (recycled when possible) with this id, in the table.
  Fiber* create(FiberId id);
  // Removes the fiber and hands its object to the fiber cache.
  void erase(FiberId id);
  // Removes the fiber and hands its object to the caller (nullptr if none).
  Fiber* detach(FiberId id);
  // Puts a detached fiber back in the table under a new id.
  void adopt(Fiber* f, FiberId id);
  size_t size() const { return count_; }

  template <class Fn>
  void forEach(Fn&& fn) const {
    for (Fiber* f : slots_)
      if (f != nullptr) fn(*f);
  }

 private:
  size_t mask() const { return slots_.size() - 1; }
  size_t home(FiberId id) const {
    return static_cast<size_t>((uint64_t(id) * 0x9E3779B97F4A7C15ull) >> 32) &
           mask();
  }
  void insert(Fiber* f);
  void rehash(size_t capacity);

  std::vector<Fiber*> slots_;  // power-of-two size; nullptr = empty
  size_t count_ = 0;
};

}  // namespace brainvm

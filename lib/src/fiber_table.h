// The runtime's fibers by id: an open-addressing index (id_index.h) of
// Fiber pointers. Erased Fiber objects go to the thread's fiber cache for the next
// spawns (their stacks and frame vectors are pooled there too, see
// RuntimeImpl::releaseBuffers). Spawning and collecting many short fibers (a
// brain's rules, every tick) then allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "brainvm/runtime.h"
#include "fiber.h"
#include "id_index.h"

namespace brainvm {

class FiberTable {
 public:
  FiberTable() = default;
  FiberTable(const FiberTable&) = delete;
  FiberTable& operator=(const FiberTable&) = delete;
  ~FiberTable();

  Fiber* find(FiberId id) const {
    if (count_ == 0) return nullptr;
    return index_.find(id, idOf);
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
    for (Fiber* f : index_.slots())
      if (f != nullptr) fn(*f);
  }

 private:
  static constexpr auto idOf = [](const Fiber* f) { return f->id; };
  void rehash(size_t capacity);

  IdIndex<Fiber*, nullptr> index_;
  size_t count_ = 0;
};

}  // namespace brainvm

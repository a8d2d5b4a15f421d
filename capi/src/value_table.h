// The handles behind bvm_value: a per-runtime table of values. A handle is
// (generation << 32) | (slot + 1), so 0 is never a slot (it is BVM_NIL) and
// a released handle is recognised when its slot is reused. Heap objects and
// async handles are pinned in the runtime while a handle holds them; the
// collector does not know this table, pins are its roots.
#pragma once

#include <cstdint>
#include <vector>

#include "brainvm/runtime.h"
#include "brainvm/value.h"

namespace bvm {

class ValueTable {
 public:
  // A new handle to v. Inside a callback scope it is local: released when
  // the scope ends.
  uint64_t add(brainvm::Runtime& rt, const brainvm::Value& v);
  // A handle that no scope releases.
  uint64_t addLasting(brainvm::Runtime& rt, const brainvm::Value& v);
  // The value, or nullptr for a handle that is not live (BVM_NIL included:
  // callers treat 0 as nil before asking).
  const brainvm::Value* find(uint64_t handle) const;
  // Releases a live handle; anything else is ignored.
  void release(brainvm::Runtime& rt, uint64_t handle);
  // Releases every handle (the runtime is going away: no unpinning).
  void clear();

  size_t live() const { return live_; }

  // Calls f with every value of the table unpinned in the runtime, as if
  // its handle were released, then pins them again under the same pin ids
  // (the runtime's pin table ends as it was): a state saved inside holds
  // nothing for the handles.
  template <class F>
  auto whileUnpinned(brainvm::Runtime& rt, F&& f) {
    Repin repin{this, &rt, {}};
    repin.slots.reserve(live_);
    for (uint32_t i = 0; i < slots_.size(); ++i)
      if (slots_[i].used && slots_[i].pin) {
        repin.slots.push_back(i);  // first: pinned again even if unpin throws
        rt.unpin(slots_[i].pin);
      }
    return f();
  }

  // Local scopes (see CallbackScope).
  size_t openScope() {
    ++depth_;
    return locals_.size();
  }
  void closeScope(brainvm::Runtime& rt, size_t mark);

 private:
  struct Slot {
    brainvm::Value value;
    brainvm::PinId pin = 0;
    uint32_t generation = 1;
    bool used = false;
  };
  // Pins the listed slots' values again, last unpinned first, so that each
  // gets its pin id back from the runtime's free list.
  struct Repin {
    ValueTable* table;
    brainvm::Runtime* rt;
    std::vector<uint32_t> slots;
    ~Repin();
  };
  uint64_t insert(brainvm::Runtime& rt, const brainvm::Value& v);
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_;
  std::vector<uint64_t> locals_;  // handles made in open scopes
  size_t depth_ = 0;
  size_t live_ = 0;
};

}  // namespace bvm

// An open-addressing index keyed by ids that a table never reuses (fiber
// ids, handle ids): linear probing from a Fibonacci hash of the id, and
// backward-shift deletion (no tombstones). It stores Slot values (a fiber
// pointer, a record's position) and learns a slot's id through the `idOf`
// each call is given; kEmpty marks a free slot. The tables built on it
// (fiber_table.h, handle_table.h) decide when to grow or shrink it, and
// look up or erase only once it has slots (they know when they are empty).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace brainvm {

template <class Slot, Slot kEmpty>
class IdIndex {
 public:
  size_t capacity() const { return slots_.size(); }
  std::span<const Slot> slots() const { return slots_; }

  // The slot holding `id`, or kEmpty.
  template <class IdOf>
  Slot find(uint32_t id, IdOf idOf) const {
    for (size_t i = home(id);; i = next(i)) {
      const Slot s = slots_[i];
      if (s == kEmpty || idOf(s) == id) return s;
    }
  }
  // Adds a slot whose id is not in the index; there must be room.
  template <class IdOf>
  void insert(Slot s, IdOf idOf) {
    size_t i = home(idOf(s));
    while (slots_[i] != kEmpty) i = next(i);
    slots_[i] = s;
  }
  // Makes the present `id` map to `s` (a record that moved).
  template <class IdOf>
  void replace(uint32_t id, Slot s, IdOf idOf) {
    size_t i = home(id);
    while (idOf(slots_[i]) != id) i = next(i);
    slots_[i] = s;
  }
  // Removes `id`; returns its slot, or kEmpty if it was not there.
  template <class IdOf>
  Slot erase(uint32_t id, IdOf idOf) {
    size_t i = home(id);
    while (slots_[i] != kEmpty && idOf(slots_[i]) != id) i = next(i);
    const Slot removed = slots_[i];
    if (removed == kEmpty) return kEmpty;
    // Later members of the probe run move into the hole when it lies
    // between their home and where they are.
    size_t hole = i;
    for (size_t j = next(i); slots_[j] != kEmpty; j = next(j)) {
      const size_t h = home(idOf(slots_[j]));
      if (((j - h) & mask()) >= ((j - hole) & mask())) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole] = kEmpty;
    return removed;
  }
  // Empties the index at `capacity` (a power of two) slots and hands back
  // the old ones, for the caller to insert again what it keeps.
  std::vector<Slot> reset(size_t capacity) {
    std::vector<Slot> old(capacity, kEmpty);
    old.swap(slots_);
    return old;
  }

 private:
  size_t mask() const { return slots_.size() - 1; }
  size_t next(size_t i) const { return (i + 1) & mask(); }
  size_t home(uint32_t id) const {
    return static_cast<size_t>((uint64_t(id) * 0x9E3779B97F4A7C15ull) >> 32) &
           mask();
  }

  std::vector<Slot> slots_;  // power-of-two size
};

}  // namespace brainvm

// Duplicate-name detection for the image reader.
//
// The names themselves stay where the reader keeps them (function names in
// Program::functions, local names in Function::localNames, ...); the set only
// holds an index and a hash tag per name in one flat, open-addressed table.
// That is 8 bytes a slot instead of a heap node per name, which matters for
// large images: load time is dominated by first touches of fresh memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <utility>
#include <vector>

namespace brainvm::image {

// NameAt: std::string_view(uint32_t index), the name added under an index.
template <class NameAt>
class NameSet {
 public:
  // `expected` sizes the table up front (nothing is allocated for 0); it
  // still grows if more names come.
  NameSet(size_t expected, NameAt nameAt) : nameAt_(std::move(nameAt)) {
    if (expected == 0) return;
    size_t capacity = kMinCapacity;
    while (capacity < 2 * expected) capacity *= 2;
    slots_.assign(capacity, Slot{});
  }

  // Adds `name` under `index` unless an equal name is present; returns
  // whether it was added. Names added earlier must still be readable through
  // nameAt.
  bool insert(uint32_t index, std::string_view name) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    const uint64_t h = std::hash<std::string_view>{}(name);
    const auto tag = static_cast<uint32_t>(h >> 32);
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.index == kEmpty) {
        slot = Slot{tag, index};
        ++size_;
        return true;
      }
      if (slot.tag == tag && nameAt_(slot.index) == name) return false;
    }
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  static constexpr size_t kMinCapacity = 16;
  struct Slot {
    uint32_t tag = 0;  // high half of the name's hash
    uint32_t index = kEmpty;
  };

  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? kMinCapacity : 2 * old.size(), Slot{});
    const size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.index == kEmpty) continue;
      const uint64_t h = std::hash<std::string_view>{}(nameAt_(s.index));
      size_t i = h & mask;
      while (slots_[i].index != kEmpty) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }

  NameAt nameAt_;
  std::vector<Slot> slots_;  // empty, or a power of two at most half full
  size_t size_ = 0;
};

}  // namespace brainvm::image

// The runtime's async handles by id. Ids are handed out in order and never
// reused, and nearly every handle has exactly one waiter, so the records sit
// in one dense vector (no allocation per handle, as a node-based map makes),
// found through an open-addressing index of record positions, and a record
// keeps its first waiter inline. Inserting or erasing may move records: a
// HandleRecord* does not survive either.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "brainvm/runtime.h"
#include "brainvm/value.h"

namespace brainvm {

// The fibers awaiting one handle, in the order they began to wait.
class WaiterList {
 public:
  WaiterList() = default;
  WaiterList(WaiterList&& other) noexcept
      : first_(other.first_), more_(std::move(other.more_)) {
    other.first_ = 0;
  }
  WaiterList& operator=(WaiterList&& other) noexcept {
    first_ = other.first_;
    more_ = std::move(other.more_);
    other.first_ = 0;
    return *this;
  }

  bool empty() const { return first_ == 0; }
  size_t size() const {
    return first_ == 0 ? 0 : 1 + (more_ ? more_->size() : 0);
  }
  size_t count(FiberId id) const;
  void add(FiberId id);     // id != 0
  void remove(FiberId id);  // every occurrence
  template <class Fn>
  void forEach(Fn&& fn) const {
    if (first_ == 0) return;
    fn(first_);
    if (more_)
      for (FiberId id : *more_) fn(id);
  }

 private:
  FiberId first_ = 0;  // 0 = no waiter (fiber ids start at 1)
  std::unique_ptr<std::vector<FiberId>> more_;  // the second waiter onwards
};

struct HandleRecord {
  Value result;  // resolved value or error value
  WaiterList waiters;
  HandleId id = 0;
  HandleState state = HandleState::Pending;
  bool marked = false;
};

class HandleTable {
 public:
  HandleRecord* find(HandleId id) {
    if (records_.empty()) return nullptr;
    for (size_t i = home(id);; i = (i + 1) & mask()) {
      const uint32_t pos = index_[i];
      if (pos == kEmpty) return nullptr;
      if (records_[pos].id == id) return &records_[pos];
    }
  }
  // A new pending record; id (not 0) must not be in the table.
  HandleRecord& insert(HandleId id);
  // Drops every record for which drop(record) is true.
  template <class Drop>
  void eraseIf(Drop drop) {
    for (size_t pos = 0; pos < records_.size();) {
      if (drop(records_[pos]))
        eraseAt(pos);  // the last record moved here: look at it next
      else
        ++pos;
    }
    shrinkIfSparse();
  }
  // Every record, in no particular (but deterministic) order.
  std::span<HandleRecord> records() { return records_; }
  std::span<const HandleRecord> records() const { return records_; }
  size_t size() const { return records_.size(); }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  size_t mask() const { return index_.size() - 1; }
  size_t home(HandleId id) const {
    return static_cast<size_t>((uint64_t(id) * 0x9E3779B97F4A7C15ull) >> 32) &
           mask();
  }
  size_t slotOf(HandleId id) const;  // the index slot of a present id
  void eraseAt(size_t pos);
  void shrinkIfSparse();
  void reindex(size_t capacity);

  std::vector<HandleRecord> records_;
  std::vector<uint32_t> index_;  // power-of-two size; record positions
};

}  // namespace brainvm

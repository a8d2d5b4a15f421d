// The runtime's async handles by id. Ids are handed out in order and never
// reused, and nearly every handle has exactly one waiter, so the records sit
// in one dense vector (no allocation per handle, as a node-based map makes),
// found through an open-addressing index of record positions (id_index.h),
// and a record
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
#include "id_index.h"

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
    const uint32_t pos = index_.find(id, IdOf{records_});
    return pos == kNone ? nullptr : &records_[pos];
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
  static constexpr uint32_t kNone = UINT32_MAX;
  // A record position's id, for the index.
  struct IdOf {
    const std::vector<HandleRecord>& records;
    HandleId operator()(uint32_t pos) const { return records[pos].id; }
  };
  void eraseAt(size_t pos);
  void shrinkIfSparse();
  void reindex(size_t capacity);

  std::vector<HandleRecord> records_;
  IdIndex<uint32_t, kNone> index_;  // record positions
};

}  // namespace brainvm

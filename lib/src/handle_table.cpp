#include "handle_table.h"

#include <algorithm>

namespace brainvm {

size_t WaiterList::count(FiberId id) const {
  size_t n = 0;
  forEach([&](FiberId w) { n += w == id; });
  return n;
}

void WaiterList::add(FiberId id) {
  if (first_ == 0) {
    first_ = id;
    return;
  }
  if (!more_) more_ = std::make_unique<std::vector<FiberId>>();
  more_->push_back(id);
}

void WaiterList::remove(FiberId id) {
  if (more_) more_->erase(std::remove(more_->begin(), more_->end(), id),
                          more_->end());
  if (first_ != id) return;
  if (more_ && !more_->empty()) {
    first_ = more_->front();
    more_->erase(more_->begin());
  } else {
    first_ = 0;
  }
}

HandleRecord& HandleTable::insert(HandleId id) {
  if ((records_.size() + 1) * 2 > index_.capacity())
    reindex(index_.capacity() == 0 ? 8 : index_.capacity() * 2);
  HandleRecord& rec = records_.emplace_back();
  rec.id = id;
  index_.insert(static_cast<uint32_t>(records_.size() - 1), IdOf{records_});
  return rec;
}

void HandleTable::eraseAt(size_t pos) {
  index_.erase(records_[pos].id, IdOf{records_});
  // The last record fills the gap, and its index slot follows it.
  const size_t last = records_.size() - 1;
  if (pos != last) {
    index_.replace(records_[last].id, static_cast<uint32_t>(pos),
                   IdOf{records_});
    records_[pos] = std::move(records_[last]);
  }
  records_.pop_back();
}

void HandleTable::shrinkIfSparse() {
  if (index_.capacity() <= 64 || records_.size() * 8 >= index_.capacity())
    return;
  size_t capacity = 8;
  while (capacity < records_.size() * 2) capacity *= 2;
  records_.shrink_to_fit();
  reindex(capacity);
}

void HandleTable::reindex(size_t capacity) {
  index_.reset(capacity);
  for (size_t pos = 0; pos < records_.size(); ++pos)
    index_.insert(static_cast<uint32_t>(pos), IdOf{records_});
}

}  // namespace brainvm

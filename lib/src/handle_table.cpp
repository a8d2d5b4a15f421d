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
  if ((records_.size() + 1) * 2 > index_.size())
    reindex(index_.empty() ? 8 : index_.size() * 2);
  size_t i = home(id);
  while (index_[i] != kEmpty) i = (i + 1) & mask();
  index_[i] = static_cast<uint32_t>(records_.size());
  HandleRecord& rec = records_.emplace_back();
  rec.id = id;
  return rec;
}

size_t HandleTable::slotOf(HandleId id) const {
  size_t i = home(id);
  while (records_[index_[i]].id != id) i = (i + 1) & mask();
  return i;
}

void HandleTable::eraseAt(size_t pos) {
  // Backward-shift deletion in the index: move later members of the probe
  // run into the hole when the hole lies between their home and their slot.
  size_t hole = slotOf(records_[pos].id);
  for (size_t j = (hole + 1) & mask(); index_[j] != kEmpty;
       j = (j + 1) & mask()) {
    const size_t h = home(records_[index_[j]].id);
    if (((j - h) & mask()) >= ((j - hole) & mask())) {
      index_[hole] = index_[j];
      hole = j;
    }
  }
  index_[hole] = kEmpty;
  // The last record fills the gap, and its index slot follows it.
  const size_t last = records_.size() - 1;
  if (pos != last) {
    index_[slotOf(records_[last].id)] = static_cast<uint32_t>(pos);
    records_[pos] = std::move(records_[last]);
  }
  records_.pop_back();
}

void HandleTable::shrinkIfSparse() {
  if (index_.size() <= 64 || records_.size() * 8 >= index_.size()) return;
  size_t capacity = 8;
  while (capacity < records_.size() * 2) capacity *= 2;
  records_.shrink_to_fit();
  reindex(capacity);
}

void HandleTable::reindex(size_t capacity) {
  index_.assign(capacity, kEmpty);
  for (size_t pos = 0; pos < records_.size(); ++pos) {
    size_t i = home(records_[pos].id);
    while (index_[i] != kEmpty) i = (i + 1) & mask();
    index_[i] = static_cast<uint32_t>(pos);
  }
}

}  // namespace brainvm

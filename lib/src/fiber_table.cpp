#include "fiber_table.h"

#include "fiber_cache.h"

namespace brainvm {

FiberTable::~FiberTable() {
  for (Fiber* f : slots_) delete f;
}

Fiber* FiberTable::create(FiberId id) {
  Fiber* f = fiber_cache::takeBare();
  if (f == nullptr) f = new Fiber();
  adopt(f, id);
  return f;
}

void FiberTable::adopt(Fiber* f, FiberId id) {
  f->id = id;
  if ((count_ + 1) * 2 > slots_.size())
    rehash(slots_.empty() ? 8 : slots_.size() * 2);
  insert(f);
  ++count_;
}

void FiberTable::insert(Fiber* f) {
  size_t i = home(f->id);
  while (slots_[i] != nullptr) i = (i + 1) & mask();
  slots_[i] = f;
}

void FiberTable::erase(FiberId id) {
  if (Fiber* f = detach(id)) fiber_cache::keepBare(f);
}

Fiber* FiberTable::detach(FiberId id) {
  if (count_ == 0) return nullptr;
  size_t i = home(id);
  while (slots_[i] != nullptr && slots_[i]->id != id) i = (i + 1) & mask();
  Fiber* f = slots_[i];
  if (f == nullptr) return nullptr;
  // Backward-shift deletion: move later members of the probe run into the
  // hole when the hole lies between their home slot and where they are.
  size_t hole = i;
  for (size_t j = (i + 1) & mask(); slots_[j] != nullptr; j = (j + 1) & mask()) {
    const size_t h = home(slots_[j]->id);
    if (((j - h) & mask()) >= ((j - hole) & mask())) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole] = nullptr;
  --count_;
  if (slots_.size() > 64 && count_ * 8 < slots_.size())
    rehash(slots_.size() / 2);
  return f;
}

void FiberTable::rehash(size_t capacity) {
  std::vector<Fiber*> old;
  old.swap(slots_);
  slots_.assign(capacity, nullptr);
  for (Fiber* f : old)
    if (f != nullptr) insert(f);
}

}  // namespace brainvm

#include "fiber_table.h"

#include "fiber_cache.h"

namespace brainvm {

FiberTable::~FiberTable() {
  for (Fiber* f : index_.slots()) delete f;
}

Fiber* FiberTable::create(FiberId id) {
  Fiber* f = fiber_cache::takeBare();
  if (f == nullptr) f = new Fiber();
  adopt(f, id);
  return f;
}

void FiberTable::adopt(Fiber* f, FiberId id) {
  f->id = id;
  if ((count_ + 1) * 2 > index_.capacity())
    rehash(index_.capacity() == 0 ? 8 : index_.capacity() * 2);
  index_.insert(f, idOf);
  ++count_;
}

void FiberTable::erase(FiberId id) {
  if (Fiber* f = detach(id)) fiber_cache::keepBare(f);
}

Fiber* FiberTable::detach(FiberId id) {
  if (count_ == 0) return nullptr;
  Fiber* f = index_.erase(id, idOf);
  if (f == nullptr) return nullptr;
  --count_;
  if (index_.capacity() > 64 && count_ * 8 < index_.capacity())
    rehash(index_.capacity() / 2);
  return f;
}

void FiberTable::rehash(size_t capacity) {
  for (Fiber* f : index_.reset(capacity))
    if (f != nullptr) index_.insert(f, idOf);
}

}  // namespace brainvm

#include "value_table.h"

#include "capi_internal.h"

namespace bvm {

namespace {

bool needsPin(const brainvm::Value& v) { return v.isObject() || v.isHandle(); }

// Makes room for one more element, growing geometrically.
template <class T>
void roomForOne(std::vector<T>& v) {
  if (v.size() == v.capacity()) v.reserve(v.empty() ? 16 : v.size() * 2);
}

}  // namespace

uint64_t ValueTable::insert(brainvm::Runtime& rt, const brainvm::Value& v) {
  // Reserve first so that a failed allocation leaves the table as it was.
  if (free_.empty()) {
    roomForOne(slots_);
    // release() then never allocates: there are never more free slots than
    // slots.
    free_.reserve(slots_.capacity());
  }
  roomForOne(locals_);
  const brainvm::PinId pin = needsPin(v) ? rt.pin(v) : 0;
  uint32_t index;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    index = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[index];
  s.value = v;
  s.pin = pin;
  s.used = true;
  ++live_;
  liveObjects.fetch_add(1, std::memory_order_relaxed);
  return (uint64_t(s.generation) << 32) | (uint64_t(index) + 1);
}

uint64_t ValueTable::add(brainvm::Runtime& rt, const brainvm::Value& v) {
  const uint64_t h = insert(rt, v);
  if (depth_ > 0) locals_.push_back(h);  // reserved by insert
  return h;
}

uint64_t ValueTable::addLasting(brainvm::Runtime& rt,
                                const brainvm::Value& v) {
  return insert(rt, v);
}

const brainvm::Value* ValueTable::find(uint64_t handle) const {
  const uint64_t low = handle & 0xffffffffu;
  if (low == 0 || low > slots_.size()) return nullptr;
  const Slot& s = slots_[low - 1];
  if (!s.used || s.generation != uint32_t(handle >> 32)) return nullptr;
  return &s.value;
}

void ValueTable::release(brainvm::Runtime& rt, uint64_t handle) {
  if (!find(handle)) return;
  const uint32_t index = uint32_t(handle & 0xffffffffu) - 1;
  Slot& s = slots_[index];
  if (s.pin) rt.unpin(s.pin);
  s = Slot{brainvm::Value(), 0, s.generation + 1 == 0 ? 1 : s.generation + 1,
           false};
  free_.push_back(index);  // capacity: never more free slots than slots
  --live_;
  liveObjects.fetch_sub(1, std::memory_order_relaxed);
}

void ValueTable::clear() {
  liveObjects.fetch_sub(live_, std::memory_order_relaxed);
  live_ = 0;
  slots_.clear();
  free_.clear();
  locals_.clear();
}

ValueTable::Repin::~Repin() {
  // Pinning reuses the free ids (last freed first) without allocating.
  for (auto i = slots.rbegin(); i != slots.rend(); ++i) {
    Slot& s = table->slots_[*i];
    s.pin = rt->pin(s.value);
  }
}

void ValueTable::closeScope(brainvm::Runtime& rt, size_t mark) {
  --depth_;
  while (locals_.size() > mark) {
    release(rt, locals_.back());
    locals_.pop_back();
  }
}

}  // namespace bvm

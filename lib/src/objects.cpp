#include "brainvm/objects.h"

#include "map_hash.h"

namespace brainvm {

int64_t MapObject::findSlot(const Value& key, uint32_t hash) const {
  uint32_t slot = hash & indexMask_;
  for (;;) {
    uint32_t idx = index_[slot];
    if (idx == 0) return -1;
    if (idx != kMapDeleted && mapKeysEqual(entries_[idx - 1].key, key))
      return slot;
    slot = (slot + 1) & indexMask_;
  }
}

const Value* MapObject::find(const Value& key) const {
  if (!index_ || !(key.isNumber() || key.isString())) return nullptr;
  Value k = normalizeMapKey(key);
  int64_t slot = findSlot(k, mapKeyHash(k));
  return slot < 0 ? nullptr : &entries_[index_[slot] - 1].value;
}

const Value* StructObject::find(std::string_view name) const {
  for (uint32_t i = 0; i < count_; ++i)
    if (fields_[i].name->view() == name) return &fields_[i].value;
  return nullptr;
}


}  // namespace brainvm

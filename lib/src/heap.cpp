#include "brainvm/heap.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "map_hash.h"
#include "value_internals.h"

namespace brainvm {

Heap::Heap(uint64_t maxBytes, uint32_t maxStringBytes)
    : maxBytes_(maxBytes), maxStringBytes_(maxStringBytes) {}

Heap::~Heap() {
  Object* o = head_;
  while (o) {
    Object* next = o->next_;
    freeObject(o);
    o = next;
  }
}

bool Heap::reserve(uint64_t more) {
  if (bytes_ + more > maxBytes_) {
    failure_ = "out of memory";
    return false;
  }
  bytes_ += more;
  return true;
}

void* Heap::allocate(size_t bytes) {
  if (!reserve(bytes)) return nullptr;
  void* p = std::malloc(bytes);
  if (!p) {
    release(bytes);
    failure_ = "out of memory";
  }
  return p;
}

void Heap::link(Object* o) {
  o->next_ = head_;
  head_ = o;
  ++objects_;
}

StringObject* Heap::newString(std::string_view s) {
  return newConcatenation(s, {});
}

StringObject* Heap::newConcatenation(std::string_view a, std::string_view b) {
  uint64_t len = uint64_t(a.size()) + b.size();
  if (len > maxStringBytes_) {
    failure_ = "string too long";
    return nullptr;
  }
  void* mem = allocate(sizeof(StringObject) + len);
  if (!mem) return nullptr;
  auto* str = new (mem) StringObject();
  str->length_ = static_cast<uint32_t>(len);
  if (!a.empty()) std::memcpy(str->data_, a.data(), a.size());
  if (!b.empty()) std::memcpy(str->data_ + a.size(), b.data(), b.size());
  str->data_[len] = '\0';
  str->hash_ = StringObject::hashBytes(str->view());
  link(str);
  return str;
}

ListObject* Heap::newList(uint32_t capacity) {
  void* mem = allocate(sizeof(ListObject));
  if (!mem) return nullptr;
  auto* list = new (mem) ListObject();
  if (capacity > 0) {
    list->items_ = static_cast<Value*>(allocate(capacity * sizeof(Value)));
    if (!list->items_) {
      std::free(mem);
      release(sizeof(ListObject));
      return nullptr;
    }
    list->capacity_ = capacity;
  }
  link(list);
  return list;
}

MapObject* Heap::newMap() {
  void* mem = allocate(sizeof(MapObject));
  if (!mem) return nullptr;
  auto* map = new (mem) MapObject();
  link(map);
  return map;
}

StructObject* Heap::newStruct(const StringObject* typeName, uint32_t capacity) {
  void* mem = allocate(sizeof(StructObject));
  if (!mem) return nullptr;
  auto* s = new (mem) StructObject();
  s->typeName_ = typeName;
  if (capacity > 0) {
    s->fields_ = static_cast<StructObject::Field*>(
        allocate(capacity * sizeof(StructObject::Field)));
    if (!s->fields_) {
      std::free(mem);
      release(sizeof(StructObject));
      return nullptr;
    }
    s->capacity_ = capacity;
  }
  link(s);
  return s;
}

EnumObject* Heap::newEnum(const StringObject* typeId, const StringObject* key) {
  void* mem = allocate(sizeof(EnumObject));
  if (!mem) return nullptr;
  auto* e = new (mem) EnumObject();
  e->typeId_ = typeId;
  e->key_ = key;
  link(e);
  return e;
}

ErrorObject* Heap::newError(ErrorTag tag, const StringObject* message,
                            std::vector<TraceFrame> trace) {
  void* mem = allocate(sizeof(ErrorObject) + trace.size() * sizeof(TraceFrame));
  if (!mem) return nullptr;
  auto* e = new (mem) ErrorObject();
  e->tag_ = tag;
  e->message_ = message;
  e->trace_ = std::move(trace);
  link(e);
  return e;
}

bool Heap::listPushGrow(ListObject* list, const Value& v) {
  uint64_t newCap = list->capacity_ < 4 ? 4 : uint64_t(list->capacity_) * 2;
  if (newCap > UINT32_MAX) {
    failure_ = "list too long";
    return false;
  }
  uint64_t grow = (newCap - list->capacity_) * sizeof(Value);
  if (!reserve(grow)) return false;
  void* p = std::realloc(list->items_, newCap * sizeof(Value));
  if (!p) {
    release(grow);
    failure_ = "out of memory";
    return false;
  }
  list->items_ = static_cast<Value*>(p);
  list->capacity_ = static_cast<uint32_t>(newCap);
  list->items_[list->size_++] = v;
  return true;
}

bool Heap::structSet(StructObject* s, const StringObject* name, const Value& v) {
  for (uint32_t i = 0; i < s->count_; ++i)
    if (s->fields_[i].name->view() == name->view()) {
      s->fields_[i].value = v;
      return true;
    }
  if (s->count_ == s->capacity_) {
    uint32_t newCap = s->capacity_ < 4 ? 4 : s->capacity_ * 2;
    uint64_t grow = uint64_t(newCap - s->capacity_) * sizeof(StructObject::Field);
    if (!reserve(grow)) return false;
    void* p = std::realloc(s->fields_, newCap * sizeof(StructObject::Field));
    if (!p) {
      release(grow);
      failure_ = "out of memory";
      return false;
    }
    s->fields_ = static_cast<StructObject::Field*>(p);
    s->capacity_ = newCap;
  }
  s->fields_[s->count_++] = {name, v};
  return true;
}

// --- Maps ---------------------------------------------------------------

void Heap::rebuildMapIndex(MapObject* m, uint32_t indexCapacity) {
  // Compact tombstones away, then re-index.
  uint32_t out = 0;
  for (uint32_t i = 0; i < m->used_; ++i)
    if (!isAbsent(m->entries_[i].key)) m->entries_[out++] = m->entries_[i];
  m->used_ = out;
  std::memset(m->index_, 0, indexCapacity * sizeof(uint32_t));
  m->indexMask_ = indexCapacity - 1;
  for (uint32_t i = 0; i < m->used_; ++i) {
    uint32_t slot = mapKeyHash(m->entries_[i].key) & m->indexMask_;
    while (m->index_[slot] != 0) slot = (slot + 1) & m->indexMask_;
    m->index_[slot] = i + 1;
  }
}

bool Heap::growMap(MapObject* m) {
  // Reuse space if many entries are tombstones; otherwise double.
  uint32_t newEntryCap = m->entryCapacity_;
  if (m->count_ >= m->entryCapacity_ / 2 || newEntryCap == 0)
    newEntryCap = newEntryCap == 0 ? 4 : newEntryCap * 2;
  if (newEntryCap > (1u << 30)) {
    failure_ = "map too large";
    return false;
  }
  uint32_t newIndexCap = newEntryCap * 2;
  uint64_t oldBytes = uint64_t(m->entryCapacity_) * sizeof(MapObject::Entry) +
                      (m->index_ ? uint64_t(m->indexMask_ + 1) * 4 : 0);
  uint64_t newBytes = uint64_t(newEntryCap) * sizeof(MapObject::Entry) +
                      uint64_t(newIndexCap) * 4;
  if (newBytes > oldBytes && !reserve(newBytes - oldBytes)) return false;
  if (newEntryCap != m->entryCapacity_) {
    void* e = std::realloc(m->entries_, newEntryCap * sizeof(MapObject::Entry));
    if (!e) {
      release(newBytes - oldBytes);
      failure_ = "out of memory";
      return false;
    }
    m->entries_ = static_cast<MapObject::Entry*>(e);
    m->entryCapacity_ = newEntryCap;
  }
  if (!m->index_ || m->indexMask_ + 1 != newIndexCap) {
    void* idx = std::realloc(m->index_, newIndexCap * sizeof(uint32_t));
    if (!idx) {
      failure_ = "out of memory";
      return false;
    }
    m->index_ = static_cast<uint32_t*>(idx);
  }
  if (newBytes < oldBytes) release(oldBytes - newBytes);
  rebuildMapIndex(m, newIndexCap);
  return true;
}

bool Heap::mapSet(MapObject* m, const Value& key, const Value& v) {
  Value k = normalizeMapKey(key);
  uint32_t hash = mapKeyHash(k);
  if (m->index_) {
    int64_t slot = m->findSlot(k, hash);
    if (slot >= 0) {
      m->entries_[m->index_[slot] - 1].value = v;
      return true;
    }
  }
  if (m->used_ == m->entryCapacity_ && !growMap(m)) return false;
  uint32_t slot = hash & m->indexMask_;
  while (m->index_[slot] != 0 && m->index_[slot] != kMapDeleted)
    slot = (slot + 1) & m->indexMask_;
  m->entries_[m->used_] = {k, v};
  m->index_[slot] = ++m->used_;
  ++m->count_;
  return true;
}

bool Heap::mapDelete(MapObject* m, const Value& key) {
  if (!m->index_) return true;
  Value k = normalizeMapKey(key);
  int64_t slot = m->findSlot(k, mapKeyHash(k));
  if (slot < 0) return true;
  MapObject::Entry& e = m->entries_[m->index_[slot] - 1];
  e.key = absentValue();
  e.value = Value();
  m->index_[slot] = kMapDeleted;
  --m->count_;
  return true;
}

// --- Collection -----------------------------------------------------------

void Heap::markObject(Object* o) {
  if (o->permanent_ || o->marked_) return;
  o->marked_ = true;
  grey_.push_back(o);
}

void Heap::traceMarked(void (*onHandle)(HandleId, void*), void* ctx) {
  auto visit = [&](const Value& v) {
    if (v.isObject())
      markObject(v.asObject());
    else if (v.isHandle() && onHandle)
      onHandle(v.asHandle(), ctx);
  };
  while (!grey_.empty()) {
    Object* o = grey_.back();
    grey_.pop_back();
    switch (o->type()) {
      case ObjectType::String: break;
      case ObjectType::List: {
        auto* l = static_cast<ListObject*>(o);
        for (uint32_t i = 0; i < l->size_; ++i) visit(l->items_[i]);
        break;
      }
      case ObjectType::Map: {
        auto* m = static_cast<MapObject*>(o);
        for (uint32_t i = 0; i < m->used_; ++i) {
          visit(m->entries_[i].key);
          visit(m->entries_[i].value);
        }
        break;
      }
      case ObjectType::Struct: {
        auto* s = static_cast<StructObject*>(o);
        if (s->typeName_) markObject(const_cast<StringObject*>(s->typeName_));
        for (uint32_t i = 0; i < s->count_; ++i) {
          markObject(const_cast<StringObject*>(s->fields_[i].name));
          visit(s->fields_[i].value);
        }
        break;
      }
      case ObjectType::Enum: {
        auto* e = static_cast<EnumObject*>(o);
        markObject(const_cast<StringObject*>(e->typeId_));
        markObject(const_cast<StringObject*>(e->key_));
        break;
      }
      case ObjectType::Error: {
        auto* e = static_cast<ErrorObject*>(o);
        markObject(const_cast<StringObject*>(e->message_));
        break;
      }
    }
  }
}

void Heap::freeObject(Object* o) {
  switch (o->type()) {
    case ObjectType::String:
      release(sizeof(StringObject) + static_cast<StringObject*>(o)->length_);
      break;
    case ObjectType::List: {
      auto* l = static_cast<ListObject*>(o);
      release(sizeof(ListObject) + uint64_t(l->capacity_) * sizeof(Value));
      std::free(l->items_);
      break;
    }
    case ObjectType::Map: {
      auto* m = static_cast<MapObject*>(o);
      release(sizeof(MapObject) +
              uint64_t(m->entryCapacity_) * sizeof(MapObject::Entry) +
              (m->index_ ? uint64_t(m->indexMask_ + 1) * 4 : 0));
      std::free(m->entries_);
      std::free(m->index_);
      break;
    }
    case ObjectType::Struct: {
      auto* s = static_cast<StructObject*>(o);
      release(sizeof(StructObject) +
              uint64_t(s->capacity_) * sizeof(StructObject::Field));
      std::free(s->fields_);
      break;
    }
    case ObjectType::Enum: release(sizeof(EnumObject)); break;
    case ObjectType::Error: {
      auto* e = static_cast<ErrorObject*>(o);
      release(sizeof(ErrorObject) + e->trace_.size() * sizeof(TraceFrame));
      e->~ErrorObject();
      break;
    }
  }
  --objects_;
  std::free(o);
}

void Heap::sweep() {
  Object** link = &head_;
  while (Object* o = *link) {
    if (o->marked_) {
      o->marked_ = false;
      link = &o->next_;
    } else {
      *link = o->next_;
      freeObject(o);
    }
  }
  ++collections_;
  // Next collection when the heap has doubled (at least 1 MiB of growth).
  nextCollection_ = bytes_ * 2 < (1u << 20) ? bytes_ + (1u << 20) : bytes_ * 2;
}

}  // namespace brainvm

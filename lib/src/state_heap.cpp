// The heap's part of a saved state: every object (garbage included, so
// that accounting and collection go on exactly as in the saved runtime),
// most recent first, with its capacities.
#include <cstring>
#include <new>

#include "brainvm/heap.h"
#include "brainvm/state.h"
#include "map_hash.h"
#include "state_format.h"
#include "value_internals.h"

namespace brainvm {

using namespace state;

void Heap::numberObjects(
    std::unordered_map<const Object*, uint64_t>& ids) const {
  uint64_t n = 0;
  for (const Object* o = head_; o; o = o->next_) ids.emplace(o, n++);
}

namespace {

uint8_t tagOf(ObjectType t) {
  switch (t) {
    case ObjectType::String: return kObjString;
    case ObjectType::List: return kObjList;
    case ObjectType::Map: return kObjMap;
    case ObjectType::Struct: return kObjStruct;
    case ObjectType::Enum: return kObjEnum;
    case ObjectType::Error: return kObjError;
  }
  return 0;
}

Value ref(const Object* o) {
  return o ? Value::object(const_cast<Object*>(o)) : Value();
}

}  // namespace

void Heap::writeObjects(StateWriter& out) const {
  out.u64(bytes_);
  out.u64(nextCollection_);
  out.u64(collections_);
  out.u64(objects_);
  // Shapes.
  for (const Object* o = head_; o; o = o->next_) {
    out.u8(tagOf(o->type()));
    switch (o->type()) {
      case ObjectType::String:
        out.str(static_cast<const StringObject*>(o)->view());
        break;
      case ObjectType::List: {
        auto* l = static_cast<const ListObject*>(o);
        out.u64(l->capacity_);
        out.u64(l->size_);
        break;
      }
      case ObjectType::Map: {
        auto* m = static_cast<const MapObject*>(o);
        out.u64(m->entryCapacity_);
        out.u64(m->index_ ? uint64_t(m->indexMask_) + 1 : 0);
        out.u64(m->used_);
        break;
      }
      case ObjectType::Struct: {
        auto* s = static_cast<const StructObject*>(o);
        out.u64(s->capacity_);
        out.u64(s->count_);
        break;
      }
      case ObjectType::Enum: break;
      case ObjectType::Error: {
        auto* e = static_cast<const ErrorObject*>(o);
        out.u8(static_cast<uint8_t>(e->tag_));
        out.u64(e->trace_.size());
        for (const TraceFrame& t : e->trace_) {
          out.u64(t.function);
          out.u64(t.pc);
          out.u64(t.line);
        }
        break;
      }
    }
  }
  // References.
  for (const Object* o = head_; o; o = o->next_) {
    switch (o->type()) {
      case ObjectType::String: break;
      case ObjectType::List: {
        auto* l = static_cast<const ListObject*>(o);
        for (uint32_t i = 0; i < l->size_; ++i) out.value(l->items_[i]);
        break;
      }
      case ObjectType::Map: {
        auto* m = static_cast<const MapObject*>(o);
        for (uint32_t i = 0; i < m->used_; ++i) {
          out.value(m->entries_[i].key);  // tombstones: the absent marker
          out.value(m->entries_[i].value);
        }
        break;
      }
      case ObjectType::Struct: {
        auto* s = static_cast<const StructObject*>(o);
        out.value(ref(s->typeName_));
        for (uint32_t i = 0; i < s->count_; ++i) {
          out.value(ref(s->fields_[i].name));
          out.value(s->fields_[i].value);
        }
        break;
      }
      case ObjectType::Enum: {
        auto* e = static_cast<const EnumObject*>(o);
        out.value(ref(e->typeId_));
        out.value(ref(e->key_));
        break;
      }
      case ObjectType::Error:
        out.value(ref(static_cast<const ErrorObject*>(o)->message_));
        break;
    }
  }
}

bool Heap::readObjects(StateReader& in, std::vector<Value>& objects,
                       uint32_t functionCount, uint64_t maxBytes) {
  uint64_t bytes, nextCollection, collections, count;
  if (!in.u64(bytes, "heap bytes") ||
      !in.u64(nextCollection, "next collection") ||
      !in.u64(collections, "collections") ||
      !in.count(count, 2, "heap object"))
    return false;
  if (bytes > maxBytes)
    return in.fail("the heap holds " + std::to_string(bytes) +
                   " bytes, more than the limit of " +
                   std::to_string(maxBytes));
  // While restoring: not a byte more than was saved.
  const uint64_t cap = maxBytes_;
  maxBytes_ = bytes;

  // Shapes: read them all, then allocate from the oldest so that linking
  // (which prepends) rebuilds the same order.
  struct Shape {
    uint8_t tag;
    uint64_t a = 0, b = 0, c = 0;
    std::string text;
    ErrorTag errorTag = ErrorTag::ScriptError;
    std::vector<TraceFrame> trace;
  };
  std::vector<Shape> shapes(count);
  for (Shape& s : shapes) {
    if (!in.u8(s.tag, "object kind")) return false;
    switch (s.tag) {
      case kObjString:
        if (!in.str(s.text, "string")) return false;
        if (s.text.size() > maxStringBytes_)
          return in.fail("a string longer than the string limit");
        break;
      case kObjList:
        if (!in.u64(s.a, "list capacity") || !in.u64(s.b, "list length"))
          return false;
        if (s.b > s.a || s.a > UINT32_MAX)
          return in.fail("a list's length exceeds its capacity");
        break;
      case kObjMap:
        if (!in.u64(s.a, "map capacity") || !in.u64(s.b, "map index size") ||
            !in.u64(s.c, "map entries"))
          return false;
        if (s.c > s.a || s.a > (1u << 30) ||
            (s.a == 0) != (s.b == 0) || (s.b != 0 && s.b != 2 * s.a))
          return in.fail("a map's sizes are inconsistent");
        break;
      case kObjStruct:
        if (!in.u64(s.a, "struct capacity") || !in.u64(s.b, "field count"))
          return false;
        if (s.b > s.a || s.a > UINT32_MAX)
          return in.fail("a struct's field count exceeds its capacity");
        break;
      case kObjEnum: break;
      case kObjError: {
        uint8_t tag;
        uint64_t frames;
        if (!in.u8(tag, "error tag") || !in.count(frames, 3, "trace frame"))
          return false;
        if (tag > static_cast<uint8_t>(ErrorTag::StackUnderflow))
          return in.fail("an unknown error tag");
        s.errorTag = static_cast<ErrorTag>(tag);
        s.trace.resize(frames);
        for (TraceFrame& t : s.trace) {
          if (!in.u32(t.function, "trace function") ||
              !in.u32(t.pc, "trace pc") || !in.u32(t.line, "trace line"))
            return false;
          if (t.function >= functionCount)
            return in.fail("a trace names function " +
                           std::to_string(t.function) +
                           ", which the program does not have");
        }
        break;
      }
      default:
        return in.fail("unknown object kind " + std::to_string(s.tag));
    }
  }
  // Everything must fit in what the heap held when it was saved.
  objects.assign(count, Value());
  for (uint64_t i = count; i-- > 0;) {
    Shape& s = shapes[i];
    Object* o = nullptr;
    switch (s.tag) {
      case kObjString: o = newString(s.text); break;
      case kObjList: o = newList(static_cast<uint32_t>(s.a)); break;
      case kObjMap: {
        MapObject* m = newMap();
        if (m && s.a > 0) {
          m->entries_ = static_cast<MapObject::Entry*>(
              allocate(s.a * sizeof(MapObject::Entry)));
          m->index_ = m->entries_ ? static_cast<uint32_t*>(allocate(s.b * 4))
                                  : nullptr;
          if (!m->index_) return in.fail("the heap exceeds its saved size");
          m->entryCapacity_ = static_cast<uint32_t>(s.a);
          m->indexMask_ = static_cast<uint32_t>(s.b - 1);
          std::memset(m->index_, 0, s.b * 4);
        }
        o = m;
        break;
      }
      case kObjStruct:
        o = newStruct(nullptr, static_cast<uint32_t>(s.a));
        break;
      case kObjEnum: o = newEnum(nullptr, nullptr); break;
      case kObjError: o = newError(s.errorTag, nullptr, std::move(s.trace)); break;
    }
    if (!o) return in.fail("the heap exceeds its saved size");
    objects[i] = Value::object(o);
  }
  if (bytes_ != bytes)
    return in.fail("the objects take " + std::to_string(bytes_) +
                   " bytes, not the " + std::to_string(bytes) + " saved");

  // References.
  auto stringRef = [&](const StringObject*& out, bool nullable,
                       const char* what) {
    Value v;
    if (!in.value(v, what)) return false;
    if (nullable && v.isNil()) {
      out = nullptr;
      return true;
    }
    if (!v.isString()) return in.fail(std::string(what) + " is not a string");
    out = v.asString();
    return true;
  };
  for (uint64_t i = 0; i < count; ++i) {
    Object* o = objects[i].asObject();
    const Shape& s = shapes[i];
    switch (o->type()) {
      case ObjectType::String: break;
      case ObjectType::List: {
        auto* l = static_cast<ListObject*>(o);
        for (uint64_t k = 0; k < s.b; ++k)
          if (!in.value(l->items_[k], "list item")) return false;
        l->size_ = static_cast<uint32_t>(s.b);
        break;
      }
      case ObjectType::Map: {
        auto* m = static_cast<MapObject*>(o);
        for (uint64_t k = 0; k < s.c; ++k) {
          MapObject::Entry& e = m->entries_[k];
          if (!in.valueOrUndefined(e.key, "map key") ||
              !in.value(e.value, "map value"))
            return false;
          if (isAbsent(e.key)) {
            e.value = Value();
            continue;
          }
          if (!e.key.isNumber() && !e.key.isString())
            return in.fail("a map key is neither a number nor a string");
          e.key = normalizeMapKey(e.key);
          if (m->find(e.key))
            return in.fail("a map holds the same key twice");
          ++m->count_;
          // Index the entry (deleted slots of the saved index are not
          // needed: lookups find the same entries).
          uint32_t slot = mapKeyHash(e.key) & m->indexMask_;
          while (m->index_[slot] != 0) slot = (slot + 1) & m->indexMask_;
          m->index_[slot] = static_cast<uint32_t>(k + 1);
          m->used_ = static_cast<uint32_t>(k + 1);
        }
        m->used_ = static_cast<uint32_t>(s.c);
        break;
      }
      case ObjectType::Struct: {
        auto* st = static_cast<StructObject*>(o);
        if (!stringRef(st->typeName_, true, "struct type name")) return false;
        for (uint64_t k = 0; k < s.b; ++k) {
          StructObject::Field& f = st->fields_[k];
          if (!stringRef(f.name, false, "field name") ||
              !in.value(f.value, "field value"))
            return false;
          for (uint64_t j = 0; j < k; ++j)
            if (st->fields_[j].name->view() == f.name->view())
              return in.fail("a struct has the same field twice");
          st->count_ = static_cast<uint32_t>(k + 1);
        }
        break;
      }
      case ObjectType::Enum: {
        auto* e = static_cast<EnumObject*>(o);
        if (!stringRef(e->typeId_, false, "enum type") ||
            !stringRef(e->key_, false, "enum key"))
          return false;
        break;
      }
      case ObjectType::Error:
        if (!stringRef(static_cast<ErrorObject*>(o)->message_, false,
                       "error message"))
          return false;
        break;
    }
  }
  maxBytes_ = cap;
  nextCollection_ = nextCollection;
  collections_ = collections;
  return true;
}

}  // namespace brainvm

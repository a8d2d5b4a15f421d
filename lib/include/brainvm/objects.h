// Heap objects behind object-kinded Values. Hosts read them through the const
// accessors here; every mutation that can grow memory goes through a Heap so
// the runtime can account bytes and enforce its memory cap.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "brainvm/value.h"

namespace brainvm {

class Heap;

enum class ObjectType : uint8_t { String, List, Map, Struct, Enum, Error };

class Object {
 public:
  ObjectType type() const { return type_; }
  // Permanent objects (program constants) are never marked or freed by a heap.
  bool permanent() const { return permanent_; }

 protected:
  explicit Object(ObjectType t) : type_(t) {}
  ~Object() = default;

 private:
  friend class Heap;
  friend class ConstantArena;
  Object* next_ = nullptr;  // intrusive list of all objects of a heap
  ObjectType type_;
  bool marked_ = false;
  bool permanent_ = false;
};

// Immutable UTF-8 byte string with a cached hash.
class StringObject : public Object {
 public:
  std::string_view view() const { return {data_, length_}; }
  uint32_t length() const { return length_; }
  uint32_t hash() const { return hash_; }
  static uint32_t hashBytes(std::string_view s);

 private:
  friend class Heap;
  friend class ConstantArena;
  StringObject() : Object(ObjectType::String) {}
  uint32_t length_ = 0;
  uint32_t hash_ = 0;
  char data_[1];  // length_ + 1 bytes (NUL-terminated for convenience)
};

// A dense, growable list shared by reference.
class ListObject : public Object {
 public:
  uint32_t size() const { return size_; }
  const Value& at(uint32_t i) const { return items_[i]; }
  const Value* begin() const { return items_; }
  const Value* end() const { return items_ + size_; }

 private:
  friend class Heap;
  ListObject() : Object(ObjectType::List) {}
  Value* items_ = nullptr;
  uint32_t size_ = 0;
  uint32_t capacity_ = 0;
};

// Insertion-ordered hash map. Keys are numbers or strings and the two never
// compare equal (1 and "1" are different keys); numbers compare with
// SameValueZero (+0 == -0, NaN == NaN). Deleted entries leave tombstones
// that iteration skips; the table compacts itself.
class MapObject : public Object {
 public:
  struct Entry {
    Value key;
    Value value;
  };
  uint32_t size() const { return count_; }
  // The value for key, or nullptr.
  const Value* find(const Value& key) const;

  // Calls f(key, value) for each entry, in insertion order.
  template <class F>
  void forEach(F&& f) const {
    for (const Entry* e = entries_; e != entries_ + used_; ++e)
      if (e->key.kind() != Value::kAbsentKind) f(e->key, e->value);
  }

 private:
  friend class Heap;
  friend class RuntimeImpl;
  MapObject() : Object(ObjectType::Map) {}
  int64_t findSlot(const Value& key, uint32_t hash) const;
  Entry* entries_ = nullptr;
  uint32_t* index_ = nullptr;  // open addressing: entry index + 1, 0 = empty
  uint32_t count_ = 0;         // live entries
  uint32_t used_ = 0;          // entries incl. tombstones
  uint32_t entryCapacity_ = 0;
  uint32_t indexMask_ = 0;     // index capacity - 1 (power of two), 0 if none
};

// A struct: optional type name and fields in insertion order.
class StructObject : public Object {
 public:
  struct Field {
    const StringObject* name;
    Value value;
  };
  const StringObject* typeName() const { return typeName_; }  // may be null
  uint32_t fieldCount() const { return count_; }
  const Field& field(uint32_t i) const { return fields_[i]; }
  // The field's value or nullptr.
  const Value* find(std::string_view name) const;

 private:
  friend class Heap;
  StructObject() : Object(ObjectType::Struct) {}
  const StringObject* typeName_ = nullptr;
  Field* fields_ = nullptr;
  uint32_t count_ = 0;
  uint32_t capacity_ = 0;
};

// An enum value: its type id and key. Immutable.
class EnumObject : public Object {
 public:
  const StringObject* typeId() const { return typeId_; }
  const StringObject* key() const { return key_; }

 private:
  friend class Heap;
  EnumObject() : Object(ObjectType::Enum) {}
  const StringObject* typeId_ = nullptr;
  const StringObject* key_ = nullptr;
};

// One frame of an error trace.
struct TraceFrame {
  uint32_t function;  // function id in the program
  uint32_t pc;
  uint32_t line;      // 0 when the program has no debug info
};

// An error value: tag, message and (when the VM raised it) a trace. Immutable.
class ErrorObject : public Object {
 public:
  ErrorTag tag() const { return tag_; }
  const StringObject* message() const { return message_; }
  const std::vector<TraceFrame>& trace() const { return trace_; }
  bool hasTrace() const { return !trace_.empty(); }

 private:
  friend class Heap;
  friend class ConstantArena;
  ErrorObject() : Object(ObjectType::Error) {}
  ~ErrorObject() = default;
  ErrorTag tag_ = ErrorTag::ScriptError;
  const StringObject* message_ = nullptr;
  std::vector<TraceFrame> trace_;
};

}  // namespace brainvm

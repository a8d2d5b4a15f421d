// Values: a 16-byte tagged union. Nil, booleans, numbers and handles are
// stored inline and never allocate; strings, lists, maps, structs, enums and
// errors point to objects owned by a Heap (or, for constants, by a Program).
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace brainvm {

enum class ValueKind : uint8_t {
  Nil = 0,
  Boolean,
  Number,
  String,
  List,
  Map,
  Struct,
  Enum,
  Handle,
  Error,
  Void,
  Unknown,
};

std::string_view kindName(ValueKind kind);

// The error tags of the contract.
enum class ErrorTag : uint8_t {
  ScriptError = 0,
  HostError,
  Cancelled,
  Timeout,
  StackOverflow,
  StackUnderflow,
};
std::string_view errorTagName(ErrorTag tag);
bool parseErrorTag(std::string_view name, ErrorTag& out);

class Object;
class StringObject;
class ListObject;
class MapObject;
class StructObject;
class EnumObject;
class ErrorObject;

using HandleId = uint32_t;

class Value {
 public:
  constexpr Value() : kind_(ValueKind::Nil), bits_(0) {}

  static constexpr Value nil() { return Value(); }
  static constexpr Value voidValue() { return Value(ValueKind::Void, 0); }
  static constexpr Value unknown() { return Value(ValueKind::Unknown, 0); }
  static Value boolean(bool b) { return Value(ValueKind::Boolean, b ? 1 : 0); }
  static Value number(double d) {
    Value v;
    v.kind_ = ValueKind::Number;
    v.num_ = d;
    return v;
  }
  static Value handle(HandleId id) { return Value(ValueKind::Handle, id); }
  // Wraps an object; the kind follows the object's type.
  static Value object(Object* o);

  ValueKind kind() const { return kind_; }
  bool isNil() const { return kind_ == ValueKind::Nil; }
  bool isBool() const { return kind_ == ValueKind::Boolean; }
  bool isNumber() const { return kind_ == ValueKind::Number; }
  bool isString() const { return kind_ == ValueKind::String; }
  bool isList() const { return kind_ == ValueKind::List; }
  bool isMap() const { return kind_ == ValueKind::Map; }
  bool isStruct() const { return kind_ == ValueKind::Struct; }
  bool isEnum() const { return kind_ == ValueKind::Enum; }
  bool isHandle() const { return kind_ == ValueKind::Handle; }
  bool isError() const { return kind_ == ValueKind::Error; }
  bool isObject() const {
    return (kind_ >= ValueKind::String && kind_ <= ValueKind::Enum) ||
           kind_ == ValueKind::Error;
  }

  bool asBool() const { return bits_ != 0; }
  double asNumber() const { return num_; }
  HandleId asHandle() const { return static_cast<HandleId>(bits_); }
  Object* asObject() const { return obj_; }
  const StringObject* asString() const {
    return reinterpret_cast<const StringObject*>(obj_);
  }
  ListObject* asList() const { return reinterpret_cast<ListObject*>(obj_); }
  MapObject* asMap() const { return reinterpret_cast<MapObject*>(obj_); }
  StructObject* asStruct() const {
    return reinterpret_cast<StructObject*>(obj_);
  }
  const EnumObject* asEnum() const {
    return reinterpret_cast<const EnumObject*>(obj_);
  }
  const ErrorObject* asError() const {
    return reinterpret_cast<const ErrorObject*>(obj_);
  }
  // The string's bytes; only valid for strings.
  std::string_view stringView() const;

  // Same kind and same payload bits (identity for objects).
  bool identical(const Value& o) const {
    return kind_ == o.kind_ && bits_ == o.bits_;
  }

 private:
  constexpr Value(ValueKind k, uint64_t bits) : kind_(k), bits_(bits) {}
  // Inside the library only, a kind outside ValueKind marks "no value": an
  // undefined variable slot, a deleted map entry. Public accessors never
  // return it (lib/src/value_internals.h).
  static constexpr ValueKind kAbsentKind = static_cast<ValueKind>(0xff);
  friend struct ValueInternals;
  friend class MapObject;

  ValueKind kind_;
  union {
    double num_;
    uint64_t bits_;
    Object* obj_;
  };
};

static_assert(sizeof(Value) == 16, "Value must stay 16 bytes");

// The contract's truthiness table: nil/void/unknown false, booleans their
// value, numbers != 0 (NaN is truthy), strings non-empty, lists and maps
// non-empty, structs/enums/handles true, errors false.
bool truthy(const Value& v);

// eq/neq semantics: nil, booleans, numbers (NaN != NaN) and strings by value;
// every other kind by identity.
bool valuesEqual(const Value& a, const Value& b);

}  // namespace brainvm

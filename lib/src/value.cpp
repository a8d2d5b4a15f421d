#include "brainvm/value.h"

#include <cmath>

#include "brainvm/objects.h"

namespace brainvm {

std::string_view kindName(ValueKind kind) {
  switch (kind) {
    case ValueKind::Nil: return "nil";
    case ValueKind::Boolean: return "boolean";
    case ValueKind::Number: return "number";
    case ValueKind::String: return "string";
    case ValueKind::List: return "list";
    case ValueKind::Map: return "map";
    case ValueKind::Struct: return "struct";
    case ValueKind::Enum: return "enum";
    case ValueKind::Handle: return "handle";
    case ValueKind::Error: return "error";
    case ValueKind::Void: return "void";
    case ValueKind::Unknown: return "unknown";
  }
  return "?";
}

std::string_view errorTagName(ErrorTag tag) {
  switch (tag) {
    case ErrorTag::ScriptError: return "ScriptError";
    case ErrorTag::HostError: return "HostError";
    case ErrorTag::Cancelled: return "Cancelled";
    case ErrorTag::Timeout: return "Timeout";
    case ErrorTag::StackOverflow: return "StackOverflow";
    case ErrorTag::StackUnderflow: return "StackUnderflow";
  }
  return "?";
}

bool parseErrorTag(std::string_view name, ErrorTag& out) {
  for (int i = 0; i <= static_cast<int>(ErrorTag::StackUnderflow); ++i) {
    auto tag = static_cast<ErrorTag>(i);
    if (errorTagName(tag) == name) {
      out = tag;
      return true;
    }
  }
  return false;
}

std::string_view Value::stringView() const { return asString()->view(); }

Value Value::object(Object* o) {
  Value v;
  switch (o->type()) {
    case ObjectType::String: v.kind_ = ValueKind::String; break;
    case ObjectType::List: v.kind_ = ValueKind::List; break;
    case ObjectType::Map: v.kind_ = ValueKind::Map; break;
    case ObjectType::Struct: v.kind_ = ValueKind::Struct; break;
    case ObjectType::Enum: v.kind_ = ValueKind::Enum; break;
    case ObjectType::Error: v.kind_ = ValueKind::Error; break;
  }
  v.obj_ = o;
  return v;
}

bool truthy(const Value& v) {
  switch (v.kind()) {
    case ValueKind::Boolean: return v.asBool();
    case ValueKind::Number: return v.asNumber() != 0.0 || std::isnan(v.asNumber());
    case ValueKind::String: return v.asString()->length() > 0;
    case ValueKind::List: return v.asList()->size() > 0;
    case ValueKind::Map: return v.asMap()->size() > 0;
    case ValueKind::Struct:
    case ValueKind::Enum:
    case ValueKind::Handle: return true;
    default: return false;  // nil, void, unknown, error, absent
  }
}

bool valuesEqual(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case ValueKind::Nil:
    case ValueKind::Void:
    case ValueKind::Unknown: return true;
    case ValueKind::Boolean: return a.asBool() == b.asBool();
    case ValueKind::Number: return a.asNumber() == b.asNumber();
    case ValueKind::String: return a.stringView() == b.stringView();
    case ValueKind::Handle: return a.asHandle() == b.asHandle();
    default: return a.asObject() == b.asObject();
  }
}

uint32_t StringObject::hashBytes(std::string_view s) {
  // FNV-1a: deterministic across runs and platforms.
  uint32_t h = 2166136261u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

}  // namespace brainvm

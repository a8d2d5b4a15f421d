// Values: handles, making values, and reading and changing lists, maps,
// structs and errors through their handles.
#include "brainvm/heap.h"
#include "brainvm/objects.h"
#include "capi_internal.h"

using brainvm::Value;
using brainvm::ValueKind;

namespace bvm {

namespace {

bvm_status checkRuntime(const bvm_runtime* rt) {
  return rt && rt->rt ? BVM_OK : badArgument("runtime is NULL");
}

// The value behind a handle (BVM_NIL is nil).
bvm_status read(const bvm_runtime* rt, bvm_value h, Value& out) {
  if (bvm_status s = checkRuntime(rt)) return s;
  if (h == BVM_NIL) {
    out = Value();
    return BVM_OK;
  }
  const Value* v = rt->values.find(h);
  if (!v) return badArgument("not a live value handle of this runtime");
  out = *v;
  return BVM_OK;
}

// The value behind a handle, which must be of `kind`.
bvm_status readKind(const bvm_runtime* rt, bvm_value h, ValueKind kind,
                    Value& out) {
  if (bvm_status s = read(rt, h, out)) return s;
  if (out.kind() != kind)
    return badArgument("expected a " + std::string(brainvm::kindName(kind)) +
                       ", got " + std::string(brainvm::kindName(out.kind())));
  return BVM_OK;
}

// The shape of the plain accessors: the value behind `h`, of `kind`, and a
// non-NULL out-parameter; then `fill` writes the answer.
template <class Out, class Fill>
bvm_status readInto(const bvm_runtime* rt, bvm_value h, ValueKind kind,
                    Out* out, Fill&& fill) {
  return guard([&] {
    Value value;
    if (bvm_status s = readKind(rt, h, kind, value)) return s;
    if (bvm_status s = checkOut(out)) return s;
    fill(value);
    return BVM_OK;
  });
}

bvm_status outOfMemory(bvm_runtime* rt) {
  return fail(BVM_ERR_LIMIT, std::string("out of memory: ") +
                                 rt->rt->heap().failureReason());
}

bool validKey(const Value& k) { return k.isNumber() || k.isString(); }

bvm_status checkKey(const Value& k) {
  return validKey(k) ? BVM_OK
                     : badArgument("a map key must be a number or a string, got " +
                                   std::string(brainvm::kindName(k.kind())));
}

std::string_view text(const char* data, size_t length) {
  return std::string_view(data ? data : "", data ? length : 0);
}

}  // namespace

bvm_status give(bvm_runtime* rt, const Value& v, bvm_value* out) {
  if (bvm_status s = checkOut(out)) return s;
  const bvm_kind k = kindOf(v);
  *out = k == BVM_KIND_NIL ? BVM_NIL : rt->values.add(*rt->rt, v);
  return BVM_OK;
}

bvm_status valueOf(const bvm_runtime* rt, bvm_value h, Value& out) {
  return read(rt, h, out);
}

bvm_kind kindOf(const Value& v) {
  switch (v.kind()) {
    case ValueKind::Nil:
    case ValueKind::Void:
    case ValueKind::Unknown: return BVM_KIND_NIL;
    case ValueKind::Boolean: return BVM_KIND_BOOLEAN;
    case ValueKind::Number: return BVM_KIND_NUMBER;
    case ValueKind::String: return BVM_KIND_STRING;
    case ValueKind::List: return BVM_KIND_LIST;
    case ValueKind::Map: return BVM_KIND_MAP;
    case ValueKind::Struct: return BVM_KIND_STRUCT;
    case ValueKind::Enum: return BVM_KIND_ENUM;
    case ValueKind::Handle: return BVM_KIND_HANDLE;
    case ValueKind::Error: return BVM_KIND_ERROR;
  }
  return BVM_KIND_INVALID;
}

bool tagFrom(bvm_error_tag tag, brainvm::ErrorTag& out) {
  if (tag < BVM_TAG_SCRIPT_ERROR || tag > BVM_TAG_STACK_UNDERFLOW) return false;
  out = static_cast<brainvm::ErrorTag>(tag);
  return true;
}

}  // namespace bvm

using namespace bvm;

extern "C" {

BVM_API const char* bvm_kind_name(bvm_kind kind) {
  switch (kind) {
    case BVM_KIND_INVALID: return "invalid";
    case BVM_KIND_NIL: return "nil";
    case BVM_KIND_BOOLEAN: return "boolean";
    case BVM_KIND_NUMBER: return "number";
    case BVM_KIND_STRING: return "string";
    case BVM_KIND_LIST: return "list";
    case BVM_KIND_MAP: return "map";
    case BVM_KIND_STRUCT: return "struct";
    case BVM_KIND_ENUM: return "enum";
    case BVM_KIND_HANDLE: return "handle";
    case BVM_KIND_ERROR: return "error";
  }
  return "invalid";
}

BVM_API const char* bvm_error_tag_name(bvm_error_tag tag) {
  brainvm::ErrorTag t;
  if (!tagFrom(tag, t)) return "?";
  return brainvm::errorTagName(t).data();  // static, NUL-terminated literals
}

BVM_API bvm_kind bvm_value_kind(const bvm_runtime* rt, bvm_value v) {
  if (!rt || !rt->rt) return BVM_KIND_INVALID;
  if (v == BVM_NIL) return BVM_KIND_NIL;
  const Value* value = rt->values.find(v);
  return value ? kindOf(*value) : BVM_KIND_INVALID;
}

BVM_API void bvm_value_release(bvm_runtime* rt, bvm_value v) {
  if (!rt || !rt->rt || v == BVM_NIL) return;
  try {
    rt->values.release(*rt->rt, v);
  } catch (...) {
    // Unpinning can only fail to remember a free pin slot; nothing to do.
  }
}

BVM_API bvm_status bvm_value_retain(bvm_runtime* rt, bvm_value v,
                                    bvm_value* out) {
  return guard([&] {
    Value value;
    if (bvm_status s = read(rt, v, value)) return s;
    if (bvm_status s = checkOut(out)) return s;
    *out = kindOf(value) == BVM_KIND_NIL
               ? BVM_NIL
               : rt->values.addLasting(*rt->rt, value);
    return BVM_OK;
  });
}

BVM_API size_t bvm_runtime_value_count(const bvm_runtime* rt) {
  return rt ? rt->values.live() : 0;
}

BVM_API int bvm_value_equal(const bvm_runtime* rt, bvm_value a, bvm_value b) {
  Value x, y;
  if (!rt || !rt->rt) return 0;
  if (a != BVM_NIL && !rt->values.find(a)) return 0;
  if (b != BVM_NIL && !rt->values.find(b)) return 0;
  x = a == BVM_NIL ? Value() : *rt->values.find(a);
  y = b == BVM_NIL ? Value() : *rt->values.find(b);
  return brainvm::valuesEqual(x, y) ? 1 : 0;
}

BVM_API uint64_t bvm_value_identity(const bvm_runtime* rt, bvm_value v) {
  if (!rt || v == BVM_NIL) return 0;
  const Value* value = rt->values.find(v);
  if (!value || !value->isObject() || value->isString()) return 0;
  return reinterpret_cast<uintptr_t>(value->asObject());
}

// --- making values ---

BVM_API bvm_status bvm_value_new_boolean(bvm_runtime* rt, int b,
                                         bvm_value* out) {
  return guard([&] {
    if (bvm_status s = checkRuntime(rt)) return s;
    return give(rt, Value::boolean(b != 0), out);
  });
}

BVM_API bvm_status bvm_value_new_number(bvm_runtime* rt, double d,
                                        bvm_value* out) {
  return guard([&] {
    if (bvm_status s = checkRuntime(rt)) return s;
    return give(rt, Value::number(d), out);
  });
}

BVM_API bvm_status bvm_value_new_string(bvm_runtime* rt, const char* data,
                                        size_t length, bvm_value* out) {
  return guard([&] {
    if (bvm_status s = checkRuntime(rt)) return s;
    if (bvm_status s = checkOut(out)) return s;
    if (!data && length) return badArgument("text is NULL");
    brainvm::StringObject* str = rt->rt->heap().newString(text(data, length));
    if (!str) return outOfMemory(rt);
    return give(rt, Value::object(str), out);
  });
}

BVM_API bvm_status bvm_value_new_list(bvm_runtime* rt, bvm_value* out) {
  return guard([&] {
    if (bvm_status s = checkRuntime(rt)) return s;
    if (bvm_status s = checkOut(out)) return s;
    brainvm::ListObject* list = rt->rt->heap().newList();
    if (!list) return outOfMemory(rt);
    return give(rt, Value::object(list), out);
  });
}

BVM_API bvm_status bvm_value_new_map(bvm_runtime* rt, bvm_value* out) {
  return guard([&] {
    if (bvm_status s = checkRuntime(rt)) return s;
    if (bvm_status s = checkOut(out)) return s;
    brainvm::MapObject* map = rt->rt->heap().newMap();
    if (!map) return outOfMemory(rt);
    return give(rt, Value::object(map), out);
  });
}

BVM_API bvm_status bvm_value_new_struct(bvm_runtime* rt, const char* type_name,
                                        size_t type_name_length,
                                        bvm_value* out) {
  return guard([&] {
    if (bvm_status s = checkRuntime(rt)) return s;
    if (bvm_status s = checkOut(out)) return s;
    brainvm::Heap& heap = rt->rt->heap();
    const brainvm::StringObject* name = nullptr;
    if (type_name) {
      name = heap.newString(text(type_name, type_name_length));
      if (!name) return outOfMemory(rt);
    }
    // Allocation never collects, so `name` is safe until the struct holds it.
    brainvm::StructObject* s = heap.newStruct(name);
    if (!s) return outOfMemory(rt);
    return give(rt, Value::object(s), out);
  });
}

BVM_API bvm_status bvm_value_new_error(bvm_runtime* rt, bvm_error_tag tag,
                                       const char* message, size_t length,
                                       bvm_value* out) {
  return guard([&] {
    if (bvm_status s = checkRuntime(rt)) return s;
    if (bvm_status s = checkOut(out)) return s;
    brainvm::ErrorTag t;
    if (!tagFrom(tag, t)) return badArgument("unknown error tag");
    brainvm::Heap& heap = rt->rt->heap();
    brainvm::StringObject* msg = heap.newString(text(message, length));
    if (!msg) return outOfMemory(rt);
    brainvm::ErrorObject* e = heap.newError(t, msg);
    if (!e) return outOfMemory(rt);
    return give(rt, Value::object(e), out);
  });
}

// --- scalars ---

BVM_API bvm_status bvm_value_get_boolean(const bvm_runtime* rt, bvm_value v,
                                         int* out) {
  return readInto(rt, v, ValueKind::Boolean, out, [&](const Value& value) {
    *out = value.asBool() ? 1 : 0;
  });
}

BVM_API bvm_status bvm_value_get_number(const bvm_runtime* rt, bvm_value v,
                                        double* out) {
  return readInto(rt, v, ValueKind::Number, out, [&](const Value& value) {
    *out = value.asNumber();
  });
}

BVM_API bvm_status bvm_value_get_string(const bvm_runtime* rt, bvm_value v,
                                        const char** data, size_t* length) {
  return readInto(rt, v, ValueKind::String, data, [&](const Value& value) {
    std::string_view sv = value.asString()->view();
    *data = sv.data();
    if (length) *length = sv.size();
  });
}

BVM_API bvm_status bvm_value_get_handle(const bvm_runtime* rt, bvm_value v,
                                        uint32_t* out) {
  return readInto(rt, v, ValueKind::Handle, out, [&](const Value& value) {
    *out = value.asHandle();
  });
}

// --- lists ---

BVM_API bvm_status bvm_value_list_length(const bvm_runtime* rt, bvm_value list,
                                         size_t* out) {
  return readInto(rt, list, ValueKind::List, out, [&](const Value& value) {
    *out = value.asList()->size();
  });
}

BVM_API bvm_status bvm_value_list_get(bvm_runtime* rt, bvm_value list,
                                      size_t index, bvm_value* out) {
  return guard([&] {
    Value value;
    if (bvm_status s = readKind(rt, list, ValueKind::List, value)) return s;
    if (index >= value.asList()->size())
      return badArgument("list index " + std::to_string(index) +
                         " out of range (length " +
                         std::to_string(value.asList()->size()) + ")");
    return give(rt, value.asList()->at(static_cast<uint32_t>(index)), out);
  });
}

BVM_API bvm_status bvm_value_list_set(bvm_runtime* rt, bvm_value list,
                                      size_t index, bvm_value item) {
  return guard([&] {
    Value l, v;
    if (bvm_status s = readKind(rt, list, ValueKind::List, l)) return s;
    if (bvm_status s = read(rt, item, v)) return s;
    brainvm::ListObject* obj = l.asList();
    if (index == obj->size())
      return rt->rt->heap().listPush(obj, v) ? BVM_OK : outOfMemory(rt);
    if (index > obj->size())
      return badArgument("list index " + std::to_string(index) +
                         " out of range (length " +
                         std::to_string(obj->size()) + ")");
    rt->rt->heap().listSet(obj, static_cast<uint32_t>(index), v);
    return BVM_OK;
  });
}

BVM_API bvm_status bvm_value_list_push(bvm_runtime* rt, bvm_value list,
                                       bvm_value item) {
  return guard([&] {
    Value l, v;
    if (bvm_status s = readKind(rt, list, ValueKind::List, l)) return s;
    if (bvm_status s = read(rt, item, v)) return s;
    return rt->rt->heap().listPush(l.asList(), v) ? BVM_OK : outOfMemory(rt);
  });
}

// --- maps ---

BVM_API bvm_status bvm_value_map_length(const bvm_runtime* rt, bvm_value map,
                                        size_t* out) {
  return readInto(rt, map, ValueKind::Map, out, [&](const Value& value) {
    *out = value.asMap()->size();
  });
}

BVM_API bvm_status bvm_value_map_entries(bvm_runtime* rt, bvm_value map,
                                         bvm_value* keys, bvm_value* values,
                                         size_t capacity, size_t* count) {
  return guard([&] {
    Value m;
    if (bvm_status s = readKind(rt, map, ValueKind::Map, m)) return s;
    // Copy the entries first: making handles cannot change the map, but a
    // failure half-way must release what was made.
    std::vector<std::pair<Value, Value>> entries;
    entries.reserve(std::min<size_t>(capacity, m.asMap()->size()));
    m.asMap()->forEach([&](const Value& k, const Value& v) {
      if (entries.size() < capacity) entries.emplace_back(k, v);
    });
    std::vector<bvm_value> made;
    made.reserve(entries.size() * 2);
    try {
      for (size_t i = 0; i < entries.size(); ++i) {
        bvm_value k = BVM_NIL, v = BVM_NIL;
        if (keys) give(rt, entries[i].first, &k), made.push_back(k);
        if (values) give(rt, entries[i].second, &v), made.push_back(v);
        if (keys) keys[i] = k;
        if (values) values[i] = v;
      }
    } catch (...) {
      for (bvm_value h : made) bvm_value_release(rt, h);
      throw;
    }
    if (count) *count = entries.size();
    return BVM_OK;
  });
}

BVM_API bvm_status bvm_value_map_get(bvm_runtime* rt, bvm_value map,
                                     bvm_value key, bvm_value* out,
                                     int* found) {
  return guard([&] {
    Value m, k;
    if (bvm_status s = readKind(rt, map, ValueKind::Map, m)) return s;
    if (bvm_status s = read(rt, key, k)) return s;
    if (bvm_status s = checkOut(out)) return s;
    const Value* v = validKey(k) ? m.asMap()->find(k) : nullptr;
    if (found) *found = v ? 1 : 0;
    if (!v) {
      *out = BVM_NIL;
      return BVM_OK;
    }
    return give(rt, *v, out);
  });
}

BVM_API bvm_status bvm_value_map_set(bvm_runtime* rt, bvm_value map,
                                     bvm_value key, bvm_value value) {
  return guard([&] {
    Value m, k, v;
    if (bvm_status s = readKind(rt, map, ValueKind::Map, m)) return s;
    if (bvm_status s = read(rt, key, k)) return s;
    if (bvm_status s = read(rt, value, v)) return s;
    if (bvm_status s = checkKey(k)) return s;
    return rt->rt->heap().mapSet(m.asMap(), k, v) ? BVM_OK : outOfMemory(rt);
  });
}

BVM_API bvm_status bvm_value_map_delete(bvm_runtime* rt, bvm_value map,
                                        bvm_value key) {
  return guard([&] {
    Value m, k;
    if (bvm_status s = readKind(rt, map, ValueKind::Map, m)) return s;
    if (bvm_status s = read(rt, key, k)) return s;
    if (bvm_status s = checkKey(k)) return s;
    return rt->rt->heap().mapDelete(m.asMap(), k) ? BVM_OK : outOfMemory(rt);
  });
}

// --- structs ---

BVM_API bvm_status bvm_value_struct_type(const bvm_runtime* rt, bvm_value s,
                                         const char** name, size_t* length) {
  return readInto(rt, s, ValueKind::Struct, name, [&](const Value& value) {
    const brainvm::StringObject* type = value.asStruct()->typeName();
    *name = type ? type->view().data() : nullptr;
    if (length) *length = type ? type->length() : 0;
  });
}

BVM_API bvm_status bvm_value_struct_field_count(const bvm_runtime* rt,
                                                bvm_value s, size_t* out) {
  return readInto(rt, s, ValueKind::Struct, out, [&](const Value& value) {
    *out = value.asStruct()->fieldCount();
  });
}

BVM_API bvm_status bvm_value_struct_field(bvm_runtime* rt, bvm_value s,
                                          size_t index, const char** name,
                                          size_t* name_length,
                                          bvm_value* value) {
  return guard([&] {
    Value v;
    if (bvm_status st = readKind(rt, s, ValueKind::Struct, v)) return st;
    const brainvm::StructObject* obj = v.asStruct();
    if (index >= obj->fieldCount())
      return badArgument("struct field " + std::to_string(index) +
                         " out of range (" +
                         std::to_string(obj->fieldCount()) + " fields)");
    const auto& field = obj->field(static_cast<uint32_t>(index));
    if (value)
      if (bvm_status st = give(rt, field.value, value)) return st;
    if (name) *name = field.name->view().data();
    if (name_length) *name_length = field.name->length();
    return BVM_OK;
  });
}

BVM_API bvm_status bvm_value_struct_get(bvm_runtime* rt, bvm_value s,
                                        const char* name, size_t length,
                                        bvm_value* out, int* found) {
  return guard([&] {
    Value v;
    if (bvm_status st = readKind(rt, s, ValueKind::Struct, v)) return st;
    if (bvm_status st = checkOut(out)) return st;
    const Value* field = v.asStruct()->find(text(name, length));
    if (found) *found = field ? 1 : 0;
    if (!field) {
      *out = BVM_NIL;
      return BVM_OK;
    }
    return give(rt, *field, out);
  });
}

BVM_API bvm_status bvm_value_struct_set(bvm_runtime* rt, bvm_value s,
                                        const char* name, size_t length,
                                        bvm_value value) {
  return guard([&] {
    Value v, item;
    if (bvm_status st = readKind(rt, s, ValueKind::Struct, v)) return st;
    if (bvm_status st = read(rt, value, item)) return st;
    if (!name) return badArgument("field name is NULL");
    brainvm::Heap& heap = rt->rt->heap();
    brainvm::StringObject* key = heap.newString(text(name, length));
    if (!key) return outOfMemory(rt);
    return heap.structSet(v.asStruct(), key, item) ? BVM_OK : outOfMemory(rt);
  });
}

// --- errors ---

BVM_API bvm_status bvm_value_error_tag(const bvm_runtime* rt, bvm_value e,
                                       bvm_error_tag* out) {
  return readInto(rt, e, ValueKind::Error, out, [&](const Value& value) {
    *out = static_cast<bvm_error_tag>(value.asError()->tag());
  });
}

BVM_API bvm_status bvm_value_error_message(const bvm_runtime* rt, bvm_value e,
                                           const char** data, size_t* length) {
  return readInto(rt, e, ValueKind::Error, data, [&](const Value& value) {
    const brainvm::StringObject* msg = value.asError()->message();
    *data = msg ? msg->view().data() : "";
    if (length) *length = msg ? msg->length() : 0;
  });
}

BVM_API bvm_status bvm_value_error_trace_length(const bvm_runtime* rt,
                                                bvm_value e, size_t* out) {
  return readInto(rt, e, ValueKind::Error, out, [&](const Value& value) {
    *out = value.asError()->trace().size();
  });
}

BVM_API bvm_status bvm_value_error_trace_frame(const bvm_runtime* rt,
                                               bvm_value e, size_t index,
                                               const char** function,
                                               uint32_t* pc, uint32_t* line) {
  return guard([&] {
    Value v;
    if (bvm_status s = readKind(rt, e, ValueKind::Error, v)) return s;
    const auto& trace = v.asError()->trace();
    if (index >= trace.size())
      return badArgument("trace frame " + std::to_string(index) +
                         " out of range");
    const brainvm::TraceFrame& f = trace[index];
    const auto& functions = rt->rt->program().functions;
    if (function)
      *function =
          f.function < functions.size() ? functions[f.function].name.c_str()
                                        : "?";
    if (pc) *pc = f.pc;
    if (line) *line = f.line;
    return BVM_OK;
  });
}

}  // extern "C"

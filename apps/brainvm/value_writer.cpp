#include "value_writer.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace brainvm::cli {

namespace {

std::string_view objectString(const StringObject* s) {
  return s != nullptr ? s->view() : std::string_view();
}

}  // namespace

void ValueWriter::valueAt(const Value& v, uint32_t depth) {
  if (!countNode()) return marker("$truncated");
  char buf[24];
  if (std::optional<std::string_view> text = scalarJson(v, buf))
    return out_.token(*text);
  switch (v.kind()) {
    case ValueKind::Number:
      return number(v.asNumber());
    case ValueKind::String:
      return out_.string(v.stringView());
    case ValueKind::Handle:
      out_.beginObject();
      out_.key("$handle");
      out_.unsignedNumber(v.asHandle());
      return out_.endObject();
    case ValueKind::Enum:
      out_.beginObject();
      out_.key("$enum");
      out_.string(objectString(v.asEnum()->typeId()));
      out_.key("value");
      out_.string(objectString(v.asEnum()->key()));
      return out_.endObject();
    case ValueKind::Error:
      out_.beginObject();
      out_.key("$error");
      errorBody(*v.asError());
      return out_.endObject();
    case ValueKind::List:
    case ValueKind::Map:
    case ValueKind::Struct:
      return container(v, depth);
    default:  // the scalars above
      return;
  }
}

// A number that is not written as an integer.
void ValueWriter::number(double d) {
  if (std::isnan(d) || std::isinf(d)) {
    out_.beginObject();
    out_.key("$number");
    out_.string(std::isnan(d) ? "NaN" : (d > 0 ? "Infinity" : "-Infinity"));
    return out_.endObject();
  }
  // Shortest round-trip form, exactly as nlohmann writes it (1e+300, 0.1,
  // 9007199254740992.0).
  out_.token(nlohmann::json(d).dump());
}

void ValueWriter::container(const Value& v, uint32_t depth) {
  const Object* obj = v.asObject();
  if (std::find(active_.begin(), active_.end(), obj) != active_.end())
    return marker("$cycle");
  if (depth >= limits_.maxDepth) return marker("$deep");
  active_.push_back(obj);
  if (v.isList()) {
    out_.beginArray();
    for (const Value& item : *v.asList()) valueAt(item, depth + 1);
    out_.endArray();
  } else if (v.isMap()) {
    out_.beginObject();
    out_.key("$map");
    out_.beginArray();
    v.asMap()->forEach([&](const Value& key, const Value& value) {
      out_.beginArray();
      valueAt(key, depth + 1);
      valueAt(value, depth + 1);
      out_.endArray();
    });
    out_.endArray();
    out_.endObject();
  } else {
    const StructObject* s = v.asStruct();
    out_.beginObject();
    out_.key("$struct");
    if (s->typeName() != nullptr)
      out_.string(s->typeName()->view());
    else
      out_.null();
    out_.key("fields");
    out_.beginObject();
    for (uint32_t i = 0; i < s->fieldCount(); ++i) {
      const StructObject::Field& f = s->field(i);
      out_.key(objectString(f.name));
      valueAt(f.value, depth + 1);
    }
    out_.endObject();
    out_.endObject();
  }
  active_.pop_back();
}

void ValueWriter::errorBody(const ErrorObject& error) {
  out_.beginObject();
  out_.key("tag");
  out_.string(errorTagName(error.tag()));
  out_.key("message");
  out_.string(objectString(error.message()));
  if (error.hasTrace()) {
    out_.key("trace");
    out_.beginArray();
    for (const TraceFrame& f : error.trace()) {
      out_.beginObject();
      out_.key("function");
      if (program_ != nullptr && f.function < program_->functions.size())
        out_.string(program_->functions[f.function].name);
      else
        out_.string("#" + std::to_string(f.function));
      out_.key("pc");
      out_.unsignedNumber(f.pc);
      if (f.line > 0) {
        out_.key("line");
        out_.unsignedNumber(f.line);
      }
      out_.endObject();
    }
    out_.endArray();
  }
  out_.endObject();
}

// {"$cycle": true} and the like: where the writer does not recurse.
void ValueWriter::marker(std::string_view key) {
  out_.beginObject();
  out_.key(key);
  out_.token("true");
  out_.endObject();
}

std::string valueToJson(const Value& v, const Program* program,
                        EncodeLimits limits) {
  std::string text;
  {
    JsonWriter out(text, false);  // sets the text's length when it goes
    ValueWriter(out, program, limits).value(v);
  }
  return text;
}

}  // namespace brainvm::cli

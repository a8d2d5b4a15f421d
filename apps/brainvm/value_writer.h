// Values written as JSON in the encoding of the run report (contract
// section 6; docs/cli.md "Value encoding"): nil, void and unknown are null;
// booleans; finite numbers as JSON numbers (integral values with |x| < 2^53
// without a fraction, others in shortest round-trip form); NaN and
// infinities as {"$number": "NaN" | "Infinity" | "-Infinity"}; strings;
// lists as arrays; maps as {"$map": [[key, value], ...]} in insertion order;
// structs as {"$struct": "Type" | null, "fields": {...}} in field order;
// errors as {"$error": {"tag", "message", "trace"?}}; handles as
// {"$handle": id}; enums as {"$enum": "TypeId", "value": "key"}. A container
// already being written is {"$cycle": true}; nesting deeper than
// EncodeLimits::maxDepth is {"$deep": true}; once EncodeLimits::maxNodes
// values have been written, every further value is {"$truncated": true}.
// Writing never recurses deeper than maxDepth. (The reverse direction, JSON
// inputs to values, is value_json.h.)
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "brainvm/objects.h"
#include "brainvm/program.h"
#include "brainvm/value.h"
#include "json_writer.h"

namespace brainvm::cli {

struct EncodeLimits {
  uint32_t maxDepth = 256;         // containers nested inside each other
  uint64_t maxNodes = 10'000'000;  // values per writer (whole report)
};

// Whether a number is written as an integer (integral, |d| < 2^53).
inline bool isJsonInteger(double d) {
  return std::trunc(d) == d && std::fabs(d) < 9007199254740992.0;
}

// The JSON of a nil-like, boolean or integer-written number value (digits
// go into `buf`); nullopt for any other value.
inline std::optional<std::string_view> scalarJson(const Value& v,
                                                  char (&buf)[24]) {
  switch (v.kind()) {
    case ValueKind::Nil:
    case ValueKind::Void:
    case ValueKind::Unknown:
      return "null";
    case ValueKind::Boolean:
      return v.asBool() ? "true" : "false";
    case ValueKind::Number: {
      const double d = v.asNumber();
      if (!isJsonInteger(d)) return std::nullopt;
      auto [end, ec] =
          std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(d));
      return std::string_view(buf, static_cast<size_t>(end - buf));
    }
    default:
      return std::nullopt;
  }
}

// Writes values onto a JsonWriter. One ValueWriter keeps a node count
// across calls, so that a whole report stays bounded even when its values
// share structure.
class ValueWriter {
 public:
  // `program` names the functions of error traces (may be null: traces then
  // use "#<id>").
  ValueWriter(JsonWriter& out, const Program* program, EncodeLimits limits = {})
      : out_(out), program_(program), limits_(limits) {}

  void value(const Value& v) { valueAt(v, 0); }
  // The body of an error: {"tag", "message", "trace"?}. Trace frames are
  // {"function", "pc", "line"}; "line" is omitted without debug info. Not
  // counted as a node.
  void errorBody(const ErrorObject& error);
  // Counts one value written by the caller without value(); false once the
  // node limit is passed, when value() would write {"$truncated": true}.
  bool countNode() { return ++nodes_ <= limits_.maxNodes; }

 private:
  void valueAt(const Value& v, uint32_t depth);
  void number(double d);
  void container(const Value& v, uint32_t depth);
  void marker(std::string_view key);

  JsonWriter& out_;
  const Program* program_;
  EncodeLimits limits_;
  uint64_t nodes_ = 0;
  std::vector<const Object*> active_;  // containers being written
};

// One value, compact, without a newline.
std::string valueToJson(const Value& v, const Program* program = nullptr,
                        EncodeLimits limits = {});

}  // namespace brainvm::cli

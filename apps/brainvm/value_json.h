// Values <-> JSON, in the encoding of the run report (contract section 6;
// docs/cli.md "Value encoding").
//
// Encoding (Value -> JSON): nil, void and unknown are null; booleans; finite
// numbers as JSON numbers (integral values with |x| < 2^53 without a
// fraction, others in shortest round-trip form); NaN and infinities as
// {"$number": "NaN" | "Infinity" | "-Infinity"}; strings; lists as arrays;
// maps as {"$map": [[key, value], ...]} in insertion order; structs as
// {"$struct": "Type" | null, "fields": {...}} in field order; errors as
// {"$error": {"tag", "message", "trace"?}}; handles as {"$handle": id}; enums
// as {"$enum": "TypeId", "value": "key"}. A container already being printed
// is {"$cycle": true}; nesting deeper than EncodeLimits::maxDepth is
// {"$deep": true}; once EncodeLimits::maxNodes values have been encoded,
// every further value is {"$truncated": true}. Encoding never recurses
// deeper than maxDepth.
//
// Decoding (JSON -> Value, for --var/--vars/--env) accepts the same forms
// except $handle, $cycle, $deep and $truncated; a plain JSON object becomes a
// map with string keys in document order; arrays become lists.
#pragma once

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "brainvm/heap.h"
#include "brainvm/objects.h"
#include "brainvm/program.h"
#include "brainvm/value.h"

namespace brainvm::cli {

using Json = nlohmann::ordered_json;

struct EncodeLimits {
  uint32_t maxDepth = 256;         // containers nested inside each other
  uint64_t maxNodes = 10'000'000;  // values per encoder (whole report)
};

// Encodes values. One encoder keeps a node count across calls so that a
// whole report stays bounded even when values share structure.
class ValueEncoder {
 public:
  // `program` names the functions of error traces (may be null: traces then
  // use "#<id>").
  explicit ValueEncoder(const Program* program, EncodeLimits limits = {});

  Json encode(const Value& v);
  // The body of an error: {"tag", "message", "trace"?}. Trace frames are
  // {"function", "pc", "line"}; "line" is omitted without debug info.
  Json encodeErrorBody(const ErrorObject& error);
  // Counts one value written without encode() (a scalar); false once the
  // node limit is passed, when encode() would give {"$truncated": true}.
  bool countNode() { return ++nodes_ <= limits_.maxNodes; }

 private:
  Json encodeAt(const Value& v, uint32_t depth);
  bool active(const Object* o) const;

  const Program* program_;
  EncodeLimits limits_;
  uint64_t nodes_ = 0;
  std::vector<const Object*> active_;
};

// A number in the report encoding.
Json numberToJson(double d);
// Whether numberToJson writes `d` as an integer (integral, |d| < 2^53).
inline bool isJsonInteger(double d) {
  return std::trunc(d) == d && std::fabs(d) < 9007199254740992.0;
}

// Parses JSON text, refusing nesting deeper than `maxDepth` before parsing.
// Objects keep their key order. On failure returns false with a message.
bool parseJsonText(std::string_view text, Json& out, std::string& error,
                   uint32_t maxDepth = 64);

// Converts JSON to a value. With heap == nullptr only validates the shape
// (nothing is allocated; `out` is left nil). Returns false with a message on
// an invalid or refused form, or when the heap is out of memory.
bool jsonToValue(const Json& json, Heap* heap, Value& out, std::string& error);

}  // namespace brainvm::cli

// JSON inputs to values, for --var/--vars/--env (docs/cli.md "Value
// encoding"; writing values as JSON is value_writer.h). The forms of the
// report's encoding are accepted except $handle, $cycle, $deep and
// $truncated; a plain JSON object becomes a map with string keys in document
// order; arrays become lists.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "brainvm/heap.h"
#include "brainvm/objects.h"
#include "brainvm/value.h"

namespace brainvm::cli {

using Json = nlohmann::ordered_json;

// Parses JSON text, refusing nesting deeper than `maxDepth` before parsing.
// Objects keep their key order. On failure returns false with a message.
bool parseJsonText(std::string_view text, Json& out, std::string& error,
                   uint32_t maxDepth = 64);

// Converts JSON to a value. With heap == nullptr only validates the shape
// (nothing is allocated; `out` is left nil). Returns false with a message on
// an invalid or refused form, or when the heap is out of memory.
bool jsonToValue(const Json& json, Heap* heap, Value& out, std::string& error);

}  // namespace brainvm::cli

// Values as `brainvm dap` shows them: their text, and the numbered
// references (variablesReference) by which a client expands the scopes of a
// frame and lists, maps and structs. References are good for one stop: the
// program may change or collect the values once it runs again.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "brainvm/runtime.h"
#include "brainvm/value.h"
#include "dap_protocol.h"

namespace brainvm::dap {

// to_string's text, except that a string is quoted as inside a container
// (so that the string "nil" and nil differ), cut after 4096 bytes.
std::string valueText(const Value& v);

class VariableRefs {
 public:
  enum class Scope { Locals, Operands, Shared };
  struct Entry {
    bool isScope = false;
    Scope scope = Scope::Locals;  // isScope: which one, of fiber's frame
    FiberId fiber = 0;
    size_t frame = 0;
    Value value;  // !isScope: a list, map or struct
  };
  int64_t scope(Scope scope, FiberId fiber, size_t frame);
  // 0 for a value with nothing to expand.
  int64_t container(const Value& v);
  const Entry* find(int64_t ref) const;
  void clear();

 private:
  std::vector<Entry> entries_;  // reference = index + 1
  std::map<const void*, int64_t> byObject_;
  std::map<std::tuple<int, FiberId, size_t>, int64_t> byScope_;
};

// A DAP Variable: name, value text, type (the kind's name) and, for a
// container, its reference and child counts.
Json variableJson(const std::string& name, const Value& v, VariableRefs& refs);

// A container's children, `count` (0 = all) from `start`: list items as
// "[0]", "[1]"...; map entries named by their key's text ("k" quoted, 1
// not); struct fields by name. `indexed` picks list items, `named` the others.
std::vector<std::pair<std::string, Value>> children(
    const Value& container, VariablesArguments::Filter filter, int64_t start,
    int64_t count);

}  // namespace brainvm::dap

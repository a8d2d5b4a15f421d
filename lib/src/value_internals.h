// The library's marker for "no value here": an undefined slot of the shared
// scope or a fiber's variables, a deleted map entry. It is a Value so that
// those tables stay flat arrays, and it never leaves the library: public
// accessors skip or translate it, so hosts and programs never see it.
#pragma once

#include "brainvm/value.h"

namespace brainvm {

struct ValueInternals {
  static constexpr Value absent() { return Value(Value::kAbsentKind, 0); }
  static constexpr bool isAbsent(const Value& v) {
    return v.kind_ == Value::kAbsentKind;
  }
};

inline constexpr Value absentValue() { return ValueInternals::absent(); }
inline constexpr bool isAbsent(const Value& v) {
  return ValueInternals::isAbsent(v);
}

}  // namespace brainvm

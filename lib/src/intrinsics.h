// Intrinsics: built-in host functions with plain arithmetic or comparison
// semantics on two numbers, which the interpreter computes inline (also in
// fused instructions) instead of calling them. Only the built-in library
// marks functions as intrinsic (HostRegistry::addIntrinsic); a function
// registered by anyone else under the same name is called as usual.
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>

#include "brainvm/host.h"

namespace brainvm {

enum class Intrinsic : uint8_t {
  None, Add, Sub, Mul, Lt, Le, Gt, Ge, Eq, Neq, Div, Mod
};

// Whether the interpreter may compute `op` on numbers with this divisor
// itself: Div and Mod (x / y, fmod(x, y)) only when y is not 0; with y == 0
// the host function is called (the built-ins raise "division by zero").
inline bool intrinsicApplies(Intrinsic op, double divisor) {
  return (op != Intrinsic::Div && op != Intrinsic::Mod) || divisor != 0;
}

// fmod(x, y) (the contract's `mod`: the sign of the dividend), with a fast
// path for integers, the common case (ticks modulo N): exact there, and the
// same bits as fmod, a zero result's sign included (the dividend's).
inline double numberRemainder(double x, double y) {
  constexpr double kExact = 9007199254740992.0;  // 2^53
  if (x > -kExact && x < kExact && y > -kExact && y < kExact) {
    const int64_t ix = static_cast<int64_t>(x), iy = static_cast<int64_t>(y);
    if (static_cast<double>(ix) == x && static_cast<double>(iy) == y && iy != 0) {
      const int64_t r = ix % iy;
      return r != 0 ? static_cast<double>(r) : std::copysign(0.0, x);
    }
  }
  return std::fmod(x, y);
}

// The intrinsic of the built-in sync function `name` (None if it has none or
// is not a built-in).
Intrinsic builtinIntrinsicOf(std::string_view name);

}  // namespace brainvm

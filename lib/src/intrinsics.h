// Intrinsics: built-in host functions with plain arithmetic or comparison
// semantics on two numbers, which the interpreter computes inline (also in
// fused instructions) instead of calling them. Only the built-in library
// marks functions as intrinsic (HostRegistry::addIntrinsic); a function
// registered by anyone else under the same name is called as usual.
#pragma once

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
// same bits as fmod, a zero result's sign included (the dividend's). Out of
// line (builtins.cpp), as fmod is: inlined into every fused handler of the
// interpreter it would cost the other operations their code layout.
double numberRemainder(double x, double y);

// The intrinsic of the built-in sync function `name` (None if it has none or
// is not a built-in).
Intrinsic builtinIntrinsicOf(std::string_view name);

}  // namespace brainvm

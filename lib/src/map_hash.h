// Key normalisation and hashing shared by MapObject lookups and Heap inserts.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "brainvm/objects.h"

namespace brainvm {

inline constexpr uint32_t kMapDeleted = UINT32_MAX;

// SameValueZero: -0 becomes +0 and every NaN the canonical NaN.
inline Value normalizeMapKey(const Value& k) {
  if (k.isNumber()) {
    double d = k.asNumber();
    if (d == 0.0) return Value::number(0.0);
    if (std::isnan(d)) return Value::number(std::numeric_limits<double>::quiet_NaN());
  }
  return k;
}

inline uint32_t mapKeyHash(const Value& k) {
  if (k.isString()) return k.asString()->hash();
  double d = k.asNumber();
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  bits ^= bits >> 33;
  bits *= 0xff51afd7ed558ccdull;
  bits ^= bits >> 33;
  return static_cast<uint32_t>(bits) ^ 0x9e3779b9u;
}

// Keys are already normalised.
inline bool mapKeysEqual(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  if (a.isNumber()) {
    double x = a.asNumber(), y = b.asNumber();
    return x == y || (std::isnan(x) && std::isnan(y));
  }
  const StringObject* s = a.asString();
  const StringObject* t = b.asString();
  return s == t || (s->hash() == t->hash() && s->view() == t->view());
}

}  // namespace brainvm

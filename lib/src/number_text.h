// The allocation-free part of formatNumber (number_text.cpp), for callers
// that join number text into something else (`concat`, `to_string`).
#pragma once

#include <optional>
#include <string_view>

namespace brainvm {

// What formatNumber writes for an integral number below 2^53 in magnitude
// ("0" for -0), in `buf`; nullopt for any other number.
std::optional<std::string_view> integralNumberText(double d, char (&buf)[24]);

}  // namespace brainvm

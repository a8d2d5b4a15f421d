// Number <-> text for `to_string` and `to_number` (contract section 8):
// numbers are written as ECMAScript's Number.prototype.toString writes them
// and read back by a small, locale-independent grammar.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "brainvm/builtins.h"
#include "number_text.h"

namespace brainvm {

std::optional<std::string_view> integralNumberText(double d, char (&buf)[24]) {
  // Integers below 2^53 are their own shortest digits: the common case, and
  // one to_chars call (NaN and the infinities fail the tests).
  if (d != std::floor(d) || !(std::fabs(d) < 9007199254740992.0))
    return std::nullopt;
  if (d == 0) return "0";  // also -0, as ECMAScript does
  auto r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(d));
  return std::string_view(buf, static_cast<size_t>(r.ptr - buf));
}

std::string formatNumber(double d) {
  char integral[24];
  if (std::optional<std::string_view> text = integralNumberText(d, integral))
    return std::string(*text);
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";

  // The shortest digits that read back to d, in scientific form:
  // "d[.ddd]e[+-]XX". ECMAScript's k digits and exponent n (value =
  // 0.digits * 10^n) come straight from it.
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, std::fabs(d),
                         std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(r.ptr - buf));
  size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e))
    if (c != '.') digits += c;
  int exp10 = 0;
  std::string_view es = sci.substr(e + 1);
  if (es.front() == '+') es.remove_prefix(1);  // from_chars takes no '+'
  std::from_chars(es.data(), es.data() + es.size(), exp10);
  const int k = static_cast<int>(digits.size());
  const int n = exp10 + 1;

  std::string out = d < 0 ? "-" : "";
  if (k <= n && n <= 21) {  // integral: 100000000000000000000
    out += digits;
    out.append(static_cast<size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {  // 3.5
    out.append(digits, 0, static_cast<size_t>(n));
    out += '.';
    out.append(digits, static_cast<size_t>(n));
  } else if (-6 < n && n <= 0) {  // 0.0001
    out += "0.";
    out.append(static_cast<size_t>(-n), '0');
    out += digits;
  } else {  // 1e+21, 1.5e-7
    out += digits[0];
    if (k > 1) {
      out += '.';
      out.append(digits, 1);
    }
    out += n - 1 < 0 ? "e-" : "e+";
    out += std::to_string(std::abs(n - 1));
  }
  return out;
}

namespace {

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}
bool isDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<double> parseNumber(std::string_view s) {
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  const double sign = negative ? -1.0 : 1.0;
  if (s == "inf") return sign * std::numeric_limits<double>::infinity();
  if (s == "nan") return std::numeric_limits<double>::quiet_NaN();

  // digits [. digits] [(e|E) [sign] digits], at least one mantissa digit.
  // Along the way, `lead` counts where the first nonzero mantissa digit sits
  // (the value is 0.d... * 10^(lead + exponent)) to tell overflow from
  // underflow when from_chars reports a range error.
  size_t i = 0;
  size_t mantissaDigits = 0;
  int64_t lead = 0;
  bool nonzero = false;
  for (; i < s.size() && isDigit(s[i]); ++i, ++mantissaDigits) {
    if (s[i] != '0') nonzero = true;
    if (nonzero) ++lead;
  }
  if (i < s.size() && s[i] == '.') {
    for (++i; i < s.size() && isDigit(s[i]); ++i, ++mantissaDigits) {
      if (s[i] != '0') nonzero = true;
      if (!nonzero) --lead;
    }
  }
  if (mantissaDigits == 0) return std::nullopt;
  int64_t exponent = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool expNegative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
      expNegative = s[i] == '-';
      ++i;
    }
    if (i == s.size() || !isDigit(s[i])) return std::nullopt;
    for (; i < s.size() && isDigit(s[i]); ++i)
      if (exponent < 1'000'000'000) exponent = exponent * 10 + (s[i] - '0');
    if (expNegative) exponent = -exponent;
  }
  if (i != s.size()) return std::nullopt;

  double d = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), d,
                           std::chars_format::general);
  if (r.ec == std::errc::result_out_of_range) {
    // from_chars leaves d untouched here; only a nonzero mantissa gets one.
    d = lead + exponent > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  } else if (r.ec != std::errc() || r.ptr != s.data() + s.size()) {
    return std::nullopt;  // not expected after the grammar check
  }
  return sign * d;
}

}  // namespace brainvm

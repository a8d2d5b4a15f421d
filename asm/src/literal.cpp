// Literal values: parsing numbers, printing literals and names.
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

#include "asm_internal.h"
#include "brainvm/objects.h"

namespace brainvm::asmx {
namespace {

bool isDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses "0x..." (without sign) into a uint64; false if malformed or too big.
bool parseHex(std::string_view s, uint64_t& out) {
  if (s.size() < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return false;
  out = 0;
  for (char c : s.substr(2)) {
    int v = hexValue(c);
    if (v < 0 || out > (std::numeric_limits<uint64_t>::max() >> 4)) return false;
    out = out * 16 + static_cast<uint64_t>(v);
  }
  return true;
}

}  // namespace

Value Literal::toValue(ConstantArena& arena) const {
  switch (kind) {
    case ValueKind::Boolean: return Value::boolean(boolean);
    case ValueKind::Number: return Value::number(number);
    case ValueKind::String:
      return Value::object(const_cast<StringObject*>(arena.string(text)));
    case ValueKind::Error:
      return Value::object(const_cast<ErrorObject*>(arena.error(tag, text)));
    default: return Value::nil();
  }
}

Literal Literal::fromValue(const Value& v) {
  Literal lit;
  switch (v.kind()) {
    case ValueKind::Boolean:
      lit.kind = ValueKind::Boolean;
      lit.boolean = v.asBool();
      break;
    case ValueKind::Number:
      lit.kind = ValueKind::Number;
      lit.number = v.asNumber();
      break;
    case ValueKind::String:
      lit.kind = ValueKind::String;
      lit.text = std::string(v.stringView());
      break;
    case ValueKind::Error:
      lit.kind = ValueKind::Error;
      lit.tag = v.asError()->tag();
      lit.text = std::string(v.asError()->message()->view());
      break;
    default: break;
  }
  return lit;
}

std::string Literal::internKey() const {
  std::string key(1, static_cast<char>(kind));
  switch (kind) {
    case ValueKind::Boolean: key += boolean ? '1' : '0'; break;
    case ValueKind::Number: {
      double d = std::isnan(number) ? std::numeric_limits<double>::quiet_NaN()
                                    : number;
      auto bits = std::bit_cast<uint64_t>(d);
      key.append(reinterpret_cast<const char*>(&bits), sizeof bits);
      break;
    }
    case ValueKind::Error:
      key += static_cast<char>(tag);
      key += text;
      break;
    case ValueKind::String: key += text; break;
    default: break;
  }
  return key;
}

bool parseNumber(std::string_view text, double& out, std::string& reason) {
  bool neg = false;
  std::string_view s = text;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "inf") {
    out = neg ? -std::numeric_limits<double>::infinity()
              : std::numeric_limits<double>::infinity();
    return true;
  }
  if (s.size() > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    uint64_t v;
    if (!parseHex(s, v)) {
      reason = "invalid hexadecimal literal '" + std::string(text) + "'";
      return false;
    }
    out = neg ? -static_cast<double>(v) : static_cast<double>(v);
    return true;
  }
  // digits [. digits] [e [+-] digits]
  size_t i = 0;
  auto digitsAt = [&](size_t from) {
    size_t j = from;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    return j;
  };
  size_t j = digitsAt(i);
  bool ok = j > i;
  i = j;
  if (ok && i < s.size() && s[i] == '.') {
    j = digitsAt(i + 1);
    ok = j > i + 1;
    i = j;
  }
  if (ok && i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    j = digitsAt(i);
    ok = j > i;
    i = j;
  }
  if (!ok || i != s.size()) {
    reason = "invalid number literal '" + std::string(text) + "'";
    return false;
  }
  // from_chars accepts '-' but not '+'.
  std::string buf = (neg ? "-" : "") + std::string(s);
  double v = 0;
  auto [ptr, ec] = std::from_chars(buf.data(), buf.data() + buf.size(), v);
  if (ec == std::errc::result_out_of_range) {
    // Underflow to zero is fine; overflow is not.
    bool expNegative = false;
    size_t e = buf.find_first_of("eE");
    if (e != std::string::npos && e + 1 < buf.size() && buf[e + 1] == '-')
      expNegative = true;
    if (!expNegative) {
      reason = "number literal '" + std::string(text) + "' is out of range";
      return false;
    }
    v = neg ? -0.0 : 0.0;
  } else if (ec != std::errc() || ptr != buf.data() + buf.size()) {
    reason = "invalid number literal '" + std::string(text) + "'";
    return false;
  }
  out = v;
  return true;
}

bool parseInteger(std::string_view text, int64_t& out) {
  bool neg = false;
  std::string_view s = text;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  uint64_t v = 0;
  if (s.size() > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    if (!parseHex(s, v)) return false;
  } else {
    if (!isDigits(s)) return false;
    for (char c : s) {
      if (v > (std::numeric_limits<uint64_t>::max() - 9) / 10) return false;
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
  }
  if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
  out = neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  return true;
}

std::string quoteString(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\0': out += "\\0"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buf[16];
          std::snprintf(buf, sizeof buf, "\\u{%X}", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

std::string formatLiteral(const Literal& lit) {
  switch (lit.kind) {
    case ValueKind::Boolean: return lit.boolean ? "true" : "false";
    case ValueKind::Number: {
      double d = lit.number;
      if (std::isnan(d)) return "nan";
      if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
      char buf[64];
      auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, d);
      (void)ec;
      return std::string(buf, ptr);
    }
    case ValueKind::String: return quoteString(lit.text);
    case ValueKind::Error:
      return "err(" + std::string(errorTagName(lit.tag)) + ", " +
             quoteString(lit.text) + ")";
    default: return "nil";
  }
}

bool isIdentifier(std::string_view s) {
  if (s.empty()) return false;
  char c = s[0];
  if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'))
    return false;
  for (char d : s.substr(1))
    if (!((d >= 'A' && d <= 'Z') || (d >= 'a' && d <= 'z') || d == '_' ||
          (d >= '0' && d <= '9') || d == '.' || d == '$'))
      return false;
  return true;
}

std::string formatName(std::string_view s) {
  return isIdentifier(s) ? std::string(s) : quoteString(s);
}

bool isLiteralKeyword(std::string_view s) {
  return s == "true" || s == "false" || s == "nil" || s == "nan" ||
         s == "inf" || s == "err";
}

bool validUtf8(std::string_view s, size_t* badIndex) {
  size_t i = 0;
  while (i < s.size()) {
    auto b0 = static_cast<uint8_t>(s[i]);
    size_t len;
    uint32_t cp, min;
    if (b0 < 0x80) {
      ++i;
      continue;
    } else if ((b0 & 0xE0) == 0xC0) {
      len = 2, cp = b0 & 0x1Fu, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
      len = 3, cp = b0 & 0x0Fu, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
      len = 4, cp = b0 & 0x07u, min = 0x10000;
    } else {
      *badIndex = i;
      return false;
    }
    bool ok = s.size() - i >= len;
    for (size_t k = 1; ok && k < len; ++k) {
      auto b = static_cast<uint8_t>(s[i + k]);
      ok = (b & 0xC0) == 0x80;
      cp = (cp << 6) | (b & 0x3Fu);
    }
    if (!ok || cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      *badIndex = i;
      return false;
    }
    i += len;
  }
  return true;
}

}  // namespace brainvm::asmx

// The .bvasm line lexer.
#include <cctype>
#include <cstdio>

#include "asm_internal.h"

namespace brainvm::asmx {
namespace {

bool identStart(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool identChar(char c) {
  return identStart(c) || (c >= '0' && c <= '9') || c == '.' || c == '$';
}
bool digit(char c) { return c >= '0' && c <= '9'; }

void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string describeChar(unsigned char c) {
  if (c == 0) return "unexpected NUL byte";
  if (c < 0x20 || c == 0x7F) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "unexpected control character 0x%02X", c);
    return buf;
  }
  return std::string("unexpected character '") + static_cast<char>(c) + "'";
}

// Lexes a string literal starting at line[i] == '"'. On success sets tok.str
// and returns the index after the closing quote; on failure returns 0.
size_t lexString(std::string_view line, size_t i, Token& tok,
                 const LexError& error) {
  const size_t start = i;
  ++i;
  while (i < line.size()) {
    auto c = static_cast<unsigned char>(line[i]);
    if (c == '"') return i + 1;
    if (c == '\\') {
      if (i + 1 >= line.size()) break;
      char e = line[i + 1];
      switch (e) {
        case 'n': tok.str += '\n'; i += 2; continue;
        case 't': tok.str += '\t'; i += 2; continue;
        case 'r': tok.str += '\r'; i += 2; continue;
        case '\\': tok.str += '\\'; i += 2; continue;
        case '"': tok.str += '"'; i += 2; continue;
        case '0': tok.str += '\0'; i += 2; continue;
        case 'u': {
          size_t j = i + 2;
          if (j >= line.size() || line[j] != '{') {
            error(static_cast<uint32_t>(i + 1), 2,
                  "invalid escape '\\u': expected '\\u{HEX}'");
            return 0;
          }
          ++j;
          uint32_t cp = 0;
          size_t digits = 0;
          bool tooBig = false;
          while (j < line.size() && std::isxdigit(static_cast<unsigned char>(line[j]))) {
            char h = line[j];
            uint32_t v = digit(h) ? h - '0' : (h | 0x20) - 'a' + 10;
            if (cp > 0x10FFFF) tooBig = true;
            else cp = cp * 16 + v;
            ++digits;
            ++j;
          }
          auto escLen = static_cast<uint32_t>(j + 1 - i);
          if (j >= line.size() || line[j] != '}' || digits == 0) {
            error(static_cast<uint32_t>(i + 1), static_cast<uint32_t>(j - i),
                  "invalid escape: expected '\\u{HEX}' with 1 to 6 hex digits");
            return 0;
          }
          if (digits > 6 || tooBig || cp > 0x10FFFF) {
            error(static_cast<uint32_t>(i + 1), escLen,
                  "invalid escape: code point is above U+10FFFF");
            return 0;
          }
          if (cp >= 0xD800 && cp <= 0xDFFF) {
            error(static_cast<uint32_t>(i + 1), escLen,
                  "invalid escape: surrogate code points are not allowed");
            return 0;
          }
          appendUtf8(tok.str, cp);
          i = j + 1;
          continue;
        }
        default: {
          // Report the escape with its (possibly multi-byte) character.
          size_t n = 1;
          while (i + 1 + n < line.size() &&
                 (static_cast<unsigned char>(line[i + 1 + n]) & 0xC0) == 0x80)
            ++n;
          error(static_cast<uint32_t>(i + 1), static_cast<uint32_t>(n + 1),
                "invalid escape '\\" + std::string(line.substr(i + 1, n)) +
                    "' (valid: \\n \\t \\r \\\\ \\\" \\0 \\u{HEX})");
          return 0;
        }
      }
    }
    if ((c < 0x20 && c != '\t') || c == 0x7F) {
      error(static_cast<uint32_t>(i + 1), 1,
            describeChar(c) + " in string literal (use an escape)");
      return 0;
    }
    tok.str += static_cast<char>(c);
    ++i;
  }
  error(static_cast<uint32_t>(start + 1), static_cast<uint32_t>(line.size() - start),
        "unterminated string literal");
  return 0;
}

}  // namespace

bool lexLine(std::string_view line, std::vector<Token>& out,
             const LexError& error) {
  out.clear();
  size_t bad = 0;
  if (!validUtf8(line, &bad)) {
    error(static_cast<uint32_t>(bad + 1), 1, "invalid UTF-8 byte sequence");
    return false;
  }
  size_t i = 0;
  while (i < line.size()) {
    char c = line[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      ++i;
      continue;
    }
    if (c == ';') break;
    Token tok;
    tok.col = static_cast<uint32_t>(i + 1);
    size_t end = i + 1;
    if (identStart(c)) {
      tok.kind = Tok::Ident;
      while (end < line.size() && identChar(line[end])) ++end;
    } else if (c == '.' && i + 1 < line.size() && identStart(line[i + 1])) {
      tok.kind = Tok::Directive;
      while (end < line.size() && identChar(line[end])) ++end;
    } else if (digit(c) || ((c == '-' || c == '+') && i + 1 < line.size() &&
                            (digit(line[i + 1]) || line[i + 1] == '.'))) {
      tok.kind = Tok::Number;
      bool hex = false;
      while (end < line.size()) {
        char d = line[end];
        if (d == 'x' || d == 'X') hex = true;
        bool exponentSign = (d == '+' || d == '-') && !hex &&
                            (line[end - 1] == 'e' || line[end - 1] == 'E');
        if (!(identChar(d) || exponentSign)) break;
        ++end;
      }
    } else if (c == '-' && i + 1 < line.size() && identStart(line[i + 1])) {
      while (end < line.size() && identChar(line[end])) ++end;
      if (line.substr(i, end - i) != "-inf") {
        error(tok.col, static_cast<uint32_t>(end - i),
              "unexpected '" + std::string(line.substr(i, end - i)) +
                  "' (only numbers and -inf may start with '-')");
        return false;
      }
      tok.kind = Tok::Number;
    } else if (c == '"') {
      tok.kind = Tok::String;
      end = lexString(line, i, tok, error);
      if (end == 0) return false;
    } else if (c == '(') {
      tok.kind = Tok::LParen;
    } else if (c == ')') {
      tok.kind = Tok::RParen;
    } else if (c == ',') {
      tok.kind = Tok::Comma;
    } else if (c == ':') {
      tok.kind = Tok::Colon;
    } else {
      auto uc = static_cast<unsigned char>(c);
      size_t n = 1;
      if (uc >= 0x80)
        while (i + n < line.size() &&
               (static_cast<unsigned char>(line[i + n]) & 0xC0) == 0x80)
          ++n;
      error(tok.col, static_cast<uint32_t>(n),
            uc >= 0x80 ? "unexpected character '" +
                             std::string(line.substr(i, n)) + "'"
                       : describeChar(uc));
      return false;
    }
    tok.len = static_cast<uint32_t>(end - i);
    tok.text = line.substr(i, end - i);
    out.push_back(std::move(tok));
    i = end;
  }
  return true;
}

}  // namespace brainvm::asmx

// Private pieces of the assembler and disassembler: tokens, the line lexer,
// literal parsing and printing, diagnostics helpers.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "brainvm/program.h"
#include "brainvm/result.h"
#include "brainvm/value.h"

namespace brainvm::asmx {

enum class Tok : uint8_t {
  Ident,      // [A-Za-z_][A-Za-z0-9_.$]*
  Directive,  // '.' followed by identifier characters
  Number,     // numeric literal text (validated later), including "-inf"
  String,     // "..." (decoded into Token::str)
  LParen,
  RParen,
  Comma,
  Colon,
};

struct Token {
  Tok kind;
  uint32_t col = 0;  // 1-based byte column
  uint32_t len = 0;  // bytes
  std::string_view text;
  std::string str;  // decoded value of a String token
};

// Reports a lexical error at a 1-based column with a token length.
using LexError =
    std::function<void(uint32_t col, uint32_t len, std::string message)>;

// Splits one source line (no newline) into tokens, stopping at a comment.
// Returns false after reporting the first error (the line is then ignored).
bool lexLine(std::string_view line, std::vector<Token>& out,
             const LexError& error);

// A literal value independent of any arena.
struct Literal {
  ValueKind kind = ValueKind::Nil;
  bool boolean = false;
  double number = 0;
  std::string text;  // string value, or error message
  ErrorTag tag = ErrorTag::ScriptError;

  Value toValue(ConstantArena& arena) const;
  static Literal fromValue(const Value& v);
  // Identity for interning: kind and value, numbers by bit pattern.
  std::string internKey() const;
};

// Parses a numeric literal token text ("42", "-7", "3.25", "1e-3", "0x1F",
// "-inf"). Returns false with a reason.
bool parseNumber(std::string_view text, double& out, std::string& reason);
// Parses an integer token text (decimal or hex, optional sign) into int64;
// false if it is not an integer or does not fit in int64.
bool parseInteger(std::string_view text, int64_t& out);

// The .bvasm spelling of a literal (round-trips through the lexer).
std::string formatLiteral(const Literal& lit);
std::string quoteString(std::string_view s);
bool isIdentifier(std::string_view s);
// A name as written in source: bare identifier if possible, else quoted.
std::string formatName(std::string_view s);

// Words that are literals, not names, in a constant operand.
bool isLiteralKeyword(std::string_view s);

// Levenshtein-based "did you mean" among candidates; empty if none is close.
std::string suggest(std::string_view word,
                    const std::vector<std::string_view>& candidates);

bool validUtf8(std::string_view s, size_t* badIndex);

}  // namespace brainvm::asmx

// Diagnostic helpers: caret rendering and "did you mean" suggestions.
#include <algorithm>

#include "asm_internal.h"
#include "brainvm/assembler.h"

namespace brainvm {
namespace asmx {
namespace {

size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::string suggest(std::string_view word,
                    const std::vector<std::string_view>& candidates) {
  if (word.size() > 64) return {};
  size_t limit = std::max<size_t>(1, std::min<size_t>(3, word.size() / 3 + 1));
  size_t best = limit + 1;
  std::string_view bestName;
  for (std::string_view c : candidates) {
    if (c == word || c.size() > 64) continue;
    size_t d = editDistance(word, c);
    if (d < best) {
      best = d;
      bestName = c;
    }
  }
  return best <= limit ? std::string(bestName) : std::string();
}

}  // namespace asmx

std::string formatDiagnosticWithCaret(const Diagnostic& d) {
  std::string out = d.format();
  if (d.sourceLine.empty() && d.column == 0) return out;
  out += '\n';
  out += d.sourceLine;
  if (d.column == 0) return out;
  out += '\n';
  // Pad with the same whitespace as the source so tabs line up; count one
  // column per UTF-8 character.
  size_t upto = std::min<size_t>(d.column - 1, d.sourceLine.size());
  for (size_t i = 0; i < upto; ++i) {
    auto c = static_cast<unsigned char>(d.sourceLine[i]);
    if ((c & 0xC0) == 0x80) continue;
    out += c == '\t' ? '\t' : ' ';
  }
  out += '^';
  uint32_t len = d.length;
  // Count UTF-8 characters of the token for the tildes.
  size_t chars = 0;
  for (size_t i = upto; i < d.sourceLine.size() && i < upto + len; ++i)
    if ((static_cast<unsigned char>(d.sourceLine[i]) & 0xC0) != 0x80) ++chars;
  if (chars == 0 && len > 0) chars = 1;
  for (size_t i = 1; i < chars; ++i) out += '~';
  return out;
}

}  // namespace brainvm

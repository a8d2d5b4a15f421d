#include "test_annotations.h"

#include <exception>

namespace brainvm::cli::testrun {

namespace {

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
         c == '\v';
}

std::string_view trimLeft(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && isSpace(s[i])) ++i;
  return s.substr(i);
}

std::string_view trimRight(std::string_view s) {
  size_t n = s.size();
  while (n > 0 && isSpace(s[n - 1])) --n;
  return s.substr(0, n);
}

std::string_view trim(std::string_view s) { return trimRight(trimLeft(s)); }

bool startsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

bool isIdentifier(std::string_view s) {
  if (s.empty()) return false;
  auto alpha = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
  };
  if (!alpha(s[0])) return false;
  for (char c : s)
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  return true;
}

enum class Key { Run, Expect, Output, Fault, Status, Error };

struct KeyName {
  std::string_view text;
  Key key;
};

constexpr KeyName kKeys[] = {
    {"run:", Key::Run},
    {"expect:", Key::Expect},
    {"expect-output:", Key::Output},
    {"expect-fault:", Key::Fault},
    {"expect-status:", Key::Status},
    {"expect-error:", Key::Error},
};

// A comment that looks like an annotation with a misspelt key
// ("expect-ouput:", "expect_status:").
bool looksLikeAnnotation(std::string_view body) {
  if (!startsWith(body, "expect")) return false;
  size_t i = 6;
  while (i < body.size() && ((body[i] >= 'a' && body[i] <= 'z') ||
                             body[i] == '-' || body[i] == '_'))
    ++i;
  return i < body.size() && body[i] == ':';
}

}  // namespace

bool Annotations::hasExpectations() const {
  return expectResult.has_value() || hasExpectOutput || !expectFaults.empty() ||
         expectStatus.has_value() || !expectErrors.empty();
}

std::optional<std::string_view> commentOf(std::string_view line) {
  bool inString = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (inString) {
      if (c == '\\')
        ++i;  // skip the escaped character
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == ';') {
      return line.substr(i + 1);
    }
  }
  return std::nullopt;
}

std::optional<std::vector<std::string>> splitShellWords(std::string_view text,
                                                        std::string& error) {
  std::vector<std::string> words;
  std::string word;
  bool inWord = false;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (isSpace(c)) {
      if (inWord) {
        words.push_back(std::move(word));
        word.clear();
        inWord = false;
      }
      ++i;
    } else if (c == '\'') {
      size_t end = text.find('\'', i + 1);
      if (end == std::string_view::npos) {
        error = "unterminated ' quote";
        return std::nullopt;
      }
      word.append(text.substr(i + 1, end - i - 1));
      inWord = true;
      i = end + 1;
    } else if (c == '"') {
      inWord = true;
      ++i;
      bool closed = false;
      while (i < text.size()) {
        char d = text[i];
        if (d == '"') {
          closed = true;
          ++i;
          break;
        }
        if (d == '\\' && i + 1 < text.size()) {
          char e = text[i + 1];
          if (e == '"' || e == '\\' || e == '$' || e == '`') {
            word += e;
            i += 2;
            continue;
          }
          if (e == '\n') {  // line continuation
            i += 2;
            continue;
          }
        }
        word += d;
        ++i;
      }
      if (!closed) {
        error = "unterminated \" quote";
        return std::nullopt;
      }
    } else if (c == '\\') {
      if (i + 1 >= text.size()) {
        error = "trailing backslash";
        return std::nullopt;
      }
      if (text[i + 1] != '\n') {
        word += text[i + 1];
        inWord = true;
      }
      i += 2;
    } else {
      word += c;
      inWord = true;
      ++i;
    }
  }
  if (inWord) words.push_back(std::move(word));
  return words;
}

Annotations parseAnnotations(std::string_view source) {
  Annotations a;
  uint32_t lineNo = 0;
  std::optional<uint32_t> expectLine, statusLine;
  size_t pos = 0;
  while (pos <= source.size()) {
    size_t end = source.find('\n', pos);
    if (end == std::string_view::npos) end = source.size();
    std::string_view line = source.substr(pos, end - pos);
    ++lineNo;
    pos = end + 1;

    std::optional<std::string_view> comment = commentOf(line);
    if (!comment) continue;
    std::string_view body = *comment;
    while (!body.empty() && body[0] == ';') body.remove_prefix(1);
    body = trimLeft(body);

    const KeyName* found = nullptr;
    for (const KeyName& k : kKeys) {
      if (startsWith(body, k.text)) {
        found = &k;
        break;
      }
    }
    const std::string where = "line " + std::to_string(lineNo) + ": ";
    if (!found) {
      if (looksLikeAnnotation(body)) {
        std::string_view key = body.substr(0, body.find(':') + 1);
        a.problems.push_back(where + "unknown annotation '" + std::string(key) +
                             "'");
      }
      continue;
    }
    std::string_view rest = body.substr(found->text.size());
    switch (found->key) {
      case Key::Run: {
        std::string error;
        auto words = splitShellWords(trim(rest), error);
        if (!words)
          a.problems.push_back(where + "run: " + error);
        else
          a.runArgs.insert(a.runArgs.end(), words->begin(), words->end());
        break;
      }
      case Key::Expect: {
        std::string_view text = trim(rest);
        if (expectLine) {
          a.problems.push_back(where +
                               "a second expect: (the first is on line " +
                               std::to_string(*expectLine) + ")");
          break;
        }
        expectLine = lineNo;
        if (text.empty()) {
          a.problems.push_back(where + "expect: needs a JSON value");
          break;
        }
        try {
          a.expectResult = nlohmann::ordered_json::parse(text);
        } catch (const std::exception&) {
          a.problems.push_back(where +
                               "expect: invalid JSON: " + std::string(text));
        }
        break;
      }
      case Key::Output: {
        // The text starts after the single space following the colon and
        // ends before trailing white space.
        std::string_view text = rest;
        if (!text.empty() && text[0] == ' ') text.remove_prefix(1);
        a.hasExpectOutput = true;
        a.expectOutput.emplace_back(trimRight(text));
        break;
      }
      case Key::Fault: {
        std::string_view text = trim(rest);
        size_t colon = text.find(':');
        FaultExpectation f;
        f.annotationLine = lineNo;
        f.tag = std::string(trim(text.substr(0, colon)));
        if (colon != std::string_view::npos)
          f.messagePrefix = std::string(trim(text.substr(colon + 1)));
        if (!isIdentifier(f.tag)) {
          a.problems.push_back(where +
                               "expect-fault: expected 'Tag: message', got '" +
                               std::string(text) + "'");
          break;
        }
        a.expectFaults.push_back(std::move(f));
        break;
      }
      case Key::Status: {
        std::string_view text = trim(rest);
        if (statusLine) {
          a.problems.push_back(
              where + "a second expect-status: (the first is on line " +
              std::to_string(*statusLine) + ")");
          break;
        }
        statusLine = lineNo;
        if (text != "done" && text != "ticks" && text != "limit") {
          a.problems.push_back(
              where + "expect-status: expected done, ticks or limit, got '" +
              std::string(text) + "'");
          break;
        }
        a.expectStatus = std::string(text);
        break;
      }
      case Key::Error: {
        std::string_view text = trim(rest);
        size_t colon = text.find(':');
        std::string_view num = trim(text.substr(0, colon));
        bool ok = !num.empty() && num.size() <= 9 &&
                  num.find_first_not_of("0123456789") == std::string_view::npos;
        if (!ok) {
          a.problems.push_back(where +
                               "expect-error: expected 'LINE: text', got '" +
                               std::string(text) + "'");
          break;
        }
        ErrorExpectation e;
        e.line = static_cast<uint32_t>(std::stoul(std::string(num)));
        e.annotationLine = lineNo;
        if (colon != std::string_view::npos)
          e.text = std::string(trim(text.substr(colon + 1)));
        if (e.line == 0) {
          a.problems.push_back(where + "expect-error: lines start at 1");
          break;
        }
        a.expectErrors.push_back(std::move(e));
        break;
      }
    }
  }
  if (!a.expectErrors.empty() && (a.expectResult || a.hasExpectOutput ||
                                  !a.expectFaults.empty() || a.expectStatus)) {
    a.problems.push_back(
        "expect-error: cannot be combined with expect:, expect-output:, "
        "expect-fault: or expect-status: (a program that does not load does "
        "not run)");
  }
  return a;
}

}  // namespace brainvm::cli::testrun

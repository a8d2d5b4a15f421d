// Annotations of annotated programs (contract section 7; docs/testing.md):
// comments such as `; expect: 42` that turn a .bvasm file into its own
// regression test. This header only parses; test_runner.h runs and compares.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace brainvm::cli::testrun {

// `; expect-fault: Tag: message-prefix` (the message part may be omitted).
struct FaultExpectation {
  std::string tag;
  std::string messagePrefix;
  uint32_t annotationLine = 0;  // where the annotation is (1-based)
};

// `; expect-error: LINE: text`.
struct ErrorExpectation {
  uint32_t line = 0;  // the source line the error must be reported at
  std::string text;   // a substring of that error's message
  uint32_t annotationLine = 0;
};

struct Annotations {
  std::vector<std::string> runArgs;  // every `; run:` line, in order, split
  std::optional<nlohmann::ordered_json> expectResult;  // `; expect:`
  bool hasExpectOutput = false;
  std::vector<std::string> expectOutput;  // `; expect-output:` lines, in order
  std::vector<FaultExpectation> expectFaults;
  std::optional<std::string> expectStatus;  // `; expect-status:`
  std::vector<ErrorExpectation> expectErrors;
  // Malformed annotations ("line 3: expect: invalid JSON ..."). A test with
  // problems fails without running.
  std::vector<std::string> problems;

  // Whether any expectation (not counting `run:`) was given.
  bool hasExpectations() const;
};

// Finds the comment of one source line: the text after the first `;` that
// is outside a string literal, or nullopt if the line has no comment.
std::optional<std::string_view> commentOf(std::string_view line);

// Parses every annotation of a .bvasm source. An annotation is a comment
// whose text, after the `;` (or several) and leading white space, starts with
// one of the keys `run:`, `expect:`, `expect-output:`, `expect-fault:`,
// `expect-status:`, `expect-error:`; it may be on a line of its own or after
// code, anywhere in the file. Never throws.
Annotations parseAnnotations(std::string_view source);

// Splits a `run:` line into words like a POSIX shell would (without
// expansions): white space separates words; '...' keeps everything
// literally; "..." keeps everything, with \" \\ \$ \` and \newline escapes;
// outside quotes a backslash escapes the next character. Returns nullopt and
// sets `error` on an unterminated quote or a trailing backslash.
std::optional<std::vector<std::string>> splitShellWords(std::string_view text,
                                                        std::string& error);

}  // namespace brainvm::cli::testrun

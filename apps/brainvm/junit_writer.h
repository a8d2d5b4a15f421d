// JUnit XML for `brainvm test --junit FILE` (docs/testing.md): one
// <testsuite> with one <testcase> per program.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace brainvm::cli::testrun {

struct JUnitCase {
  std::string classname;  // the program's directory
  std::string name;       // the program's file name
  double seconds = 0;
  bool failed = false;
  std::string failureMessage;  // one line
  std::string failureBody;     // the diff
};

// Escapes text for XML 1.0 character data (`attribute` = false) or a
// double-quoted attribute value (true). The result is always well-formed
// UTF-8 XML: & < > (and " ' in attributes) become entities; in attributes
// tab, CR and LF become character references so that parsers keep them;
// characters XML 1.0 cannot represent at all (other C0 controls, U+FFFE,
// U+FFFF) are written as the visible text "\xNN" / "\uFFFE"; invalid UTF-8
// bytes become U+FFFD.
std::string xmlEscape(std::string_view text, bool attribute);

// The whole document: <testsuites> holding <testsuite name=suiteName
// tests=.. failures=.. errors="0" skipped="0" time=..>.
std::string renderJUnit(std::string_view suiteName,
                        const std::vector<JUnitCase>& cases,
                        double totalSeconds);

}  // namespace brainvm::cli::testrun

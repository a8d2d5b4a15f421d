// JUnit XML output of `brainvm test --junit`.
#include <gtest/gtest.h>

#include "junit_writer.h"

namespace {

using brainvm::cli::testrun::JUnitCase;
using brainvm::cli::testrun::renderJUnit;
using brainvm::cli::testrun::xmlEscape;

TEST(JUnit, EscapesMarkup) {
  EXPECT_EQ(xmlEscape("a<b>&\"c\"'d'", false), "a&lt;b&gt;&amp;\"c\"'d'");
  EXPECT_EQ(xmlEscape("a<b>&\"c\"'d'", true),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;");
}

TEST(JUnit, EscapesWhiteSpaceInAttributes) {
  EXPECT_EQ(xmlEscape("a\tb\nc\rd", true), "a&#9;b&#10;c&#13;d");
  EXPECT_EQ(xmlEscape("a\tb\nc\rd", false), "a\tb\nc&#13;d");
}

TEST(JUnit, ControlCharactersBecomeVisibleText) {
  // XML 1.0 cannot carry these at all, not even as &#1;.
  EXPECT_EQ(xmlEscape(std::string("a\x01" "b\x1f\x7f", 5), false),
            "a\\x01b\\x1F\\x7F");
  EXPECT_EQ(xmlEscape(std::string("nul\0!", 5), true), "nul\\x00!");
  EXPECT_EQ(xmlEscape("\xEF\xBF\xBE", false), "\\uFFFE");
}

TEST(JUnit, Utf8) {
  EXPECT_EQ(xmlEscape("\xC3\xBC \xE2\x9C\x93 \xF0\x9F\x98\x80", false),
            "\xC3\xBC \xE2\x9C\x93 \xF0\x9F\x98\x80");
  // Invalid bytes, a truncated sequence, an overlong form, a surrogate.
  EXPECT_EQ(xmlEscape("\xFF", false), "\xEF\xBF\xBD");
  EXPECT_EQ(xmlEscape("a\xE2\x9C", false), "a\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(xmlEscape("\xC0\xAF", false), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(xmlEscape("\xED\xA0\x80", false),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(JUnit, Document) {
  std::vector<JUnitCase> cases(2);
  cases[0].classname = "samples";
  cases[0].name = "hello.bvasm";
  cases[0].seconds = 0.0126;
  cases[1].classname = "tests/golden";
  cases[1].name = "a&b.bvasm";
  cases[1].failed = true;
  cases[1].failureMessage = "result differs";
  cases[1].failureBody = "- expected: <1>\n+ got:      2\n";
  std::string xml = renderJUnit("brainvm test", cases, 1.5);
  EXPECT_EQ(xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites name=\"brainvm test\" tests=\"2\" failures=\"1\" "
            "errors=\"0\" time=\"1.500\">\n"
            "  <testsuite name=\"brainvm test\" tests=\"2\" failures=\"1\" "
            "errors=\"0\" skipped=\"0\" time=\"1.500\">\n"
            "    <testcase classname=\"samples\" name=\"hello.bvasm\" "
            "time=\"0.013\"/>\n"
            "    <testcase classname=\"tests/golden\" name=\"a&amp;b.bvasm\" "
            "time=\"0.000\">\n"
            "      <failure message=\"result differs\" type=\"failure\">"
            "- expected: &lt;1&gt;\n+ got:      2\n</failure>\n"
            "    </testcase>\n"
            "  </testsuite>\n"
            "</testsuites>\n");
}

TEST(JUnit, EmptySuite) {
  std::string xml = renderJUnit("s", {}, 0);
  EXPECT_NE(xml.find("tests=\"0\" failures=\"0\""), std::string::npos);
  EXPECT_NE(xml.find("</testsuites>"), std::string::npos);
}

}  // namespace

// Parsing of the annotations of annotated programs (contract section 7).
#include <gtest/gtest.h>

#include "test_annotations.h"

namespace {

using brainvm::cli::testrun::Annotations;
using brainvm::cli::testrun::commentOf;
using brainvm::cli::testrun::parseAnnotations;
using brainvm::cli::testrun::splitShellWords;
using Strings = std::vector<std::string>;

Strings split(std::string_view text) {
  std::string error;
  auto words = splitShellWords(text, error);
  EXPECT_TRUE(words.has_value()) << text << ": " << error;
  return words.value_or(Strings{});
}

TEST(Annotations, EveryKind) {
  Annotations a = parseAnnotations(
      "; run: --ticks 5 --var limit=3\n"
      "; expect: 42\n"
      "; expect-output: hello 1\n"
      "; expect-fault: HostError: division\n"
      "; expect-status: ticks\n"
      ".func main()\n  push_const 42\n  ret\n.end\n");
  EXPECT_TRUE(a.problems.empty());
  EXPECT_EQ(a.runArgs, (Strings{"--ticks", "5", "--var", "limit=3"}));
  ASSERT_TRUE(a.expectResult);
  EXPECT_EQ(*a.expectResult, 42);
  EXPECT_TRUE(a.hasExpectOutput);
  EXPECT_EQ(a.expectOutput, (Strings{"hello 1"}));
  ASSERT_EQ(a.expectFaults.size(), 1u);
  EXPECT_EQ(a.expectFaults[0].tag, "HostError");
  EXPECT_EQ(a.expectFaults[0].messagePrefix, "division");
  EXPECT_EQ(a.expectFaults[0].annotationLine, 4u);
  EXPECT_EQ(a.expectStatus, "ticks");
  EXPECT_TRUE(a.hasExpectations());
}

TEST(Annotations, ExpectError) {
  Annotations a = parseAnnotations(
      "; expect-error: 12: unknown label\n; expect-error: 3:\n");
  EXPECT_TRUE(a.problems.empty());
  ASSERT_EQ(a.expectErrors.size(), 2u);
  EXPECT_EQ(a.expectErrors[0].line, 12u);
  EXPECT_EQ(a.expectErrors[0].text, "unknown label");
  EXPECT_EQ(a.expectErrors[1].line, 3u);
  EXPECT_EQ(a.expectErrors[1].text, "");
}

TEST(Annotations, ExpectOutputWhitespace) {
  Annotations a = parseAnnotations(
      "; expect-output:\n"               // alone: an empty line
      "; expect-output: \n"              // a space only: empty too
      "; expect-output: trailing  \t \n"  // trailing white space dropped
      "; expect-output:   two more\n"    // only the first space is eaten
      "; expect-output:tight\n"          // no space at all
      "; expect-output: a ; b\r\n");     // CRLF; a later ';' is text
  EXPECT_TRUE(a.problems.empty());
  EXPECT_EQ(a.expectOutput,
            (Strings{"", "", "trailing", "  two more", "tight", "a ; b"}));
}

TEST(Annotations, AnywhereInTheFile) {
  Annotations a = parseAnnotations(
      ".func main()\n"
      "  push_const \"; expect: 1\"   ; expect-output: after code\n"
      "  ;; expect-output: double semicolon\n"
      "\t;expect: 7\n"
      ".end\n"
      "; expect-output: last line without newline");
  EXPECT_TRUE(a.problems.empty());
  EXPECT_EQ(a.expectOutput, (Strings{"after code", "double semicolon",
                                     "last line without newline"}));
  ASSERT_TRUE(a.expectResult);
  EXPECT_EQ(*a.expectResult, 7);  // the one in the string is not a comment
}

TEST(Annotations, OrdinaryCommentsAreIgnored) {
  Annotations a = parseAnnotations(
      "; this program expects: nothing\n; runs: twice\n; Expect: 3\n");
  EXPECT_TRUE(a.problems.empty());
  EXPECT_FALSE(a.hasExpectations());
  EXPECT_TRUE(a.runArgs.empty());
}

TEST(Annotations, CommentOf) {
  EXPECT_FALSE(commentOf("  push_const 1").has_value());
  EXPECT_EQ(commentOf("x ; c").value(), " c");
  EXPECT_EQ(commentOf("push_const \"a\\\"; b\" ; c").value(), " c");
  EXPECT_FALSE(commentOf("push_const \"unterminated ; no comment").has_value());
}

TEST(Annotations, Problems) {
  auto problems = [](std::string_view src) {
    return parseAnnotations(src).problems;
  };
  EXPECT_EQ(problems("; expect: {bad json\n").size(), 1u);
  EXPECT_EQ(problems("; expect:\n").size(), 1u);
  EXPECT_EQ(problems("; expect: 1\n; expect: 2\n").size(), 1u);
  EXPECT_EQ(problems("; expect-status: finished\n").size(), 1u);
  EXPECT_EQ(problems("; expect-status: done\n; expect-status: done\n").size(),
            1u);
  EXPECT_EQ(problems("; expect-error: twelve: x\n").size(), 1u);
  EXPECT_EQ(problems("; expect-error: 0: x\n").size(), 1u);
  EXPECT_EQ(problems("; expect-fault: not a tag: x\n").size(), 1u);
  EXPECT_EQ(problems("; run: --var 'unterminated\n").size(), 1u);
  std::vector<std::string> p = problems("; expect-ouput: typo\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0], "line 1: unknown annotation 'expect-ouput:'");
  EXPECT_EQ(problems("; expect-error: 3: x\n; expect: 1\n").size(), 1u);
}

TEST(Annotations, FaultWithoutMessage) {
  Annotations a = parseAnnotations("; expect-fault: Timeout\n");
  ASSERT_EQ(a.expectFaults.size(), 1u);
  EXPECT_EQ(a.expectFaults[0].tag, "Timeout");
  EXPECT_EQ(a.expectFaults[0].messagePrefix, "");
}

TEST(Annotations, RunLinesAccumulate) {
  Annotations a = parseAnnotations(
      "; run: --ticks 2\n; run: --var 'name=\"two words\"'\n");
  EXPECT_EQ(a.runArgs,
            (Strings{"--ticks", "2", "--var", "name=\"two words\""}));
}

TEST(ShellWords, Quoting) {
  EXPECT_EQ(split(""), Strings{});
  EXPECT_EQ(split("  a   b\tc "), (Strings{"a", "b", "c"}));
  EXPECT_EQ(split("'a b' \"c d\""), (Strings{"a b", "c d"}));
  EXPECT_EQ(split("x='{\"k\": 1}'"), (Strings{"x={\"k\": 1}"}));
  EXPECT_EQ(split("\"cfg={\\\"k\\\": 1}\""), (Strings{"cfg={\"k\": 1}"}));
  EXPECT_EQ(split("'it'\\''s'"), (Strings{"it's"}));
  EXPECT_EQ(split("a\\ b"), (Strings{"a b"}));
  EXPECT_EQ(split("\"a\\nb\""), (Strings{"a\\nb"}));  // kept in "..."
  EXPECT_EQ(split("''"), (Strings{""}));               // an empty word
  EXPECT_EQ(split("'\\'"), (Strings{"\\"}));
}

TEST(ShellWords, Errors) {
  std::string error;
  EXPECT_FALSE(splitShellWords("'open", error));
  EXPECT_EQ(error, "unterminated ' quote");
  EXPECT_FALSE(splitShellWords("\"open", error));
  EXPECT_FALSE(splitShellWords("end\\", error));
  EXPECT_EQ(error, "trailing backslash");
}

}  // namespace

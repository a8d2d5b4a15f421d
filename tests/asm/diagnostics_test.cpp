// One test per assembler diagnostic: message, line, column, length.
#include "asm_test_util.h"

namespace brainvm::testing {
namespace {

struct Expect {
  uint32_t line;
  uint32_t column;
  std::string message;
  uint32_t length = 0;  // 0 = not checked
};

void expectSingle(std::string_view text, const Expect& e) {
  auto diags = asmErr(text);
  ASSERT_EQ(diags.size(), 1u) << ::testing::PrintToString(diags.size()) << " diagnostics: "
                              << (diags.empty() ? "" : diags[0].format() +
                                  (diags.size() > 1 ? " / " + diags[1].format() : ""));
  EXPECT_EQ(diags[0].message, e.message);
  EXPECT_EQ(diags[0].line, e.line) << diags[0].format();
  EXPECT_EQ(diags[0].column, e.column) << diags[0].format();
  if (e.length) {
    EXPECT_EQ(diags[0].length, e.length) << diags[0].format();
  }
  EXPECT_EQ(diags[0].file, "t.bvasm");
}

TEST(Diagnostics, FormatAndCaret) {
  auto diags = asmErr(".func main()\n  jmp lop\nloop:\n.end\n");
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].format(),
            "t.bvasm:2:7: error: unknown label 'lop' (did you mean 'loop'?)");
  EXPECT_EQ(diags[0].sourceLine, "  jmp lop");
  EXPECT_EQ(formatDiagnosticWithCaret(diags[0]),
            "t.bvasm:2:7: error: unknown label 'lop' (did you mean 'loop'?)\n"
            "  jmp lop\n"
            "      ^~~");
}

TEST(Diagnostics, CaretKeepsTabsAndCountsUtf8) {
  auto diags = asmErr(".func main()\n\tpush_const \"\xC3\xA9\" bogus\n.end\n");
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(formatDiagnosticWithCaret(diags[0]).substr(diags[0].format().size()),
            "\n\tpush_const \"\xC3\xA9\" bogus\n\t               ^~~~~");
}

TEST(Diagnostics, UnknownLabel) {
  expectSingle(".func main()\n jmp nowhere\n.end\n", {2, 6, "unknown label 'nowhere'", 7});
}
TEST(Diagnostics, UnknownMnemonic) {
  expectSingle(inMain("psh 1"), {2, 1, "unknown mnemonic 'psh' (did you mean 'pop'?)", 3});
  expectSingle(inMain("push_cnst 1"),
               {2, 1, "unknown mnemonic 'push_cnst' (did you mean 'push_const'?)"});
  expectSingle(inMain("frobnicate"), {2, 1, "unknown mnemonic 'frobnicate'"});
}
TEST(Diagnostics, CallArgcMismatch) {
  expectSingle(".func f(x)\n ret\n.end\n.func main()\n call f 2\n.end\n",
               {5, 9, "call to 'f' passes 2 arguments but 'f' takes 1", 1});
}
TEST(Diagnostics, UnknownFunction) {
  expectSingle(".func main()\n call mian\n.end\n",
               {2, 7, "unknown function 'mian' (did you mean 'main'?)"});
  expectSingle(".entry nope\n.func main()\n.end\n", {1, 8, "unknown function 'nope'"});
  expectSingle(".spawn mai\n.func main()\n.end\n",
               {1, 8, "unknown function 'mai' (did you mean 'main'?)"});
}
TEST(Diagnostics, DuplicateLabel) {
  expectSingle(".func main()\nx: pop\nx: pop\n.end\n",
               {3, 1, "duplicate label 'x' (first defined at line 2)"});
}
TEST(Diagnostics, DuplicateFunction) {
  expectSingle(".func f()\n.end\n.func f()\n.end\n",
               {3, 7, "duplicate function 'f' (first defined at line 1)"});
}
TEST(Diagnostics, DuplicateLocal) {
  expectSingle(".func f(a)\n.local b\n.local a\n.end\n",
               {3, 8, "duplicate local 'a' (first declared at line 1)"});
  expectSingle(".func f(a, a)\n.end\n", {1, 12, "duplicate parameter 'a'"});
}
TEST(Diagnostics, DuplicateConst) {
  expectSingle(".const A 1\n.const A 2\n",
               {2, 8, "duplicate constant 'A' (first defined at line 1)"});
}
TEST(Diagnostics, ConstNamedLikeLiteral) {
  expectSingle(".const nil 1\n", {1, 8, "'nil' is a literal and cannot name a constant"});
}
TEST(Diagnostics, UnknownConstant) {
  expectSingle(".const LIMIT 1\n" + inMain("push_const LIMT"),
               {3, 12, "unknown constant 'LIMT' (did you mean 'LIMIT'?)"});
}
TEST(Diagnostics, UnknownLocal) {
  expectSingle(".func f(count)\n load_local cuont\n.end\n",
               {2, 13, "unknown local 'cuont' (did you mean 'count'?)"});
  expectSingle(".func f(a)\n load_local 1\n.end\n",
               {2, 13, "local index 1 is out of range (function 'f' has 1 local)"});
}
TEST(Diagnostics, UnterminatedFunction) {
  expectSingle("\n.func main()\n pop\n", {2, 1, "function 'main' is missing its '.end'"});
  auto diags = asmErr(".func a()\n pop\n.func b()\n.end\n");
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].line, 1u);
  EXPECT_EQ(diags[0].message,
            "function 'a' is missing its '.end' (a new '.func' starts at line 3)");
}
TEST(Diagnostics, InstructionOutsideFunction) {
  expectSingle("pop\n", {1, 1, "instruction 'pop' outside of a function"});
  expectSingle("x: \n", {1, 1, "label 'x' outside of a function"});
  expectSingle(".local y\n", {1, 1, "'.local' outside of a function"});
  expectSingle(".raw 1\n", {1, 1, "'.raw' outside of a function"});
}
TEST(Diagnostics, EndWithoutFunc) {
  expectSingle(".end\n", {1, 1, "'.end' without a matching '.func'"});
}
TEST(Diagnostics, MissingOperand) {
  expectSingle(inMain("jmp"), {2, 1, "missing operand for 'jmp': expected a label", 3});
  expectSingle(inMain("push_const"),
               {2, 1, "missing operand for 'push_const': expected a literal or constant name"});
  expectSingle(inMain("host_call_args f"),
               {2, 1, "missing operand for 'host_call_args': expected an argument count"});
  expectSingle(inMain("struct_new"),
               {2, 1, "missing operand for 'struct_new': expected a field count"});
  expectSingle(".const X\n", {1, 1, "missing operand for '.const': expected a literal"});
}
TEST(Diagnostics, ExtraOperand) {
  expectSingle(inMain("pop 1"), {2, 5, "unexpected extra operand '1' for 'pop'"});
  expectSingle(inMain("push_const 1 2"), {2, 14, "unexpected extra operand '2' for 'push_const'"});
  expectSingle(".func main()\n.end x\n", {2, 6, "unexpected extra operand 'x' for '.end'"});
}
TEST(Diagnostics, IntegerOutOfRange) {
  expectSingle(inMain(".raw 0 2147483648"),
               {2, 8,
                "integer operand '2147483648' is out of range (must be between "
                "-2147483648 and 2147483647)"});
  expectSingle(inMain(".raw 256"),
               {2, 6, "integer operand '256' is out of range (must be between 0 and 255)"});
  expectSingle(inMain("struct_new -1"),
               {2, 12, "integer operand '-1' is out of range (must be between 0 and 2147483647)"});
  expectSingle(inMain("host_call_args f 99999999999999999999999"),
               {2, 18,
                "integer operand '99999999999999999999999' is out of range (must be "
                "between 0 and 2147483647)"});
  expectSingle(inMain("struct_new 1.5"),
               {2, 12, "expected a field count (an integer), found '1.5'"});
}
TEST(Diagnostics, UnknownDirective) {
  expectSingle(".fnuc main()\n", {1, 1, "unknown directive '.fnuc' (did you mean '.func'?)"});
  expectSingle(".bogus\n", {1, 1, "unknown directive '.bogus'"});
}
TEST(Diagnostics, HostKindConflict) {
  expectSingle(inMain("host_call f\nhost_call_async f"),
               {3, 17, "host function 'f' is used as async here but was imported as sync at line 2"});
  expectSingle(".import f async\n" + inMain("host_call_args f 1"),
               {3, 16, "host function 'f' is used as sync here but was imported as async at line 1"});
}
TEST(Diagnostics, BadLiterals) {
  expectSingle(inMain("push_const 1x"), {2, 12, "invalid number literal '1x'"});
  expectSingle(inMain("push_const 0xZZ"), {2, 12, "invalid hexadecimal literal '0xZZ'"});
  expectSingle(inMain("push_const 1e999"), {2, 12, "number literal '1e999' is out of range"});
  expectSingle(inMain("push_const err(Oops, \"x\")"),
               {2, 16, "unknown error tag 'Oops' (expected ScriptError, HostError, Cancelled, "
                       "Timeout, StackOverflow or StackUnderflow)"});
  expectSingle(inMain("push_const err(HostEror, \"x\")"),
               {2, 16, "unknown error tag 'HostEror' (did you mean 'HostError'?)"});
  expectSingle(inMain("push_const err(HostError)"),
               {2, 25, "malformed error literal: expected err(Tag, \"message\")"});
  expectSingle(inMain("push_const ("), {2, 12, "expected a literal, found '('"});
  expectSingle(inMain("push_const -x"),
               {2, 12, "unexpected '-x' (only numbers and -inf may start with '-')"});
}
TEST(Diagnostics, BadStrings) {
  expectSingle(inMain("push_const \"abc"), {2, 12, "unterminated string literal", 4});
  expectSingle(inMain("push_const \"a\\qb\""),
               {2, 14, "invalid escape '\\q' (valid: \\n \\t \\r \\\\ \\\" \\0 \\u{HEX})", 2});
  expectSingle(inMain("push_const \"\\u{D800}\""),
               {2, 13, "invalid escape: surrogate code points are not allowed"});
  expectSingle(inMain("push_const \"\\u{110000}\""),
               {2, 13, "invalid escape: code point is above U+10FFFF"});
  expectSingle(inMain("push_const \"\\u{1234567}\""),
               {2, 13, "invalid escape: code point is above U+10FFFF"});
  expectSingle(inMain("push_const \"\\u{}\""),
               {2, 13, "invalid escape: expected '\\u{HEX}' with 1 to 6 hex digits"});
  expectSingle(inMain("push_const \"\\u41\""),
               {2, 13, "invalid escape '\\u': expected '\\u{HEX}'"});
  expectSingle(inMain(std::string("push_const \"a\x01\"")),
               {2, 14, "unexpected control character 0x01 in string literal (use an escape)"});
}
TEST(Diagnostics, InvalidBytes) {
  expectSingle(inMain(std::string("push_const \"\xFF\"")), {2, 13, "invalid UTF-8 byte sequence"});
  expectSingle(inMain(std::string("pop \xC3\x28")), {2, 5, "invalid UTF-8 byte sequence"});
  expectSingle(inMain(std::string("pop ; \xED\xA0\x80")), {2, 7, "invalid UTF-8 byte sequence"});
  expectSingle(inMain(std::string("pop\0", 4)), {2, 4, "unexpected NUL byte"});
  expectSingle(inMain("pop \xC3\xA9"), {2, 5, "unexpected character '\xC3\xA9'"});
  expectSingle(inMain("pop @"), {2, 5, "unexpected character '@'"});
}
TEST(Diagnostics, Misc) {
  expectSingle(inMain("jmp 3"), {2, 5, "expected a label, found '3'"});
  expectSingle(inMain("struct_new 1 Point"), {2, 14, "expected a type name string, found 'Point'"});
  expectSingle(".import f maybe\n", {1, 11, "expected 'sync' or 'async', found 'maybe'"});
  expectSingle(".entry main\n.entry main\n.func main()\n.end\n",
               {2, 1, "duplicate '.entry' (the entry was already set at line 1)"});
  expectSingle(".source \"a\"\n.source \"b\"\n", {2, 1, "duplicate '.source' (first at line 1)"});
  expectSingle(".source a\n", {1, 9, "expected a file name string, found 'a'"});
  expectSingle(".var x 1\n.var x 2\n", {2, 6, "duplicate variable 'x' (first declared at line 1)"});
  expectSingle(".func f(\n.end\n", {1, 8, "missing ')' to close the parameter list"});
  expectSingle(".func f x\n.end\n", {1, 9, "expected '(' after the function name, found 'x'"});
  expectSingle(".func 3()\n.end\n", {1, 7, "expected a function name, found '3'"});
  expectSingle(", pop\n", {1, 1, "expected a label, directive or instruction, found ','"});
  expectSingle(inMain(".line -1"),
               {2, 7, "integer operand '-1' is out of range (must be between 0 and 4294967295)"});
}

TEST(Diagnostics, ReportsAllErrorsSortedByLine) {
  auto diags = asmErr(".func main()\n jmp a\n psh\n pop 1\n jmp b\n.end\n.bad\n");
  ASSERT_EQ(diags.size(), 5u);
  std::vector<uint32_t> lines;
  for (const auto& d : diags) lines.push_back(d.line);
  EXPECT_EQ(lines, (std::vector<uint32_t>{2, 3, 4, 5, 7}));
}

TEST(Diagnostics, MaxErrors) {
  std::string text;
  for (int i = 0; i < 50; ++i) text += "bogus\n";
  AssembleOptions o = opts();
  o.maxErrors = 7;
  auto r = assemble(text, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().diagnostics.size(), 7u);
}

}  // namespace
}  // namespace brainvm::testing

// Literal forms, escapes and constant interning.
#include <bit>
#include <cmath>
#include <memory>

#include "asm_test_util.h"
#include "brainvm/objects.h"

namespace brainvm::testing {
namespace {

Value constOf(std::string_view literal) {
  // Keep the programs alive: constants point into their arenas.
  static std::vector<std::unique_ptr<Program>> keep;
  keep.push_back(std::make_unique<Program>(
      asmOk(inMain("push_const " + std::string(literal)))));
  const Program& p = *keep.back();
  EXPECT_EQ(p.constants.size(), 1u);
  return p.constants.empty() ? Value() : p.constants[0];
}

double num(std::string_view literal) {
  Value v = constOf(literal);
  EXPECT_TRUE(v.isNumber());
  return v.asNumber();
}

std::string str(std::string_view literal) {
  Value v = constOf(literal);
  EXPECT_TRUE(v.isString());
  return v.isString() ? std::string(v.stringView()) : std::string();
}

TEST(Literal, Numbers) {
  EXPECT_EQ(num("42"), 42);
  EXPECT_EQ(num("-7"), -7);
  EXPECT_EQ(num("+7"), 7);
  EXPECT_EQ(num("3.25"), 3.25);
  EXPECT_EQ(num("1e-3"), 1e-3);
  EXPECT_EQ(num("2E+2"), 200);
  EXPECT_EQ(num("0x1F"), 31);
  EXPECT_EQ(num("-0x10"), -16);
  EXPECT_EQ(num("0XfF"), 255);
  EXPECT_EQ(num("1e-400"), 0);  // underflow is zero, not an error
  EXPECT_TRUE(std::isnan(num("nan")));
  EXPECT_EQ(num("inf"), INFINITY);
  EXPECT_EQ(num("-inf"), -INFINITY);
  EXPECT_TRUE(std::signbit(num("-0")));
  EXPECT_FALSE(std::signbit(num("0")));
}

TEST(Literal, Keywords) {
  EXPECT_TRUE(constOf("nil").isNil());
  EXPECT_TRUE(constOf("true").asBool());
  EXPECT_FALSE(constOf("false").asBool());
}

TEST(Literal, Errors) {
  for (auto [text, tag] : std::vector<std::pair<std::string, ErrorTag>>{
           {"ScriptError", ErrorTag::ScriptError},
           {"HostError", ErrorTag::HostError},
           {"Cancelled", ErrorTag::Cancelled},
           {"Timeout", ErrorTag::Timeout},
           {"StackOverflow", ErrorTag::StackOverflow},
           {"StackUnderflow", ErrorTag::StackUnderflow}}) {
    Value v = constOf("err(" + text + ", \"m\\n\")");
    ASSERT_TRUE(v.isError());
    EXPECT_EQ(v.asError()->tag(), tag);
    EXPECT_EQ(v.asError()->message()->view(), "m\n");
  }
  // Separator comma is optional like any operand separator.
  EXPECT_TRUE(constOf("err(HostError \"x\")").isError());
}

TEST(Literal, StringEscapes) {
  EXPECT_EQ(str(R"("a\nb")"), "a\nb");
  EXPECT_EQ(str(R"("\t\r\\\"")"), "\t\r\\\"");
  EXPECT_EQ(str(R"("x\0y")"), std::string("x\0y", 3));
  EXPECT_EQ(str(R"("\u{41}")"), "A");
  EXPECT_EQ(str(R"("\u{e9}")"), "\xC3\xA9");
  EXPECT_EQ(str(R"("\u{20AC}")"), "\xE2\x82\xAC");
  EXPECT_EQ(str(R"("\u{1F600}")"), "\xF0\x9F\x98\x80");
  EXPECT_EQ(str(R"("\u{10FFFF}")"), "\xF4\x8F\xBF\xBF");
  EXPECT_EQ(str("\"caf\xC3\xA9 ; not a comment\""), "caf\xC3\xA9 ; not a comment");
  EXPECT_EQ(str("\"tab\there\""), "tab\there");
  EXPECT_EQ(str("\"\""), "");
}

TEST(Literal, InterningSharesEqualLiterals) {
  Program p = asmOk(inMain(
      "push_const 1\npush_const \"a\"\npush_const 1.0\npush_const 0x1\n"
      "push_const \"a\"\npush_const nan\npush_const nan\npush_const 0\n"
      "push_const -0\npush_const true\npush_const 1\n"
      "push_const err(HostError, \"a\")\npush_const err(ScriptError, \"a\")\n"
      "push_const err(HostError, \"a\")\npush_const nil\npush_const nil"));
  // 1, "a", nan, 0, -0, true, err(Host), err(Script), nil
  ASSERT_EQ(p.constants.size(), 9u);
  const auto& code = p.functions[0].code;
  std::vector<int32_t> idx;
  for (const Instr& in : code) idx.push_back(in.a);
  EXPECT_EQ(idx, (std::vector<int32_t>{0, 1, 0, 0, 1, 2, 2, 3, 4, 5, 0, 6, 7, 6, 8, 8}));
  EXPECT_TRUE(p.constants[1].isString());
  EXPECT_FALSE(std::signbit(p.constants[3].asNumber()));
  EXPECT_TRUE(std::signbit(p.constants[4].asNumber()));
}

TEST(Literal, NumberStringAndBoolAreDistinct) {
  Program p = asmOk(inMain("push_const 1\npush_const \"1\"\npush_const true"));
  EXPECT_EQ(p.constants.size(), 3u);
}

TEST(Literal, NamedConstants) {
  Program p = asmOk(".const A 5\n.const B \"s\"\n" +
                    inMain("push_const B\npush_const A\npush_const 5"));
  ASSERT_EQ(p.constants.size(), 2u);  // pool order follows declarations
  EXPECT_EQ(p.constants[0].asNumber(), 5);
  EXPECT_EQ(p.functions[0].code[0].a, 1);
  EXPECT_EQ(p.functions[0].code[1].a, 0);
  EXPECT_EQ(p.functions[0].code[2].a, 0);
}

TEST(Literal, PoolDirectiveAppendsDuplicates) {
  Program p = asmOk(".pool 7\n.pool 7\n.pool \"x\"\n" + inMain("push_const 7"));
  ASSERT_EQ(p.constants.size(), 3u);
  EXPECT_EQ(p.functions[0].code[0].a, 0);
}

}  // namespace
}  // namespace brainvm::testing

// Number text (contract section 8): `to_string` writes numbers as ECMAScript's
// Number.prototype.toString does; `to_number` reads them back.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.h"

namespace brainvm::test {
namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

// Runs `push` (leaving one value) and returns the value main returns.
Outcome run(const std::function<void(FnBuilder&)>& push) {
  ProgramBuilder pb;
  auto& m = pb.func("main");
  push(m);
  m.ret();
  Outcome o = runMain(pb);
  EXPECT_EQ(o.state(), FiberState::Done) << errStr(o.error());
  return o;
}

// to_string(x) through the host function.
std::string toStringHost(double x) {
  Outcome o = run([&](FnBuilder& f) { f.k(x).host("to_string", 1); });
  return o.result().isString() ? std::string(o.result().stringView())
                               : "<not a string: " + show(o.result()) + ">";
}

// to_number(text) through the host function: the number, or nullopt for nil
// (anything else fails the test).
std::optional<double> toNumberHost(std::string_view text) {
  Outcome o = run([&](FnBuilder& f) { f.ks(text).host("to_number", 1); });
  if (o.result().isNil()) return std::nullopt;
  EXPECT_TRUE(o.result().isNumber()) << text << " gave " << show(o.result());
  return o.result().isNumber() ? std::optional(o.result().asNumber())
                               : std::nullopt;
}

bool sameBits(double a, double b) {
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}

// What reading back the text of x must give: x itself, bit for bit, except
// that every NaN reads as a NaN and -0 (written "0") as +0.
::testing::AssertionResult readsBackAs(std::optional<double> got, double x,
                                       std::string_view text) {
  if (!got) return ::testing::AssertionFailure() << "'" << text << "' gave nil";
  bool ok = std::isnan(x) ? std::isnan(*got)
                          : sameBits(*got, x == 0 ? 0.0 : x);
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "'" << text << "' read as " << std::hex
         << std::bit_cast<uint64_t>(*got) << ", wrote "
         << std::bit_cast<uint64_t>(x);
}

// --- to_string --------------------------------------------------------------

TEST(NumberText, ContractExamples) {
  EXPECT_EQ(formatNumber(42), "42");
  EXPECT_EQ(formatNumber(100000000000000000000.0), "100000000000000000000");
  EXPECT_EQ(formatNumber(0.0001), "0.0001");
  EXPECT_EQ(formatNumber(3.5), "3.5");
  EXPECT_EQ(formatNumber(1e21), "1e+21");
  EXPECT_EQ(formatNumber(1.5e300), "1.5e+300");
  EXPECT_EQ(formatNumber(1e-7), "1e-7");
  EXPECT_EQ(formatNumber(-0.0), "0");
  EXPECT_EQ(formatNumber(0.0), "0");
  EXPECT_EQ(formatNumber(kNaN), "nan");
  EXPECT_EQ(formatNumber(-kNaN), "nan");
  EXPECT_EQ(formatNumber(kInf), "inf");
  EXPECT_EQ(formatNumber(-kInf), "-inf");
}

// The cases the previous printf-style formatter got wrong.
TEST(NumberText, Regressions) {
  EXPECT_EQ(formatNumber(1e20), "100000000000000000000");
  EXPECT_EQ(formatNumber(1e-4), "0.0001");
  EXPECT_EQ(formatNumber(1e-7), "1e-7");
  EXPECT_EQ(formatNumber(12345678901234567890.0), "12345678901234567000");
}

TEST(NumberText, LayoutBoundaries) {
  // Plain digits up to 21 digits, exponent from 1e21.
  EXPECT_EQ(formatNumber(999999999999999900000.0), "999999999999999900000");
  EXPECT_EQ(formatNumber(std::nextafter(1e21, 0)), "999999999999999900000");
  EXPECT_EQ(formatNumber(-1e21), "-1e+21");
  EXPECT_EQ(formatNumber(1.25e21), "1.25e+21");
  // Fixed from 1e-6, exponent below.
  EXPECT_EQ(formatNumber(1e-6), "0.000001");
  EXPECT_EQ(formatNumber(1.5e-6), "0.0000015");
  EXPECT_EQ(formatNumber(9.5e-7), "9.5e-7");
  EXPECT_EQ(formatNumber(-1.5e-7), "-1.5e-7");
  // Digits with a decimal point inside.
  EXPECT_EQ(formatNumber(123.456), "123.456");
  EXPECT_EQ(formatNumber(-0.5), "-0.5");
  EXPECT_EQ(formatNumber(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(formatNumber(123456789012345.67), "123456789012345.67");
  // Integers around 2^53 and the extremes.
  EXPECT_EQ(formatNumber(9007199254740992.0), "9007199254740992");
  EXPECT_EQ(formatNumber(9007199254740994.0), "9007199254740994");
  EXPECT_EQ(formatNumber(-9007199254740991.0), "-9007199254740991");
  EXPECT_EQ(formatNumber(std::numeric_limits<double>::max()),
            "1.7976931348623157e+308");
  EXPECT_EQ(formatNumber(std::numeric_limits<double>::denorm_min()), "5e-324");
  EXPECT_EQ(formatNumber(std::numeric_limits<double>::min()),
            "2.2250738585072014e-308");
  EXPECT_EQ(formatNumber(1e100), "1e+100");
}

TEST(NumberText, ToStringPrintAndConcatUseIt) {
  EXPECT_EQ(toStringHost(1e20), "100000000000000000000");
  EXPECT_EQ(toStringHost(1e-4), "0.0001");
  EXPECT_EQ(toStringHost(1e-7), "1e-7");
  EXPECT_EQ(toStringHost(12345678901234567890.0), "12345678901234567000");
  EXPECT_EQ(toStringHost(-0.0), "0");

  Outcome c = run([](FnBuilder& f) { f.ks("x=").k(1e21).host("concat", 2); });
  EXPECT_EQ(show(c.result()), "x=1e+21");

  Outcome p = run([](FnBuilder& f) {
    f.k(1e20).k(0.0001).listNew().k(1e-7).listPush().host("print", 3);
  });
  EXPECT_EQ(p.vm->builtins.output(),
            (std::vector<std::string>{"100000000000000000000 0.0001 [1e-7]"}));
}

// --- to_number --------------------------------------------------------------

TEST(NumberText, ToNumberRegressions) {
  EXPECT_EQ(toNumberHost("+-5"), std::nullopt);
  EXPECT_EQ(toNumberHost(" 5\n"), 5.0);
  EXPECT_EQ(toNumberHost("1e400"), kInf);
  std::optional<double> tiny = toNumberHost("1e-400");
  ASSERT_TRUE(tiny);
  EXPECT_TRUE(sameBits(*tiny, 0.0));
}

TEST(NumberText, ToNumberAccepts) {
  struct Case {
    const char* text;
    double value;
  };
  const Case cases[] = {
      {"12", 12},        {"-3.5", -3.5},      {".5", 0.5},
      {"5.", 5},         {"1e3", 1000},       {"2E-2", 0.02},
      {"+5", 5},         {"-.5", -0.5},       {"+1.5e+2", 150},
      {"007", 7},        {"0.000", 0},        {"1E3", 1000},
      {"1e-7", 1e-7},    {"1e+21", 1e21},     {"1.5e+300", 1.5e300},
      {"inf", kInf},     {"-inf", -kInf},     {"+inf", kInf},
      {" \t\n\r\f\v42 \t\n\r\f\v", 42},       {"\t-inf\n", -kInf},
      {"100000000000000000000", 1e20},
      {"12345678901234567000", 12345678901234567890.0},
      {"0.1", 0.1},      {"5e-324", std::numeric_limits<double>::denorm_min()},
  };
  for (const Case& c : cases) {
    std::optional<double> got = parseNumber(c.text);
    ASSERT_TRUE(got) << c.text;
    EXPECT_TRUE(sameBits(*got, c.value)) << c.text << " gave " << *got;
  }
  // nan, with either sign in front (a NaN's sign is not kept).
  for (const char* text : {"nan", "-nan", "+nan", " nan\n"}) {
    std::optional<double> got = parseNumber(text);
    ASSERT_TRUE(got) << text;
    EXPECT_TRUE(std::isnan(*got)) << text;
  }
  EXPECT_TRUE(sameBits(*parseNumber("-0"), -0.0));
  EXPECT_TRUE(sameBits(*parseNumber("-0.0e5"), -0.0));
  // A number argument comes back as is.
  Outcome o = run([](FnBuilder& f) { f.k(-0.0).host("to_number", 1); });
  ASSERT_TRUE(o.result().isNumber());
  EXPECT_TRUE(sameBits(o.result().asNumber(), -0.0));
}

TEST(NumberText, ToNumberRejects) {
  const std::string rejected[] = {
      "",         " ",         "\n",       "+-5",      "-+5",    "--5",
      "++5",      "+",         "-",        "0x10",     "1_000",  "5 5",
      "nan(1)",   "1e",        "1e+",      "1e-",      ".",      "e5",
      "-e5",      ".e5",       "+.",       "1.2.3",    "..5",    "5..",
      "1e5.5",    "1e5e5",     "1ee5",     "Infinity", "-Infinity",
      "infinity", "INF",       "Inf",      "NaN",      "NAN",    "- 5",
      "+ inf",    "- nan",     "--inf",    "inff",     "nan0",   "0b1",
      "1,5",      "5%",        "abc",      "12abc",    "\xc2\xa0" "5",
      std::string("5\0", 2),   std::string("\0" "5", 2),
  };
  for (const std::string& text : rejected) {
    EXPECT_EQ(parseNumber(text), std::nullopt) << "'" << text << "'";
  }
  for (const char* text : {"", "+-5", "0x10", "1_000", "5 5", "nan(1)", "1e",
                           ".", "e5"}) {
    EXPECT_EQ(toNumberHost(text), std::nullopt) << "'" << text << "'";
  }
}

TEST(NumberText, ToNumberOutOfRange) {
  const double max = std::numeric_limits<double>::max();
  const double tiny = std::numeric_limits<double>::denorm_min();
  const std::string zeros(400, '0');
  struct Case {
    std::string text;
    double value;
  };
  const Case cases[] = {
      {"1e400", kInf},
      {"-1e400", -kInf},
      {"1e-400", 0.0},
      {"-1e-400", -0.0},
      {"1.7976931348623157e308", max},
      {"1.7976931348623158e308", max},  // rounds down to max
      {"1.7976931348623159e308", kInf},
      {"-1.8e308", -kInf},
      {"2e-324", 0.0},  // below half of the smallest subnormal
      {"3e-324", tiny},
      {"1e99999999999999999999999", kInf},
      {"-1e-99999999999999999999999", -0.0},
      {"0e99999999999999999999999", 0.0},
      {"-0e-99999999999999999999999", -0.0},
      {"1" + zeros, kInf},                   // 1e400 written out
      {"0." + zeros + "1", 0.0},             // 1e-401
      {"0." + zeros + "1e500", 1e99},        // leading zeros count
      {"1" + zeros + "e-400", 1.0},          // trailing zeros count
      {"0.0000000000000000000001e-310", 0.0},
      {"123456789e-320", 123456789e-320},  // subnormal, not out of range
  };
  for (const Case& c : cases) {
    std::optional<double> got = parseNumber(c.text);
    ASSERT_TRUE(got) << c.text;
    EXPECT_TRUE(sameBits(*got, c.value))
        << c.text.substr(0, 40) << " gave " << *got << ", want " << c.value;
  }
}

// --- Round trips ------------------------------------------------------------

std::string hex(uint64_t bits) {
  std::ostringstream s;
  s << std::hex << bits;
  return s.str();
}

// tests/core/data/number_text.tsv: bit pattern and node's String(x), made
// by scripts/gen_number_text.js.
struct Row {
  uint64_t bits;
  std::string text;
};
std::vector<Row> loadRows() {
  std::vector<Row> rows;
  std::ifstream in(std::string(BRAINVM_SOURCE_DIR) +
                   "/tests/core/data/number_text.tsv");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t tab = line.find('\t');
    if (tab != 16) {
      ADD_FAILURE() << "bad row: " << line;
      continue;
    }
    rows.push_back({std::stoull(line.substr(0, 16), nullptr, 16),
                    line.substr(tab + 1)});
  }
  return rows;
}

TEST(NumberText, MatchesEcmaScriptOnGeneratedData) {
  std::vector<Row> rows = loadRows();
  ASSERT_GE(rows.size(), 5000u) << "test data missing or truncated";
  int failures = 0;
  for (const Row& r : rows) {
    double x = std::bit_cast<double>(r.bits);
    std::string got = formatNumber(x);
    if (got != r.text && ++failures <= 20)
      ADD_FAILURE() << hex(r.bits) << ": wrote " << got << ", node writes "
                    << r.text;
    auto back = readsBackAs(parseNumber(r.text), x, r.text);
    if (!back && ++failures <= 20) ADD_FAILURE() << back.message();
  }
  EXPECT_EQ(failures, 0);
}

TEST(NumberText, RoundTripsRandomDoubles) {
  std::mt19937_64 gen(20240611);
  std::uniform_real_distribution<double> fixedRange(-30, 25);
  int failures = 0;
  for (int i = 0; i < 300000; ++i) {
    // Half any bit pattern, half numbers where the fixed notations apply.
    double x = i % 2 ? std::bit_cast<double>(gen())
                     : std::pow(10.0, fixedRange(gen)) * (i % 4 ? 1 : -1);
    std::string text = formatNumber(x);
    auto result = readsBackAs(parseNumber(text), x, text);
    if (!result && ++failures <= 20) ADD_FAILURE() << result.message();
  }
  EXPECT_EQ(failures, 0);
}

TEST(NumberText, HostFunctionsRoundTrip) {
  // to_number(to_string(x)) inside a program, on a sample of the data.
  std::vector<Row> rows = loadRows();
  ASSERT_GE(rows.size(), 5000u);
  for (size_t i = 0; i < rows.size(); i += 37) {
    double x = std::bit_cast<double>(rows[i].bits);
    Outcome o = run([&](FnBuilder& f) {
      f.k(x).host("to_string", 1).host("to_number", 1);
    });
    ASSERT_TRUE(o.result().isNumber()) << hex(rows[i].bits);
    EXPECT_TRUE(readsBackAs(o.result().asNumber(), x, rows[i].text));
  }
}

}  // namespace
}  // namespace brainvm::test

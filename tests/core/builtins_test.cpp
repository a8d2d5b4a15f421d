// The built-in host library (contract section 8).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "intrinsics.h"
#include "test_support.h"

namespace brainvm::test {
namespace {

using Body = std::function<void(FnBuilder&)>;
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

// Runs body (leaving one value) inside a try; returns to_string of the value
// or of the caught error ("HostError: ...").
std::string eval(const Body& body, RuntimeConfig cfg = {}) {
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.tryTo("c");
  body(m);
  m.endTry().ret();
  m.label("c").ret();
  Outcome o = runMain(pb, cfg);
  EXPECT_EQ(o.state(), FiberState::Done) << errStr(o.error());
  return show(o.result());
}

// name(a, b) on two numbers.
std::string num2(const char* name, double a, double b) {
  return eval([&](FnBuilder& f) { f.k(a).k(b).host(name, 2); });
}

TEST(Builtins, Arithmetic) {
  EXPECT_EQ(num2("add", 2, 3), "5");
  EXPECT_EQ(num2("sub", 2, 3), "-1");
  EXPECT_EQ(num2("mul", 2.5, 2), "5");
  EXPECT_EQ(num2("div", 7, 2), "3.5");
  EXPECT_EQ(num2("mod", 7, 3), "1");
  EXPECT_EQ(num2("mod", -7, 3), "-1");  // sign of the dividend
  EXPECT_EQ(num2("mod", 7, -3), "1");
  EXPECT_EQ(num2("mod", 5.5, 2), "1.5");
  EXPECT_EQ(num2("div", 1, 0), "HostError: division by zero");
  EXPECT_EQ(num2("div", 0, -0.0), "HostError: division by zero");
  EXPECT_EQ(num2("mod", 1, 0), "HostError: division by zero");
  EXPECT_EQ(eval([](FnBuilder& f) { f.k(4).host("neg", 1); }), "-4");
  EXPECT_EQ(eval([](FnBuilder& f) { f.k(0).host("neg", 1); }), "0");
}

// `mod` computes integers without fmod; the bits must be fmod's anyway
// (zero's sign is the dividend's; fractions, huge and odd values go to fmod).
TEST(Builtins, RemainderIsFmodBitForBit) {
  const double big = 9007199254740992.0;  // 2^53
  const double values[] = {0.0, -0.0, 1, -1, 2, -2, 3, -3, 5, -5, 7, 10, -10,
                           0.5, -2.5, 1e300, -1e300, big - 1, -(big - 1), big,
                           -big, big * 2 + 2, 4503599627370497.0, 123456789,
                           std::numeric_limits<double>::infinity(),
                           -std::numeric_limits<double>::infinity(),
                           std::numeric_limits<double>::quiet_NaN(),
                           std::numeric_limits<double>::denorm_min()};
  for (double x : values)
    for (double y : values) {
      if (y == 0) continue;  // the callers never pass it (division by zero)
      const double want = std::fmod(x, y), got = numberRemainder(x, y);
      if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(got)) << x << " mod " << y;
        continue;
      }
      EXPECT_EQ(std::signbit(got), std::signbit(want)) << x << " mod " << y;
      EXPECT_EQ(got, want) << x << " mod " << y;
    }
}

TEST(Builtins, ArithmeticKindAndCountErrorsNameTheFunction) {
  EXPECT_EQ(eval([](FnBuilder& f) { f.ks("a").k(1).host("add", 2); }),
            "HostError: add: argument 1 must be a number, got string");
  EXPECT_EQ(eval([](FnBuilder& f) { f.k(1).knil().host("sub", 2); }),
            "HostError: sub: argument 2 must be a number, got nil");
  EXPECT_EQ(eval([](FnBuilder& f) { f.k(1).host("mul", 1); }),
            "HostError: mul: expected 2 arguments, got 1");
  EXPECT_EQ(eval([](FnBuilder& f) { f.k(1).ks("x").host("div", 2); }),
            "HostError: div: argument 2 must be a number, got string");
  EXPECT_EQ(eval([](FnBuilder& f) { f.kbool(true).host("neg", 1); }),
            "HostError: neg: argument 1 must be a number, got boolean");
  EXPECT_EQ(eval([](FnBuilder& f) { f.k(1).k(2).host("neg", 2); }),
            "HostError: neg: expected 1 argument, got 2");
  // Through host_call with an argument map too.
  EXPECT_EQ(eval([](FnBuilder& f) {
              f.mapNew().k(0).k(1).mapSet().hostMap("add");
            }),
            "HostError: add: expected 2 arguments, got 1");
}

TEST(Builtins, Equality) {
  EXPECT_EQ(num2("eq", kNaN, kNaN), "false");
  EXPECT_EQ(num2("neq", kNaN, kNaN), "true");
  EXPECT_EQ(num2("eq", 0, -0.0), "true");
  EXPECT_EQ(num2("eq", 1, 2), "false");
  EXPECT_EQ(eval([](FnBuilder& f) { f.k(1).ks("1").host("eq", 2); }), "false");
  EXPECT_EQ(eval([](FnBuilder& f) { f.knil().knil().host("eq", 2); }), "true");
  EXPECT_EQ(eval([](FnBuilder& f) { f.knil().kbool(false).host("eq", 2); }), "false");
  EXPECT_EQ(eval([](FnBuilder& f) { f.kbool(true).kbool(true).host("eq", 2); }), "true");
  // Strings by value: a fresh concat result equals a constant.
  EXPECT_EQ(eval([](FnBuilder& f) {
              f.ks("ab").ks("a").ks("b").host("concat", 2).host("eq", 2);
            }),
            "true");
  EXPECT_EQ(eval([](FnBuilder& f) { f.ks("a").ks("b").host("neq", 2); }), "true");
  // Lists, maps, structs by identity.
  EXPECT_EQ(eval([](FnBuilder& f) { f.listNew().dup().host("eq", 2); }), "true");
  EXPECT_EQ(eval([](FnBuilder& f) { f.listNew().listNew().host("eq", 2); }), "false");
  EXPECT_EQ(eval([](FnBuilder& f) { f.mapNew().mapNew().host("neq", 2); }), "true");
  EXPECT_EQ(eval([](FnBuilder& f) { f.structNew(0).structNew(0).host("eq", 2); }),
            "false");
  EXPECT_EQ(eval([](FnBuilder& f) { f.k(1).host("eq", 1); }),
            "HostError: eq: expected 2 arguments, got 1");
}

TEST(Builtins, Ordering) {
  EXPECT_EQ(num2("lt", 1, 2), "true");
  EXPECT_EQ(num2("lt", 2, 2), "false");
  EXPECT_EQ(num2("le", 2, 2), "true");
  EXPECT_EQ(num2("gt", 3, 2), "true");
  EXPECT_EQ(num2("ge", 1, 2), "false");
  EXPECT_EQ(num2("lt", kNaN, 1), "false");
  EXPECT_EQ(num2("ge", kNaN, kNaN), "false");
  EXPECT_EQ(num2("lt", -kInf, kInf), "true");
  EXPECT_EQ(eval([](FnBuilder& f) { f.ks("b").ks("a").host("gt", 2); }), "true");
  EXPECT_EQ(eval([](FnBuilder& f) { f.ks("a").ks("ab").host("lt", 2); }), "true");
  EXPECT_EQ(eval([](FnBuilder& f) { f.ks("B").ks("a").host("lt", 2); }), "true");
  EXPECT_EQ(eval([](FnBuilder& f) { f.ks("a").ks("a").host("ge", 2); }), "true");
  EXPECT_EQ(eval([](FnBuilder& f) { f.ks("a").ks("b").host("le", 2); }), "true");
  // Bytes, not code points: "é" (C3 A9) > "z" (7A).
  EXPECT_EQ(eval([](FnBuilder& f) { f.ks("\xC3\xA9").ks("z").host("gt", 2); }),
            "true");
  EXPECT_EQ(eval([](FnBuilder& f) { f.k(1).ks("a").host("lt", 2); }),
            "HostError: lt: arguments must be two numbers or two strings, got "
            "number and string");
  EXPECT_EQ(eval([](FnBuilder& f) { f.knil().knil().host("ge", 2); }),
            "HostError: ge: arguments must be two numbers or two strings, got "
            "nil and nil");
}

TEST(Builtins, Not) {
  EXPECT_EQ(eval([](FnBuilder& f) { f.k(0).host("not", 1); }), "true");
  EXPECT_EQ(eval([](FnBuilder& f) { f.k(kNaN).host("not", 1); }), "false");
  EXPECT_EQ(eval([](FnBuilder& f) { f.ks("").host("not", 1); }), "true");
  EXPECT_EQ(eval([](FnBuilder& f) { f.ks("x").host("not", 1); }), "false");
  EXPECT_EQ(eval([](FnBuilder& f) { f.knil().host("not", 1); }), "true");
  EXPECT_EQ(eval([](FnBuilder& f) { f.kerr(ErrorTag::HostError, "e").host("not", 1); }),
            "true");
  EXPECT_EQ(eval([](FnBuilder& f) { f.structNew(0).host("not", 1); }), "false");
}

TEST(Builtins, Concat) {
  EXPECT_EQ(eval([](FnBuilder& f) { f.ks("a").k(1).host("concat", 2); }), "a1");
  // Numbers as to_string writes them, integral or not, on either side.
  const std::pair<double, const char*> numbers[] = {
      {0.0, "0"}, {-0.0, "0"}, {-42, "-42"}, {9007199254740991.0, "9007199254740991"},
      {9007199254740992.0, "9007199254740992"}, {1e21, "1e+21"}, {-2.5, "-2.5"},
      {std::numeric_limits<double>::infinity(), "inf"}};
  for (const auto& [d, text] : numbers) {
    EXPECT_EQ(eval([d = d](FnBuilder& f) { f.ks("k").k(d).host("concat", 2); }),
              std::string("k") + text);
    EXPECT_EQ(eval([d = d](FnBuilder& f) { f.k(d).ks("k").host("concat", 2); }),
              std::string(text) + "k");
    EXPECT_EQ(eval([d = d](FnBuilder& f) { f.k(d).k(d).host("concat", 2); }),
              std::string(text) + text);
  }
  EXPECT_EQ(eval([](FnBuilder& f) {
              f.listNew().ks("s").listPush().knil().host("concat", 2);
            }),
            "[\"s\"]nil");
  EXPECT_EQ(eval([](FnBuilder& f) { f.k(1.5).kbool(false).host("concat", 2); }),
            "1.5false");
  EXPECT_EQ(eval([](FnBuilder& f) { f.ks("a").host("concat", 1); }),
            "HostError: concat: expected 2 arguments, got 1");
}

std::string str1(const Body& push) {
  return eval([&](FnBuilder& f) {
    push(f);
    f.host("to_string", 1);
  });
}

TEST(Builtins, ToStringNumbers) {
  EXPECT_EQ(str1([](FnBuilder& f) { f.k(42); }), "42");
  EXPECT_EQ(str1([](FnBuilder& f) { f.k(-0.0); }), "0");
  EXPECT_EQ(str1([](FnBuilder& f) { f.k(-7); }), "-7");
  EXPECT_EQ(str1([](FnBuilder& f) { f.k(3.5); }), "3.5");
  EXPECT_EQ(str1([](FnBuilder& f) { f.k(0.1); }), "0.1");
  EXPECT_EQ(str1([](FnBuilder& f) { f.k(1.0 / 3); }), "0.3333333333333333");
  EXPECT_EQ(str1([](FnBuilder& f) { f.k(kNaN); }), "nan");
  EXPECT_EQ(str1([](FnBuilder& f) { f.k(kInf); }), "inf");
  EXPECT_EQ(str1([](FnBuilder& f) { f.k(-kInf); }), "-inf");
  EXPECT_EQ(str1([](FnBuilder& f) { f.k(9007199254740991.0); }), "9007199254740991");
}

TEST(Builtins, ToStringOtherKinds) {
  EXPECT_EQ(str1([](FnBuilder& f) { f.kbool(true); }), "true");
  EXPECT_EQ(str1([](FnBuilder& f) { f.knil(); }), "nil");
  EXPECT_EQ(str1([](FnBuilder& f) { f.ks("plain \"q\""); }), "plain \"q\"");
  EXPECT_EQ(str1([](FnBuilder& f) {
              f.listNew().k(1).listPush().ks("a").listPush();
              f.ks("q\"\\\n").listPush().listNew().listPush();
            }),
            "[1, \"a\", \"q\\\"\\\\\\n\", []]");
  EXPECT_EQ(str1([](FnBuilder& f) {
              f.mapNew().ks("k").k(1).mapSet().k(2).k(3).mapSet();
            }),
            "{\"k\": 1, 2: 3}");
  EXPECT_EQ(str1([](FnBuilder& f) {
              f.ks("x").k(1).ks("y").k(2).structNew(2, "Point");
            }),
            "Point{x: 1, y: 2}");
  EXPECT_EQ(str1([](FnBuilder& f) {
              f.ks("name").ks("n").structNew(1, "Tag");
            }),
            "Tag{name: \"n\"}");
  EXPECT_EQ(str1([](FnBuilder& f) { f.kerr(ErrorTag::HostError, "msg"); }),
            "HostError: msg");
  EXPECT_EQ(str1([](FnBuilder& f) {
              f.k(0).hostAsync("sleep", 1).pop().k(0).hostAsync("sleep", 1).pop();
              f.k(0).hostAsync("sleep", 1);
            }),
            "handle#3");
  EXPECT_EQ(str1([](FnBuilder& f) { f.listNew().dup().dup().listPush().listPush(); }),
            "[<cycle>, <cycle>]");
  EXPECT_EQ(str1([](FnBuilder& f) { f.mapNew().dup().ks("me").swap().mapSet(); }),
            "{\"me\": <cycle>}");
}

TEST(Builtins, ToStringSharedButAcyclicIsNotACycle) {
  EXPECT_EQ(str1([](FnBuilder& f) {
              f.listNew().k(1).listPush();  // inner
              f.listNew().swap().dup().storeVar("tmp").listPush().loadVar("tmp")
                  .listPush();
            }),
            "[[1], [1]]");
}

TEST(Builtins, ToNumber) {
  EXPECT_EQ(eval([](FnBuilder& f) { f.ks("42").host("to_number", 1); }), "42");
  EXPECT_EQ(eval([](FnBuilder& f) { f.ks(" 3.5 ").host("to_number", 1); }), "3.5");
  EXPECT_EQ(eval([](FnBuilder& f) { f.ks("-1e3").host("to_number", 1); }), "-1000");
  EXPECT_EQ(eval([](FnBuilder& f) { f.ks("abc").host("to_number", 1); }), "nil");
  EXPECT_EQ(eval([](FnBuilder& f) { f.ks("12abc").host("to_number", 1); }), "nil");
  EXPECT_EQ(eval([](FnBuilder& f) { f.ks("").host("to_number", 1); }), "nil");
  EXPECT_EQ(eval([](FnBuilder& f) { f.k(7).host("to_number", 1); }), "7");
  EXPECT_EQ(eval([](FnBuilder& f) { f.listNew().host("to_number", 1); }),
            "HostError: to_number: argument 1 must be a string or number, got list");
}

TEST(Builtins, Len) {
  EXPECT_EQ(eval([](FnBuilder& f) { f.ks("h\xC3\xA9llo").host("len", 1); }), "6");
  EXPECT_EQ(eval([](FnBuilder& f) { f.ks("").host("len", 1); }), "0");
  EXPECT_EQ(eval([](FnBuilder& f) {
              f.listNew().k(1).listPush().k(2).listPush().host("len", 1);
            }),
            "2");
  EXPECT_EQ(eval([](FnBuilder& f) {
              f.mapNew().k(1).k(1).mapSet().k(1).mapDelete().host("len", 1);
            }),
            "0");
  EXPECT_EQ(eval([](FnBuilder& f) { f.k(1).host("len", 1); }),
            "HostError: len: argument 1 must be a string, list or map, got number");
}

TEST(Builtins, PrintAppendsOneLine) {
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.k(1).ks("a b").listNew().ks("s").listPush().host("print", 3);
  m.host("print", 0).pop().knil().host("print", 1).ret();
  Outcome o = runMain(pb);
  ASSERT_EQ(o.state(), FiberState::Done);
  EXPECT_EQ(show(o.result()), "nil");
  EXPECT_EQ(o.vm->builtins.output(),
            (std::vector<std::string>{"1 a b [\"s\"]", "", "nil"}));
}

TEST(Builtins, ErrorsAndAssert) {
  EXPECT_EQ(eval([](FnBuilder& f) { f.ks("m").host("error", 1); }), "ScriptError: m");
  EXPECT_EQ(eval([](FnBuilder& f) { f.ks("HostError").ks("m").host("error", 2); }),
            "HostError: m");
  EXPECT_EQ(eval([](FnBuilder& f) { f.ks("Bogus").ks("m").host("error", 2); }),
            "HostError: error: unknown error tag 'Bogus'");
  EXPECT_EQ(eval([](FnBuilder& f) { f.k(1).host("error", 1); }),
            "HostError: error: argument 1 must be a string, got number");
  EXPECT_EQ(eval([](FnBuilder& f) {
              f.kerr(ErrorTag::StackUnderflow, "u").host("error_tag", 1);
            }),
            "StackUnderflow");
  EXPECT_EQ(eval([](FnBuilder& f) {
              f.kerr(ErrorTag::Cancelled, "why").host("error_message", 1);
            }),
            "why");
  EXPECT_EQ(eval([](FnBuilder& f) { f.k(1).host("error_tag", 1); }),
            "HostError: error_tag: argument 1 must be an error, got number");
  EXPECT_EQ(eval([](FnBuilder& f) { f.ks("e").host("error_message", 1); }),
            "HostError: error_message: argument 1 must be an error, got string");
  EXPECT_EQ(eval([](FnBuilder& f) { f.kbool(true).host("assert", 1); }), "nil");
  EXPECT_EQ(eval([](FnBuilder& f) { f.kbool(false).host("assert", 1); }),
            "HostError: assertion failed");
  EXPECT_EQ(eval([](FnBuilder& f) { f.k(0).ks("x must be set").host("assert", 2); }),
            "HostError: assertion failed: x must be set");
  EXPECT_EQ(eval([](FnBuilder& f) { f.host("assert", 0); }),
            "HostError: assert: expected 1 to 2 arguments, got 0");
}

TEST(Builtins, NowAndTickReadTheClock) {
  ProgramBuilder pb;
  pb.func("main").host("now", 0).host("tick", 0).host("concat", 2).ret();
  auto vm = makeVm(pb.build());
  Runtime& rt = **vm;
  rt.setClock(123.5, 16, 9);
  EXPECT_EQ(rt.timeMs(), 123.5);
  EXPECT_EQ(rt.dtMs(), 16);
  EXPECT_EQ(rt.currentTick(), 9u);
  FiberId id = rt.spawn("main").value();
  rt.runFiber(id, 100);
  EXPECT_EQ(show(rt.fiber(id)->result), "123.59");
}

std::vector<double> randoms(uint64_t seed) {
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.listNew();
  for (int i = 0; i < 5; ++i) m.host("random", 0).listPush();
  m.ret();
  auto vm = makeVm(pb.build(), {}, {}, seed);
  FiberView v = runFn(*vm, "main");
  std::vector<double> out;
  for (const Value& x : *v.result.asList()) out.push_back(x.asNumber());
  return out;
}

TEST(Builtins, RandomIsDeterministicBySeed) {
  auto a = randoms(5), b = randoms(5), c = randoms(6);
  ASSERT_EQ(a.size(), 5u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  std::set<double> distinct(a.begin(), a.end());
  EXPECT_EQ(distinct.size(), 5u);
  for (double d : a) {
    EXPECT_GE(d, 0.0);
    EXPECT_LT(d, 1.0);
  }
}

TEST(Builtins, RandomInt) {
  ProgramBuilder pb;
  auto& m = pb.func("main", 0, 1);
  m.listNew().storeLocal(0).k(0);
  m.label("l").dup().k(200).host("lt", 2).jf("done");
  m.loadLocal(0).k(1).k(6).host("random_int", 2).listPush().pop();
  m.k(1).host("add", 2).jmp("l");
  m.label("done").pop().loadLocal(0).ret();
  Outcome o = runMain(pb);
  ASSERT_EQ(o.state(), FiberState::Done) << errStr(o.error());
  std::set<double> seen;
  for (const Value& x : *o.result().asList()) {
    double d = x.asNumber();
    EXPECT_EQ(d, std::floor(d));
    seen.insert(d);
  }
  EXPECT_EQ(seen, (std::set<double>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(num2("random_int", 3, 3), "3");
  EXPECT_EQ(num2("random_int", 5, 1),
            "HostError: random_int: lo must not be greater than hi");
  EXPECT_EQ(num2("random_int", 1.5, 2),
            "HostError: random_int: argument 1 must be an integer");
  EXPECT_EQ(eval([](FnBuilder& f) { f.host("random", 0).k(0).host("ge", 2); }), "true");
}

TEST(Builtins, FiberIdSpawnAndCancel) {
  ProgramBuilder pb;
  pb.shared("got");
  auto& m = pb.func("main");
  m.listNew().host("fiber_id", 0).listPush();
  m.ks("worker").k(5).host("spawn", 2).listPush();
  m.k(99).host("cancel", 1).listPush().ret();
  pb.func("worker", 1).loadLocal(0).storeVar("got").knil().ret();
  auto vm = makeVm(pb.build());
  FiberView v = runFn(*vm, "main");
  EXPECT_EQ(show(v.result), "[1, 2, false]");
  (**vm).tick();
  EXPECT_EQ(show((**vm).getShared("got").value()), "5");
  EXPECT_EQ(eval([](FnBuilder& f) { f.ks("nope").host("spawn", 1); }),
            "HostError: spawn: no function named 'nope'");
  EXPECT_EQ(eval([](FnBuilder& f) { f.ks("main").k(1).host("spawn", 2); }),
            "HostError: spawn: function 'main' takes 0 argument(s), got 1");
  EXPECT_EQ(eval([](FnBuilder& f) { f.host("spawn", 0); }),
            "HostError: spawn: expected a function name");
  EXPECT_EQ(eval([](FnBuilder& f) { f.k(1.5).host("cancel", 1); }),
            "HostError: cancel: argument 1 must be an integer");
  EXPECT_EQ(eval([](FnBuilder& f) { f.k(-1).host("cancel", 1); }), "false");
}

// main: value of `body` (an awaited timer) and the tick when it resumed.
std::string timed(const Body& body, uint32_t* doneTick = nullptr) {
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.tryTo("c");
  body(m);
  m.endTry().host("tick", 0).swap().host("concat", 2).ks("@").swap()
      .host("concat", 2).ret();
  m.label("c").ret();
  auto vm = makeVm(pb.build());
  FiberView v = runFn(*vm, "main");
  EXPECT_EQ(v.state, FiberState::Done);
  if (doneTick) *doneTick = static_cast<uint32_t>((**vm).currentTick());
  EXPECT_FALSE(vm->builtins.hasPendingTimers());
  return show(v.result);
}

TEST(Builtins, Timers) {
  // Value "@" tick-at-resume.
  EXPECT_EQ(timed([](FnBuilder& f) { f.k(0).hostAsync("sleep", 1).await_(); }),
            "@1nil");
  EXPECT_EQ(timed([](FnBuilder& f) { f.k(2).hostAsync("sleep", 1).await_(); }),
            "@3nil");
  EXPECT_EQ(timed([](FnBuilder& f) {
              f.k(1).ks("v").hostAsync("delay", 2).await_();
            }),
            "@2v");
  EXPECT_EQ(timed([](FnBuilder& f) {
              f.k(0).ks("now").hostAsync("delay", 2).await_();
            }),
            "@1now");
  EXPECT_EQ(timed([](FnBuilder& f) {
              f.k(3).ks("boom").hostAsync("fail_after", 2).await_();
            }),
            "HostError: boom");
  EXPECT_EQ(timed([](FnBuilder& f) {
              f.k(0).ks("boom").hostAsync("fail_after", 2).await_();
            }),
            "HostError: boom");
  EXPECT_EQ(timed([](FnBuilder& f) { f.k(-1).hostAsync("sleep", 1).await_(); }),
            "HostError: sleep: ticks must be a non-negative integer");
  EXPECT_EQ(timed([](FnBuilder& f) { f.k(0.5).hostAsync("sleep", 1).await_(); }),
            "HostError: sleep: argument 1 must be an integer");
  EXPECT_EQ(timed([](FnBuilder& f) {
              f.k(1).k(2).hostAsync("fail_after", 2).await_();
            }),
            "HostError: fail_after: argument 2 must be a string, got number");
}

struct SettleLog : RuntimeObserver {
  std::vector<HandleId> settled;
  void onHandleSettled(HandleId id, HandleState) override { settled.push_back(id); }
};

// A runtime at tick 1 whose main fiber has run to its end, making its
// timers; `log` records the handles settled from then on.
std::unique_ptr<Vm> timersMadeByMain(ProgramBuilder& pb, SettleLog& log) {
  auto vm = makeVm(pb.build());
  Runtime& rt = **vm;
  rt.setClock(0, 16, 1);
  FiberId id = rt.spawn("main").value();
  EXPECT_EQ(rt.runFiber(id, 100).status, RunStatus::Done);
  rt.setObserver(&log);
  return vm;
}

TEST(Builtins, TimersCompleteInDueThenCreationOrder) {
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.k(3).ks("a").hostAsync("delay", 2).pop();  // handle 1, due 4
  m.k(1).ks("b").hostAsync("delay", 2).pop();  // handle 2, due 2
  m.k(3).hostAsync("sleep", 1).pop();          // handle 3, due 4
  m.k(9).hostAsync("sleep", 1).pop();          // handle 4, due 10
  m.knil().ret();
  SettleLog log;
  auto vm = timersMadeByMain(pb, log);
  Runtime& rt = **vm;
  vm->builtins.completeTimersDue(rt, 1);
  EXPECT_TRUE(log.settled.empty());
  // A handle settled elsewhere is skipped.
  ASSERT_TRUE(rt.cancelHandle(4).ok());
  log.settled.clear();
  vm->builtins.completeTimersDue(rt, 20);
  EXPECT_EQ(log.settled, (std::vector<HandleId>{2, 1, 3}));
  EXPECT_FALSE(vm->builtins.hasPendingTimers());
  EXPECT_EQ(rt.handleState(4), HandleState::Cancelled);
  rt.setObserver(nullptr);
}

// Timers complete tick by tick as they fall due, however they were made:
// out of due order, or after earlier ones have completed.
TEST(Builtins, TimersCompleteTickByTickAndMixWithLaterOnes) {
  ProgramBuilder pb;
  auto& m = pb.func("main");
  for (int due : {5, 2, 2, 7, 3}) m.k(due - 1).hostAsync("sleep", 1).pop();
  m.knil().ret();  // handles 1..5, due 5, 2, 2, 7, 3
  SettleLog log;
  auto vm = timersMadeByMain(pb, log);
  Runtime& rt = **vm;
  auto settledAt = [&](uint64_t tick) {
    log.settled.clear();
    vm->builtins.completeTimersDue(rt, tick);
    return log.settled;
  };
  auto add = [&](uint64_t due) {
    Result<HandleId> h = rt.createHandle();
    EXPECT_TRUE(h.ok());
    vm->builtins.addTimer(rt, due, h.value(),
                          BuiltinHost::TimerAction::ResolveNil, Value(), "");
    return h.value();
  };
  EXPECT_EQ(settledAt(1), std::vector<HandleId>{});
  EXPECT_EQ(settledAt(2), (std::vector<HandleId>{2, 3}));
  const HandleId h6 = add(4), h7 = add(3), h8 = add(9), h9 = add(3);
  EXPECT_EQ(settledAt(3), (std::vector<HandleId>{5, h7, h9}));
  std::vector<HandleId> pending = vm->builtins.pendingHandles();
  std::sort(pending.begin(), pending.end());
  EXPECT_EQ(pending, (std::vector<HandleId>{1, 4, h6, h8}));
  EXPECT_EQ(settledAt(6), (std::vector<HandleId>{h6, 1}));
  EXPECT_TRUE(vm->builtins.hasPendingTimers());
  const HandleId h10 = add(7);
  EXPECT_EQ(settledAt(100), (std::vector<HandleId>{4, h10, h8}));
  EXPECT_FALSE(vm->builtins.hasPendingTimers());
  EXPECT_EQ(settledAt(200), std::vector<HandleId>{});
  rt.setObserver(nullptr);
}

}  // namespace
}  // namespace brainvm::test

// try/throw/end_try, handler ownership by frames, host failures and traces.
#include <gtest/gtest.h>

#include "test_support.h"

namespace brainvm::test {
namespace {

TEST(Exceptions, ThrowAcrossFramesUnwindsToTheHandler) {
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.k(5).tryTo("c").call("a").endTry().ret();
  m.label("c").host("error_message", 1).host("concat", 2).ret();  // 5 . msg
  pb.func("a").k(1).k(2).call("b").ret();
  pb.func("b").k(3).kerr(ErrorTag::ScriptError, "deep").throw_();
  Outcome o = runMain(pb);
  ASSERT_EQ(o.state(), FiberState::Done) << errStr(o.error());
  // The stack is back at the try's depth (5) plus the error.
  EXPECT_EQ(show(o.result()), "5deep");
}

TEST(Exceptions, NestedTryRethrowReachesTheOuterHandler) {
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.tryTo("outer").tryTo("inner");
  m.kerr(ErrorTag::HostError, "first").throw_();
  m.label("inner").pop().kerr(ErrorTag::Timeout, "second").throw_();
  m.label("outer").ret();
  Outcome o = runMain(pb);
  ASSERT_EQ(o.state(), FiberState::Done) << errStr(o.error());
  EXPECT_EQ(errStr(o.result()), "Timeout: second");
}

TEST(Exceptions, RetDiscardsTheCalleesHandlers) {
  // The callee installs a handler and returns without end_try. A later throw
  // in the caller must not be caught by that stale handler.
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.call("leaky").pop();
  m.kerr(ErrorTag::ScriptError, "after").throw_();
  auto& l = pb.func("leaky");
  l.tryTo("c").k(1).ret();
  l.label("c").ks("stale handler ran").ret();
  Outcome o = runMain(pb);
  ASSERT_EQ(o.state(), FiberState::Fault);
  EXPECT_EQ(errStr(o.error()), "ScriptError: after");
}

TEST(Exceptions, RetKeepsTheCallersHandlers) {
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.tryTo("c").call("leaky").pop();
  m.kerr(ErrorTag::ScriptError, "after").throw_();
  m.label("c").ret();
  auto& l = pb.func("leaky");
  l.tryTo("x").k(1).ret();
  l.label("x").ret();
  Outcome o = runMain(pb);
  ASSERT_EQ(o.state(), FiberState::Done);
  EXPECT_EQ(errStr(o.result()), "ScriptError: after");
}

TEST(Exceptions, EndTryIsANoOpWhenTheFrameHasNoHandler) {
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.tryTo("c").call("f").endTry().ret();
  m.label("c").ret();
  // f's end_try must not remove main's handler.
  pb.func("f").endTry().endTry().kerr(ErrorTag::HostError, "boom").throw_();
  Outcome o = runMain(pb);
  ASSERT_EQ(o.state(), FiberState::Done) << errStr(o.error());
  EXPECT_EQ(errStr(o.result()), "HostError: boom");
}

TEST(Exceptions, EndTryRemovesTheInnermostHandler) {
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.tryTo("outer").tryTo("inner").endTry();  // inner removed
  m.kerr(ErrorTag::ScriptError, "x").throw_();
  m.label("inner").pop().ks("inner").ret();
  m.label("outer").pop().ks("outer").ret();
  Outcome o = runMain(pb);
  EXPECT_EQ(show(o.result()), "outer");
}

TEST(Exceptions, ACaughtThrowConsumesItsHandler) {
  // After the catch, a second throw is not caught by the same handler.
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.tryTo("c").kerr(ErrorTag::ScriptError, "one").throw_();
  m.label("c").pop().kerr(ErrorTag::ScriptError, "two").throw_();
  Outcome o = runMain(pb);
  ASSERT_EQ(o.state(), FiberState::Fault);
  EXPECT_EQ(errStr(o.error()), "ScriptError: two");
}

TEST(Exceptions, ThrowOfANonErrorIsAScriptError) {
  ProgramBuilder pb;
  pb.func("main").ks("oops").throw_();
  Outcome o = runMain(pb);
  ASSERT_EQ(o.state(), FiberState::Fault);
  EXPECT_EQ(errStr(o.error()), "ScriptError: throw: expected an error value, got string");
}

TEST(Exceptions, HandlerLimitIsACatchableStackOverflow) {
  RuntimeConfig cfg;
  cfg.maxHandlers = 3;
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.tryTo("c").tryTo("c2").tryTo("c2").tryTo("c2").knil().ret();
  m.label("c2").ks("wrong").ret();
  m.label("c").ret();
  // The 4th try raises; the innermost (3rd) handler catches it.
  Outcome o = runMain(pb, cfg);
  ASSERT_EQ(o.state(), FiberState::Done) << errStr(o.error());
  EXPECT_EQ(show(o.result()), "wrong");

  ProgramBuilder pb2;
  auto& m2 = pb2.func("main");
  m2.tryTo("c").call("f").ret();
  m2.label("c").ret();
  // Handlers count across frames: main has one, f may add two more.
  pb2.func("f").tryTo("x").tryTo("x").tryTo("x").knil().ret().label("x").ret();
  Outcome o2 = runMain(pb2, cfg);
  ASSERT_EQ(o2.state(), FiberState::Done) << errStr(o2.error());
  EXPECT_EQ(errStr(o2.result()), "StackOverflow: handler limit 3 exceeded");
}

TEST(Exceptions, HostFailuresAreCatchableHostErrors) {
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.tryTo("c").k(1).k(0).host("div", 2).ret();
  m.label("c").ret();
  Outcome o = runMain(pb);
  ASSERT_EQ(o.state(), FiberState::Done) << errStr(o.error());
  EXPECT_EQ(errStr(o.result()), "HostError: division by zero");

  ProgramBuilder pb2;
  pb2.func("main").k(1).k(0).host("mod", 2).ret();
  Outcome o2 = runMain(pb2);
  ASSERT_EQ(o2.state(), FiberState::Fault);
  EXPECT_EQ(errStr(o2.error()), "HostError: division by zero");
}

TEST(Exceptions, CustomHostFailureTagAndMessage) {
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.tryTo("c").host("bad", 0).ret();
  m.label("c").ret();
  Outcome o = runMain(pb, {}, [](HostRegistry& r) {
    ASSERT_TRUE(r.addSync("bad", [](HostCall& c) {
                   c.fail("custom", ErrorTag::Timeout);
                   c.fail("second is ignored");
                   return Value::number(1);
                 }).ok());
  });
  ASSERT_EQ(o.state(), FiberState::Done);
  EXPECT_EQ(errStr(o.result()), "Timeout: custom");
}

TEST(Exceptions, ErrorTracesNameFunctionPcAndLine) {
  ProgramBuilder pb;
  pb.debugInfo();
  auto& m = pb.func("main");
  m.line(10).knil().pop().call("g").ret();  // call at pc 2, line 12
  auto& g = pb.func("g");
  g.line(20).k(1).k(0).host("div", 2).ret();  // div at pc 2, line 22
  Outcome o = runMain(pb);
  ASSERT_EQ(o.state(), FiberState::Fault);
  const auto& trace = o.error().asError()->trace();
  ASSERT_EQ(trace.size(), 2u);
  EXPECT_EQ(trace[0].function, 1u);
  EXPECT_EQ(trace[0].pc, 2u);
  EXPECT_EQ(trace[0].line, 22u);
  EXPECT_EQ(trace[1].function, 0u);
  EXPECT_EQ(trace[1].pc, 2u);
  EXPECT_EQ(trace[1].line, 12u);
}

TEST(Exceptions, TracesWithoutDebugInfoHaveLineZero) {
  ProgramBuilder pb;
  pb.func("main").k(1).kerr(ErrorTag::ScriptError, "c").throw_();
  Outcome o = runMain(pb);
  ASSERT_EQ(o.state(), FiberState::Fault);
  // A constant error thrown uncaught gets a trace at the throw.
  const auto& trace = o.error().asError()->trace();
  ASSERT_EQ(trace.size(), 1u);
  EXPECT_EQ(trace[0].function, 0u);
  EXPECT_EQ(trace[0].pc, 2u);
  EXPECT_EQ(trace[0].line, 0u);
  EXPECT_EQ(errStr(o.error()), "ScriptError: c");
}

TEST(Exceptions, CaughtErrorCanBeInspectedWithBuiltins) {
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.tryTo("c").ks("Timeout").ks("slow").host("error", 2).throw_();
  m.label("c").dup().host("error_tag", 1).swap().host("error_message", 1);
  m.host("concat", 2).ret();
  Outcome o = runMain(pb);
  EXPECT_EQ(show(o.result()), "Timeoutslow");
}

}  // namespace
}  // namespace brainvm::test

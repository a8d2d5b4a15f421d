// The calling convention, recursion and the frame/stack limits.
#include <gtest/gtest.h>

#include "test_support.h"

namespace brainvm::test {
namespace {

TEST(Calls, ArgumentsBecomeLocalsAndExtraLocalsAreNil) {
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.k(1).ks("two").k(3).call("f").ret();
  auto& f = pb.func("f", 3, 5);
  f.listNew();
  for (uint32_t i = 0; i < 5; ++i) f.loadLocal(i).listPush();
  f.ret();
  Outcome o = runMain(pb);
  ASSERT_EQ(o.state(), FiberState::Done) << errStr(o.error());
  EXPECT_EQ(show(o.result()), "[1, \"two\", 3, nil, nil]");
}

TEST(Calls, StoreLocalWritesTheCurrentFrameOnly) {
  ProgramBuilder pb;
  auto& m = pb.func("main", 0, 1);
  m.k(10).storeLocal(0).k(5).call("f").pop().loadLocal(0).ret();
  auto& f = pb.func("f", 1, 1);
  f.k(99).storeLocal(0).loadLocal(0).ret();
  Outcome o = runMain(pb);
  EXPECT_EQ(show(o.result()), "10");
}

TEST(Calls, RecursiveFib) {
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.k(20).call("fib").ret();
  auto& f = pb.func("fib", 1);
  f.loadLocal(0).k(2).host("lt", 2).jf("rec");
  f.loadLocal(0).ret();
  f.label("rec");
  f.loadLocal(0).k(1).host("sub", 2).call("fib");
  f.loadLocal(0).k(2).host("sub", 2).call("fib");
  f.host("add", 2).ret();
  Outcome o = runMain(pb, RuntimeConfig{}, {});
  ASSERT_EQ(o.state(), FiberState::Done) << errStr(o.error());
  EXPECT_EQ(show(o.result()), "6765");
}

TEST(Calls, RetTruncatesWhatTheCalleeLeftBehind) {
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.k(100).call("f").host("add", 2).ret();  // 100 + 3
  auto& f = pb.func("f");
  f.k(1).k(2).k(3).ret();
  Outcome o = runMain(pb);
  ASSERT_EQ(o.state(), FiberState::Done) << errStr(o.error());
  EXPECT_EQ(show(o.result()), "103");
}

ProgramBuilder infiniteRecursion(bool catchIt) {
  ProgramBuilder pb;
  auto& m = pb.func("main");
  if (catchIt) m.tryTo("c");
  m.call("rec");
  if (catchIt) m.endTry();
  m.ret();
  if (catchIt) m.label("c").ret();
  auto& r = pb.func("rec", 0, 2);
  r.call("rec").ret();
  return pb;
}

TEST(Calls, FrameDepthLimitIsACatchableStackOverflow) {
  RuntimeConfig cfg;
  cfg.maxFrameDepth = 4;
  ProgramBuilder pb = infiniteRecursion(true);
  Outcome o = runMain(pb, cfg);
  ASSERT_EQ(o.state(), FiberState::Done) << errStr(o.error());
  EXPECT_EQ(errStr(o.result()), "StackOverflow: frame depth limit 4 exceeded");
  // Raised in the 4th frame: main + 3 rec frames.
  EXPECT_EQ(o.result().asError()->trace().size(), 4u);
}

TEST(Calls, FrameDepthLimitUncaughtFaults) {
  RuntimeConfig cfg;
  cfg.maxFrameDepth = 3;
  ProgramBuilder pb = infiniteRecursion(false);
  Outcome o = runMain(pb, cfg);
  ASSERT_EQ(o.state(), FiberState::Fault);
  EXPECT_EQ(errStr(o.error()), "StackOverflow: frame depth limit 3 exceeded");
}

TEST(Calls, DefaultFrameDepthIs256) {
  ProgramBuilder pb = infiniteRecursion(true);
  Outcome o = runMain(pb);
  ASSERT_EQ(o.state(), FiberState::Done);
  EXPECT_EQ(errStr(o.result()), "StackOverflow: frame depth limit 256 exceeded");
}

TEST(Calls, StackLimitIsACatchableStackOverflow) {
  RuntimeConfig cfg;
  cfg.maxStackSize = 16;
  ProgramBuilder pb = infiniteRecursion(true);
  Outcome o = runMain(pb, cfg);
  ASSERT_EQ(o.state(), FiberState::Done) << errStr(o.error());
  EXPECT_EQ(errStr(o.result()), "StackOverflow: stack limit 16 values exceeded");
}

TEST(Calls, SpawnWithArgumentsFillsTheEntryFrame) {
  ProgramBuilder pb;
  pb.func("main").knil().ret();
  auto& f = pb.func("pair", 2, 3);
  f.listNew().loadLocal(0).listPush().loadLocal(1).listPush().loadLocal(2)
      .listPush().ret();
  auto vm = makeVm(pb.build());
  Runtime& rt = **vm;
  Value args[] = {Value::number(7), Value::boolean(false)};
  auto id = rt.spawn("pair", args);
  ASSERT_TRUE(id.ok());
  RunResult r = rt.runFiber(id.value(), 100);
  EXPECT_EQ(r.status, RunStatus::Done);
  EXPECT_EQ(show(rt.fiber(id.value())->result), "[7, false, nil]");

  // Wrong argument count and unknown functions are API errors.
  auto bad = rt.spawn("pair", std::span<const Value>(args, 1));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(bad.error().diagnostics.front().message, "function 'pair' takes 2 argument(s), got 1");
  auto unknown = rt.spawn("nope");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::InvalidArgument);
  EXPECT_FALSE(rt.spawn(uint32_t(99)).ok());
}

}  // namespace
}  // namespace brainvm::test

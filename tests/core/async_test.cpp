// Async host calls, handles and await (contract items 3.3, 3.6, 3.8).
#include <gtest/gtest.h>

#include <vector>

#include "test_support.h"

namespace brainvm::test {
namespace {

// A test host: "op" creates a pending operation the test settles later;
// "now_op" resolves its handle inside the call with its first argument.
struct AsyncHost {
  std::vector<HandleId> pending;
  void registerInto(HostRegistry& r) {
    ASSERT_TRUE(r.addAsync("op", [this](HostCall&, HandleId h) {
                   pending.push_back(h);
                 }).ok());
    ASSERT_TRUE(r.addAsync("now_op", [](HostCall& c, HandleId h) {
                   Value v = c.argCount() ? c.arg(0) : Value();
                   EXPECT_TRUE(c.runtime().resolveHandle(h, v).ok());
                 }).ok());
    ASSERT_TRUE(r.addAsync("reject_now", [](HostCall& c, HandleId h) {
                   EXPECT_TRUE(c.runtime()
                                   .rejectHandle(h, ErrorTag::HostError, "nope")
                                   .ok());
                 }).ok());
    ASSERT_TRUE(r.addAsync("fail_call", [](HostCall& c, HandleId) {
                   c.fail("refused");
                 }).ok());
  }
};

struct Fixture {
  AsyncHost host;
  std::unique_ptr<Vm> vm;
  Runtime& rt() { return **vm; }
  explicit Fixture(ProgramBuilder& pb, RuntimeConfig cfg = {}) {
    vm = makeVm(pb.build(), cfg, [this](HostRegistry& r) { host.registerInto(r); });
  }
};

// main: op(); await; return the result (errors caught if `catchIt`).
ProgramBuilder awaitOp(bool catchIt) {
  ProgramBuilder pb;
  auto& m = pb.func("main");
  if (catchIt) m.tryTo("c");
  m.hostAsync("op", 0).await_().ret();
  if (catchIt) m.label("c").ret();
  return pb;
}

TEST(Async, AwaitPendingSuspendsUntilResolved) {
  ProgramBuilder pb = awaitOp(false);
  Fixture fx(pb);
  FiberId id = fx.rt().spawn("main").value();
  RunResult r = fx.rt().runFiber(id, 100);
  EXPECT_EQ(r.status, RunStatus::Waiting);
  ASSERT_EQ(fx.host.pending.size(), 1u);
  EXPECT_EQ(r.handle, fx.host.pending[0]);
  EXPECT_EQ(r.instructions, 2u);
  EXPECT_EQ(fx.rt().fiber(id)->state, FiberState::Waiting);
  EXPECT_EQ(fx.rt().handleState(r.handle), HandleState::Pending);
  // A waiting fiber is not run by tick.
  EXPECT_EQ(fx.rt().tick(), 0u);
  EXPECT_EQ(fx.rt().stats().waitingFibers, 1u);

  ASSERT_TRUE(fx.rt().resolveHandle(r.handle, Value::number(42)).ok());
  EXPECT_EQ(fx.rt().fiber(id)->state, FiberState::Runnable);
  EXPECT_EQ(fx.rt().tick(), 1u);
  EXPECT_EQ(fx.rt().fiber(id)->state, FiberState::Done);
  EXPECT_EQ(show(fx.rt().fiber(id)->result), "42");
}

TEST(Async, RejectedHandleIsACatchableThrow) {
  ProgramBuilder pb = awaitOp(true);
  Fixture fx(pb);
  FiberId id = fx.rt().spawn("main").value();
  fx.rt().tick();
  ASSERT_EQ(fx.host.pending.size(), 1u);
  ASSERT_TRUE(fx.rt().rejectHandle(fx.host.pending[0], ErrorTag::HostError, "nope").ok());
  RunResult r = fx.rt().runFiber(id, 100);
  EXPECT_EQ(r.status, RunStatus::Done);
  EXPECT_EQ(errStr(fx.rt().fiber(id)->result), "HostError: nope");
}

TEST(Async, RejectedHandleUncaughtFaults) {
  ProgramBuilder pb = awaitOp(false);
  Fixture fx(pb);
  FiberId id = fx.rt().spawn("main").value();
  fx.rt().tick();
  ASSERT_TRUE(fx.rt().rejectHandle(fx.host.pending[0], ErrorTag::Timeout, "late").ok());
  fx.rt().tick();
  auto v = fx.rt().fiber(id);
  EXPECT_EQ(v->state, FiberState::Fault);
  EXPECT_EQ(errStr(v->error), "Timeout: late");
  // The fault carries a trace pointing at the await (pc 1).
  ASSERT_EQ(v->error.asError()->trace().size(), 1u);
  EXPECT_EQ(v->error.asError()->trace()[0].pc, 1u);
}

TEST(Async, RejectWithACustomErrorValue) {
  ProgramBuilder pb = awaitOp(true);
  Fixture fx(pb);
  FiberId id = fx.rt().spawn("main").value();
  fx.rt().tick();
  EXPECT_FALSE(fx.rt().rejectHandleWith(fx.host.pending[0], Value::number(1)).ok());
  Value err = Value::object(fx.rt().heap().newError(
      ErrorTag::StackUnderflow, fx.rt().heap().newString("custom")));
  ASSERT_TRUE(fx.rt().rejectHandleWith(fx.host.pending[0], err).ok());
  fx.rt().tick();
  // Delivered as a copy traced at the await (the host's value has no trace).
  const Value got = fx.rt().fiber(id)->result;
  EXPECT_EQ(errStr(got), "StackUnderflow: custom");
  EXPECT_FALSE(got.identical(err));
  ASSERT_TRUE(got.isError());
  EXPECT_TRUE(got.asError()->hasTrace());
}

TEST(Async, CancelledHandleFaultsTheWaiterWithCancelled) {
  ProgramBuilder pb = awaitOp(false);
  Fixture fx(pb);
  FiberId id = fx.rt().spawn("main").value();
  fx.rt().tick();
  ASSERT_TRUE(fx.rt().cancelHandle(fx.host.pending[0]).ok());
  EXPECT_EQ(fx.rt().handleState(fx.host.pending[0]), HandleState::Cancelled);
  fx.rt().tick();
  auto v = fx.rt().fiber(id);
  EXPECT_EQ(v->state, FiberState::Fault);
  EXPECT_EQ(errStr(v->error), "Cancelled: Cancelled");
}

TEST(Async, SyncCompletionInsideTheHostCallIsAwaitableInTheSameSlice) {
  ProgramBuilder pb;
  pb.func("main").k(7).hostAsync("now_op", 1).await_().ret();
  Fixture fx(pb);
  FiberId id = fx.rt().spawn("main").value();
  RunResult r = fx.rt().runFiber(id, 100);
  EXPECT_EQ(r.status, RunStatus::Done);
  EXPECT_EQ(r.instructions, 4u);
  EXPECT_EQ(show(fx.rt().fiber(id)->result), "7");
}

TEST(Async, SyncRejectionInsideTheHostCallIsCatchableAtAwait) {
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.tryTo("c").hostAsync("reject_now", 0).await_().ret();
  m.label("c").ret();
  Fixture fx(pb);
  FiberId id = fx.rt().spawn("main").value();
  EXPECT_EQ(fx.rt().runFiber(id, 100).status, RunStatus::Done);
  EXPECT_EQ(errStr(fx.rt().fiber(id)->result), "HostError: nope");
}

TEST(Async, HostFailureInAnAsyncCallThrowsAndRejectsTheHandle) {
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.tryTo("c").hostAsync("fail_call", 0).await_().ret();
  m.label("c").ret();
  Fixture fx(pb);
  FiberId id = fx.rt().spawn("main").value();
  EXPECT_EQ(fx.rt().runFiber(id, 100).status, RunStatus::Done);
  EXPECT_EQ(errStr(fx.rt().fiber(id)->result), "HostError: refused");
  EXPECT_EQ(fx.rt().handleState(1), HandleState::Rejected);
  EXPECT_EQ(fx.rt().stats().pendingHandles, 0u);
}

TEST(Async, AwaitingAnAlreadyResolvedHandleTwice) {
  // Two fibers await one handle stored in a shared variable; both resume.
  ProgramBuilder pb;
  pb.shared("h");
  pb.func("main").hostAsync("op", 0).storeVar("h").knil().ret();
  pb.func("waiter").loadVar("h").await_().ret();
  Fixture fx(pb);
  FiberId m = fx.rt().spawn("main").value();
  fx.rt().tick();
  EXPECT_EQ(fx.rt().fiber(m)->state, FiberState::Done);
  FiberId w1 = fx.rt().spawn("waiter").value();
  FiberId w2 = fx.rt().spawn("waiter").value();
  fx.rt().tick();
  EXPECT_EQ(fx.rt().fiber(w1)->state, FiberState::Waiting);
  EXPECT_EQ(fx.rt().fiber(w2)->state, FiberState::Waiting);
  ASSERT_TRUE(fx.rt().resolveHandle(fx.host.pending[0], Value::number(3)).ok());
  fx.rt().tick();
  EXPECT_EQ(show(fx.rt().fiber(w1)->result), "3");
  EXPECT_EQ(show(fx.rt().fiber(w2)->result), "3");
  // A settled handle stays awaitable while referenced.
  fx.rt().collectGarbage();
  FiberId w3 = fx.rt().spawn("waiter").value();
  EXPECT_EQ(fx.rt().runFiber(w3, 10).status, RunStatus::Done);
  EXPECT_EQ(show(fx.rt().fiber(w3)->result), "3");
}

TEST(Async, HandleIdsStartAtOneAndAreNeverReused) {
  ProgramBuilder pb;
  pb.func("main").knil().ret();
  Fixture fx(pb);
  Runtime& rt = fx.rt();
  EXPECT_EQ(rt.createHandle().value(), 1u);
  EXPECT_EQ(rt.createHandle().value(), 2u);
  ASSERT_TRUE(rt.resolveHandle(1, Value()).ok());
  ASSERT_TRUE(rt.resolveHandle(2, Value()).ok());
  rt.collectGarbage();  // unreferenced settled handles are dropped
  EXPECT_FALSE(rt.handleState(1).has_value());
  EXPECT_FALSE(rt.handleState(2).has_value());
  EXPECT_EQ(rt.createHandle().value(), 3u);
  EXPECT_EQ(rt.stats().handlesCreated, 3u);
}

TEST(Async, SettlingTwiceOrUnknownHandlesFailsCleanly) {
  ProgramBuilder pb;
  pb.func("main").knil().ret();
  Fixture fx(pb);
  Runtime& rt = fx.rt();
  HandleId h = rt.createHandle().value();
  ASSERT_TRUE(rt.resolveHandle(h, Value::number(1)).ok());
  Status again = rt.resolveHandle(h, Value::number(2));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(again.error().diagnostics.front().message, "handle 1 is already RESOLVED");
  EXPECT_FALSE(rt.rejectHandle(h, ErrorTag::HostError, "x").ok());
  EXPECT_FALSE(rt.cancelHandle(h).ok());
  EXPECT_EQ(rt.handleState(h), HandleState::Resolved);
  Status unknown = rt.resolveHandle(99, Value());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().diagnostics.front().message, "unknown handle 99");
}

TEST(Async, MaxHandlesLimitsPendingHandles) {
  RuntimeConfig cfg;
  cfg.maxHandles = 2;
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.tryTo("c");
  m.hostAsync("op", 0).pop().hostAsync("op", 0).pop().hostAsync("op", 0).ret();
  m.label("c").ret();
  Fixture fx(pb, cfg);
  FiberId id = fx.rt().spawn("main").value();
  fx.rt().tick();
  auto v = fx.rt().fiber(id);
  ASSERT_EQ(v->state, FiberState::Done);
  EXPECT_EQ(errStr(v->result), "ScriptError: handle limit 2 pending handles exceeded");
  EXPECT_EQ(fx.host.pending.size(), 2u);
  auto direct = fx.rt().createHandle();
  ASSERT_FALSE(direct.ok());
  EXPECT_EQ(direct.error().code, ErrorCode::LimitExceeded);
  // Settling one frees a slot: the limit counts pending handles only.
  ASSERT_TRUE(fx.rt().resolveHandle(fx.host.pending[0], Value()).ok());
  EXPECT_TRUE(fx.rt().createHandle().ok());
}

TEST(Async, CancellingAWaitingFiberLeavesTheHandlePending) {
  ProgramBuilder pb = awaitOp(false);
  Fixture fx(pb);
  FiberId id = fx.rt().spawn("main").value();
  fx.rt().tick();
  ASSERT_EQ(fx.rt().fiber(id)->state, FiberState::Waiting);
  EXPECT_TRUE(fx.rt().cancel(id));
  EXPECT_FALSE(fx.rt().cancel(id));  // no longer live
  auto v = fx.rt().fiber(id);
  EXPECT_EQ(v->state, FiberState::Cancelled);
  EXPECT_EQ(errStr(v->error), "Cancelled: fiber cancelled");
  HandleId h = fx.host.pending[0];
  EXPECT_EQ(fx.rt().handleState(h), HandleState::Pending);
  EXPECT_EQ(fx.rt().stats().liveFibers, 0u);
  // Settling it later wakes nobody.
  ASSERT_TRUE(fx.rt().resolveHandle(h, Value::number(1)).ok());
  EXPECT_EQ(fx.rt().fiber(id)->state, FiberState::Cancelled);
  EXPECT_EQ(fx.rt().tick(), 0u);
}

TEST(Async, CancellingTheRunningFiberFromAHostCall) {
  ProgramBuilder pb;
  pb.shared("after");
  auto& m = pb.func("main");
  m.host("fiber_id", 0).host("cancel", 1).storeVar("after").knil().ret();
  Fixture fx(pb);
  FiberId id = fx.rt().spawn("main").value();
  RunResult r = fx.rt().runFiber(id, 100);
  EXPECT_EQ(r.status, RunStatus::Cancelled);
  EXPECT_EQ(r.instructions, 2u);
  auto v = fx.rt().fiber(id);
  EXPECT_EQ(v->state, FiberState::Cancelled);
  EXPECT_EQ(errTag(v->error), "Cancelled");
  // Nothing after the host call ran.
  EXPECT_EQ(show(fx.rt().getShared("after").value_or(Value::number(1))), "nil");
  EXPECT_EQ(fx.rt().stats().liveFibers, 0u);
  size_t ended = fx.rt().collectEndedFibers([&](const FiberView& fv) {
    EXPECT_EQ(fv.id, id);
    EXPECT_EQ(fv.state, FiberState::Cancelled);
  });
  EXPECT_EQ(ended, 1u);
}

TEST(Async, CancellingAnotherFiberFromAHostCall) {
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.k(2).host("cancel", 1).k(2).host("cancel", 1).host("concat", 2).ret();
  pb.func("other").knil().ret();
  Fixture fx(pb);
  FiberId id = fx.rt().spawn("main").value();
  FiberId other = fx.rt().spawn("other").value();
  fx.rt().tick();
  EXPECT_EQ(show(fx.rt().fiber(id)->result), "truefalse");
  EXPECT_EQ(fx.rt().fiber(other)->state, FiberState::Cancelled);
}

}  // namespace
}  // namespace brainvm::test

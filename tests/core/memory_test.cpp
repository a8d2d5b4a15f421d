// Memory: cycles, the heap cap, string limits, pins and handle collection.
#include <gtest/gtest.h>

#include "test_support.h"

namespace brainvm::test {
namespace {

TEST(Memory, SelfReferentialContainersAreCollected) {
  ProgramBuilder pb;
  auto& m = pb.func("main", 0, 1);
  m.k(0).storeLocal(0);
  m.label("l").loadLocal(0).k(500).host("lt", 2).jf("done");
  m.listNew().dup().listPush().pop();                 // l = [l]
  m.mapNew().dup().ks("me").swap().mapSet().pop();    // m = {"me": m}
  m.structNew(0).dup().ks("s").swap().structSet().pop();
  m.loadLocal(0).k(1).host("add", 2).storeLocal(0).jmp("l");
  m.label("done").listNew().dup().listPush().ret();  // keep one cycle
  Outcome o = runMain(pb);
  ASSERT_EQ(o.state(), FiberState::Done) << errStr(o.error());
  Runtime& rt = **o.vm;
  EXPECT_GT(rt.heap().objectCount(), 1500u);
  rt.collectGarbage();
  // Only the result's list survives (plus nothing else).
  EXPECT_EQ(rt.heap().objectCount(), 1u);
  EXPECT_EQ(show(o.result()), "[<cycle>]");
  rt.collectEndedFibers();
  rt.collectGarbage();
  EXPECT_EQ(rt.heap().objectCount(), 0u);
  EXPECT_EQ(rt.heap().bytesAllocated(), 0u);
}

TEST(Memory, HeapLimitIsACatchableOutOfMemory) {
  RuntimeConfig cfg;
  cfg.maxHeapBytes = 4096;
  ProgramBuilder pb;
  auto& m = pb.func("main", 0, 1);
  m.tryTo("c").listNew().storeLocal(0);
  m.label("l").loadLocal(0).k(1).listPush().pop().jmp("l");
  m.label("c").ret();
  Outcome o = runMain(pb, cfg);
  ASSERT_EQ(o.state(), FiberState::Done) << errStr(o.error());
  EXPECT_EQ(errStr(o.result()), "ScriptError: out of memory");
  EXPECT_LE((*o.vm)->heap().bytesAllocated(), 4096u);
}

TEST(Memory, HeapLimitUncaughtFaults) {
  RuntimeConfig cfg;
  cfg.maxHeapBytes = 2048;
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.label("l").mapNew().pop().jmp("l");  // garbage only: collection keeps up?
  pb.func("hoard", 0, 1).listNew().storeLocal(0).label("l").loadLocal(0)
      .mapNew().listPush().pop().jmp("l");
  auto vm = makeVm(pb.build(), cfg);
  FiberView v = runFn(*vm, "hoard");
  EXPECT_EQ(v.state, FiberState::Fault);
  EXPECT_EQ(errStr(v.error), "ScriptError: out of memory");
}

TEST(Memory, StringLengthLimit) {
  RuntimeConfig cfg;
  cfg.maxStringBytes = 30;
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.tryTo("c").ks("aaaaaaaaaaaaaaaa").ks("bbbbbbbbbbbbbbbb").host("concat", 2);
  m.ret();
  m.label("c").ret();
  Outcome o = runMain(pb, cfg);
  ASSERT_EQ(o.state(), FiberState::Done);
  EXPECT_EQ(errStr(o.result()), "ScriptError: concat: string too long");
  EXPECT_TRUE((*o.vm)->newString(std::string(31, 'x')).isNil());
  EXPECT_TRUE((*o.vm)->newString(std::string(30, 'x')).isString());
}

TEST(Memory, ErrorsKeepTheirTagUnderATinyStringLimit) {
  // Regression: VM-made error messages longer than maxStringBytes used to
  // become "ScriptError: out of memory"; they are now cut to the limit.
  RuntimeConfig cfg;
  cfg.maxStringBytes = 4;
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.tryTo("c").k(1).k(0).host("div", 2).ret();
  m.label("c").ret();
  Outcome o = runMain(pb, cfg);
  ASSERT_EQ(o.state(), FiberState::Done);
  EXPECT_EQ(errStr(o.result()), "HostError: divi");
}

TEST(Memory, PinnedValuesSurviveCollection) {
  ProgramBuilder pb;
  pb.func("main").knil().ret();
  auto vm = makeVm(pb.build());
  Runtime& rt = **vm;
  Value s = rt.newString("kept");
  Value t = rt.newString("dropped");
  (void)t;
  ASSERT_TRUE(s.isString());
  PinId id = rt.pin(s);
  EXPECT_EQ(rt.heap().objectCount(), 2u);
  rt.collectGarbage();
  EXPECT_EQ(rt.heap().objectCount(), 1u);
  EXPECT_EQ(rt.pinned(id).stringView(), "kept");
  rt.unpin(id);
  EXPECT_TRUE(rt.pinned(id).isNil());
  rt.collectGarbage();
  EXPECT_EQ(rt.heap().objectCount(), 0u);
  // Pin ids are recycled.
  EXPECT_EQ(rt.pin(Value::number(1)), id);
}

TEST(Memory, SharedVariablesAndFiberStacksAreRoots) {
  ProgramBuilder pb;
  pb.shared("keep");
  auto& m = pb.func("main", 0, 1);
  m.listNew().storeVar("keep").mapNew().storeLocal(0).yield_();
  m.loadLocal(0).ret();
  auto vm = makeVm(pb.build());
  Runtime& rt = **vm;
  FiberId id = rt.spawn("main").value();
  EXPECT_EQ(rt.runFiber(id, 100).status, RunStatus::Yielded);
  rt.collectGarbage();
  EXPECT_EQ(rt.heap().objectCount(), 2u);
  EXPECT_EQ(rt.runFiber(id, 100).status, RunStatus::Done);
  EXPECT_EQ(show(rt.fiber(id)->result), "{}");
  EXPECT_EQ(show(rt.getShared("keep").value()), "[]");
}

TEST(Memory, SettledHandlesAreCollectedOnlyWhenUnreferenced) {
  ProgramBuilder pb;
  pb.shared("h");
  pb.func("main").k(0).hostAsync("sleep", 1).dup().await_().pop().storeVar("h")
      .knil().ret();
  auto vm = makeVm(pb.build());
  Runtime& rt = **vm;
  FiberId id = rt.spawn("main").value();
  EXPECT_EQ(rt.runFiber(id, 100).status, RunStatus::Done);
  EXPECT_EQ(rt.handleState(1), HandleState::Resolved);
  rt.collectGarbage();
  EXPECT_EQ(rt.handleState(1), HandleState::Resolved);  // h refers to it
  // Inside a list it is still referenced.
  ListObject* l = rt.heap().newList();
  ASSERT_TRUE(rt.heap().listPush(l, Value::handle(1)));
  ASSERT_TRUE(rt.setShared("h", Value::object(l)).ok());
  rt.collectGarbage();
  EXPECT_EQ(rt.handleState(1), HandleState::Resolved);
  ASSERT_TRUE(rt.setShared("h", Value()).ok());
  rt.collectGarbage();
  EXPECT_FALSE(rt.handleState(1).has_value());
}

TEST(Memory, PendingHandlesAreNeverCollected) {
  ProgramBuilder pb;
  pb.func("main").knil().ret();
  auto vm = makeVm(pb.build());
  Runtime& rt = **vm;
  HandleId h = rt.createHandle().value();
  rt.collectGarbage();
  EXPECT_EQ(rt.handleState(h), HandleState::Pending);
}

TEST(Memory, ManyShortLivedFibersDoNotAccumulate) {
  ProgramBuilder pb;
  pb.func("main").listNew().k(1).listPush().ret();
  auto vm = makeVm(pb.build());
  Runtime& rt = **vm;
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(rt.spawn("main").ok());
    rt.tick();
    EXPECT_EQ(rt.collectEndedFibers(), 20u);
  }
  rt.collectGarbage();
  EXPECT_EQ(rt.heap().objectCount(), 0u);
  EXPECT_EQ(rt.stats().liveFibers, 0u);
}

}  // namespace
}  // namespace brainvm::test

// Points the contract settles that the reference implementation left open
// (contract section 3 "Also settled here" and the run loop of section 6):
// when an error value gets its trace, the instruction cap, struct copies,
// the stack limit at `call`, and how to_string prints what it cannot expand.
#include <gtest/gtest.h>

#include "brainvm/runner.h"
#include "test_support.h"

namespace brainvm::test {
namespace {

RunReport runToEnd(ProgramBuilder& pb, RunOptions opts,
                   std::unique_ptr<Runner>& keep) {
  auto runner = Runner::create(pb.build(), std::move(opts));
  EXPECT_TRUE(runner.ok()) << (runner.ok() ? "" : runner.error().message());
  if (!runner.ok()) return {};
  keep = std::move(runner.value());
  auto rep = keep->run();
  EXPECT_TRUE(rep.ok()) << (rep.ok() ? "" : rep.error().message());
  return rep.ok() ? std::move(rep.value()) : RunReport{};
}

std::vector<uint32_t> tracePcs(const Value& err) {
  std::vector<uint32_t> pcs;
  if (!err.isError()) return pcs;
  for (const TraceFrame& t : err.asError()->trace()) pcs.push_back(t.pc);
  return pcs;
}

// --- the instruction cap ------------------------------------------------------

// Regression: `push_const 1; ret` under a cap of 2 finished within the cap,
// so nothing was cut short: status done, not limit.
TEST(Conformance, ACapThatCutsNothingEndsTheRunAsWithoutIt) {
  for (uint64_t cap : {2u, 3u, 1000u}) {
    ProgramBuilder pb;
    pb.func("main").k(1).ret();
    RunOptions o;
    o.runtime.maxInstructions = cap;
    std::unique_ptr<Runner> keep;
    RunReport r = runToEnd(pb, o, keep);
    EXPECT_EQ(r.status, RunOutcome::Done) << "cap " << cap;
    EXPECT_FALSE(r.faulted);
    ASSERT_TRUE(r.result.has_value());
    EXPECT_EQ(show(*r.result), "1");
    EXPECT_EQ(r.instructions, 2u);
  }
}

TEST(Conformance, ACapOneShortOfTheEndCutsTheFiber) {
  ProgramBuilder pb;
  pb.func("main").k(1).ret();
  RunOptions o;
  o.runtime.maxInstructions = 1;
  std::unique_ptr<Runner> keep;
  RunReport r = runToEnd(pb, o, keep);
  EXPECT_EQ(r.status, RunOutcome::Limit);
  EXPECT_TRUE(r.faulted);
  ASSERT_EQ(r.fibers.size(), 1u);
  EXPECT_EQ(errStr(r.fibers[0].error.value()),
            "Timeout: instruction limit 1 reached");
}

// Rules are re-spawned every tick: once the cap is spent, the next tick's
// run is live and cannot run, so that tick ends the run with status limit.
TEST(Conformance, ACapSpentExactlyByARuleEndsTheRunAtTheNextTick) {
  ProgramBuilder pb;
  pb.noEntry();
  pb.func("r").k(1).ret();
  pb.rule("r");
  RunOptions o;
  o.maxTicks = 10;
  o.runtime.maxInstructions = 4;  // two runs of two instructions
  std::unique_ptr<Runner> keep;
  RunReport r = runToEnd(pb, o, keep);
  EXPECT_EQ(r.status, RunOutcome::Limit);
  EXPECT_EQ(r.ticks, 3u);
  ASSERT_EQ(r.rules.size(), 1u);
  EXPECT_EQ(r.rules[0].runs, 3u);
  EXPECT_EQ(r.rules[0].faults, 1u);
}

// A fiber ended by the cap while it waits in `await` is traced at the await.
TEST(Conformance, ACapEndingAWaitingFiberTracesTheAwait) {
  ProgramBuilder pb;
  pb.func("main").k(5).hostAsync("sleep", 1).await_().ret();  // await at pc 2
  pb.func("spin").label("l").jmp("l");
  pb.spawn("spin");
  RunOptions o;
  o.runtime.maxInstructions = 100;
  std::unique_ptr<Runner> keep;
  RunReport r = runToEnd(pb, o, keep);
  EXPECT_EQ(r.status, RunOutcome::Limit);
  ASSERT_EQ(r.fibers.size(), 2u);
  EXPECT_EQ(errStr(r.fibers[0].error.value()),
            "Timeout: instruction limit 100 reached");
  EXPECT_EQ(tracePcs(r.fibers[0].error.value()), std::vector<uint32_t>{2});
}

// --- traces -------------------------------------------------------------------

// Regression: an err(...) constant thrown, caught and thrown again kept the
// trace of the second throw. It is traced at its first throw (a copy: the
// constant itself stays untraced) and keeps that trace.
TEST(Conformance, AReThrownConstantKeepsTheTraceOfItsFirstThrow) {
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.tryTo("c");                                      // pc 0
  m.kerr(ErrorTag::ScriptError, "once").throw_();    // throw at pc 2
  m.label("c").knil().pop().throw_();                // rethrow at pc 5
  Outcome o = runMain(pb);
  ASSERT_EQ(o.state(), FiberState::Fault);
  EXPECT_EQ(errStr(o.error()), "ScriptError: once");
  EXPECT_EQ(tracePcs(o.error()), std::vector<uint32_t>{2});
  // The constant pool's value has no trace.
  const Program& p = (*o.vm)->program();
  for (const Value& c : p.constants) {
    if (c.isError()) {
      EXPECT_FALSE(c.asError()->hasTrace());
    }
  }
}

TEST(Conformance, ACaughtThrownConstantAlreadyCarriesItsTrace) {
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.tryTo("c").k(1).pop().kerr(ErrorTag::HostError, "x").throw_();  // pc 4
  m.label("c").ret();
  Outcome o = runMain(pb);
  ASSERT_EQ(o.state(), FiberState::Done);
  EXPECT_EQ(tracePcs(o.result()), std::vector<uint32_t>{4});
}

TEST(Conformance, AnErrorMadeByTheErrorBuiltinIsTracedAtItsFirstThrow) {
  ProgramBuilder pb;
  auto& m = pb.func("main", 0, 1);
  m.ks("made").host("error", 1).storeLocal(0);  // untraced value
  m.tryTo("c").loadLocal(0).throw_();           // throw at pc 5
  m.label("c").call("again").ret();
  pb.func("again", 1).loadLocal(0).throw_();
  Outcome o = runMain(pb);
  ASSERT_EQ(o.state(), FiberState::Fault);
  EXPECT_EQ(errStr(o.error()), "ScriptError: made");
  EXPECT_EQ(tracePcs(o.error()), std::vector<uint32_t>{5});
}

// Regression: a rejection delivered to `await`, caught and re-thrown was
// traced at the re-throw. It is traced at the await.
TEST(Conformance, ARejectionIsTracedAtTheAwaitAndKeepsItWhenReThrown) {
  for (uint32_t ticks : {0u, 2u}) {  // settled inside the call, or later
    ProgramBuilder pb;
    auto& m = pb.func("main");
    m.tryTo("c");                                            // pc 0
    m.k(ticks).ks("nope").hostAsync("fail_after", 2).await_();  // await pc 4
    m.label("c").knil().pop().throw_();                      // pc 8
    Outcome o = runMain(pb);
    ASSERT_EQ(o.state(), FiberState::Fault) << "ticks " << ticks;
    EXPECT_EQ(errStr(o.error()), "HostError: nope");
    EXPECT_EQ(tracePcs(o.error()), std::vector<uint32_t>{4}) << "ticks " << ticks;
  }
}

// --- also settled: pinned so they stay ---------------------------------------

TEST(Conformance, StructCopyKeepsSharingInsideTheCopiedValue) {
  // s = Out{a: in, b: in}; the copy holds one copy of `in`, twice.
  ProgramBuilder pb;
  pb.shared("s");
  auto& m = pb.func("main", 0, 1);
  m.ks("x").k(1).structNew(1, "In").storeLocal(0);
  m.ks("a").loadLocal(0).ks("b").loadLocal(0).structNew(2, "Out").storeVar("s");
  m.listNew();
  m.loadVar("s").ks("a").structGet().loadVar("s").ks("b").structGet();
  m.host("eq", 2).listPush();                                   // shared: true
  m.loadVar("s").ks("a").structGet().loadLocal(0).host("eq", 2).listPush();
  m.ret();
  Outcome o = runMain(pb);
  ASSERT_EQ(o.state(), FiberState::Done) << errStr(o.error());
  EXPECT_EQ(show(o.result()), "[true, false]");
}

TEST(Conformance, TheStackLimitCountsLocalsAndTheCalleesMaximumDepth) {
  // main (1 local, depth 1 at the call) calls f (3 locals, max depth 2):
  // 1 + 1 + (3 - 1) + 2 = 6 slots. A limit of 6 passes, 5 overflows.
  auto build = [] {
    ProgramBuilder pb;
    pb.func("main", 0, 1).k(1).call("f").ret();
    pb.func("f", 1, 3).k(1).k(2).pop().pop().loadLocal(0).ret();
    return pb;
  };
  for (uint32_t limit : {6u, 5u}) {
    ProgramBuilder pb = build();
    RuntimeConfig cfg;
    cfg.maxStackSize = limit;
    Outcome o = runMain(pb, cfg);
    if (limit == 6) {
      ASSERT_EQ(o.state(), FiberState::Done) << errStr(o.error());
      EXPECT_EQ(show(o.result()), "1");
    } else {
      ASSERT_EQ(o.state(), FiberState::Fault);
      EXPECT_EQ(errStr(o.error()), "StackOverflow: stack limit 5 values exceeded");
    }
  }
}

TEST(Conformance, ToStringOfAnonymousStructsCyclesAndDeepNesting) {
  ProgramBuilder pb;
  auto& m = pb.func("main", 0, 2);
  m.listNew();
  m.ks("x").k(1).structNew(1).host("to_string", 1).listPush();
  // 70 nested lists: printing stops at depth 64 with "...".
  m.listNew().storeLocal(0);
  m.k(0).storeLocal(1);
  m.label("loop").loadLocal(1).k(70).host("lt", 2).jf("done");
  m.listNew().loadLocal(0).listPush().storeLocal(0);
  m.loadLocal(1).k(1).host("add", 2).storeLocal(1).jmp("loop");
  m.label("done").loadLocal(0).host("to_string", 1).listPush();
  m.ret();
  Outcome o = runMain(pb);
  ASSERT_EQ(o.state(), FiberState::Done) << errStr(o.error());
  const ListObject* l = o.result().asList();
  ASSERT_EQ(l->size(), 2u);
  EXPECT_EQ(l->at(0).stringView(), "struct{x: 1}");
  std::string deep;
  for (int i = 0; i < 64; ++i) deep += '[';
  deep += "...";
  for (int i = 0; i < 64; ++i) deep += ']';
  EXPECT_EQ(l->at(1).stringView(), deep);
}

}  // namespace
}  // namespace brainvm::test

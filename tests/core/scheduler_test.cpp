// The scheduler: tick order, slices, budgets, gc and the fiber limits.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "test_support.h"

namespace brainvm::test {
namespace {

struct SliceLog : RuntimeObserver {
  std::vector<FiberId> slices;
  std::vector<RunStatus> statuses;
  std::vector<FiberId> spawned;
  void onSlice(FiberId id, const RunResult& r) override {
    slices.push_back(id);
    statuses.push_back(r.status);
  }
  void onFiberSpawned(FiberId id, uint32_t) override { spawned.push_back(id); }
};

// "log" records the calling fiber's id.
std::function<void(HostRegistry&)> logHost(std::vector<FiberId>& log) {
  return [&log](HostRegistry& r) {
    ASSERT_TRUE(r.addSync("log", [&log](HostCall& c) {
                   log.push_back(c.fiberId());
                   return Value();
                 }).ok());
  };
}

TEST(Scheduler, TickRunsFibersInSpawnOrderAndRequeuesYieldersAtTheBack) {
  std::vector<FiberId> log;
  ProgramBuilder pb;
  pb.func("main").host("log", 0).pop().yield_().host("log", 0).ret();
  auto vm = makeVm(pb.build(), {}, logHost(log));
  Runtime& rt = **vm;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(rt.spawn("main").ok());
  EXPECT_EQ(rt.tick(), 6u);  // each fiber: a yielded slice, then a done slice
  EXPECT_EQ(log, (std::vector<FiberId>{1, 2, 3, 1, 2, 3}));
  EXPECT_EQ(rt.stats().slices, 6u);
  EXPECT_EQ(rt.tick(), 0u);
}

TEST(Scheduler, MaxFibersPerTickCountsSlices) {
  RuntimeConfig cfg;
  cfg.maxFibersPerTick = 5;
  ProgramBuilder pb;
  pb.func("main").label("l").yield_().jmp("l");
  auto vm = makeVm(pb.build(), cfg);
  Runtime& rt = **vm;
  SliceLog obs;
  rt.setObserver(&obs);
  rt.spawn("main").value();
  rt.spawn("main").value();
  EXPECT_EQ(rt.tick(), 5u);
  EXPECT_EQ(obs.slices, (std::vector<FiberId>{1, 2, 1, 2, 1}));
  // The next tick continues with fiber 2 (it stayed at the queue's front).
  obs.slices.clear();
  EXPECT_EQ(rt.tick(), 5u);
  EXPECT_EQ(obs.slices, (std::vector<FiberId>{2, 1, 2, 1, 2}));
  rt.setObserver(nullptr);
}

TEST(Scheduler, BudgetIsChargedPerInstructionBeforeItRuns) {
  ProgramBuilder pb;
  pb.shared("n", Value::number(0));
  auto& m = pb.func("main");
  // A 3-instruction loop.
  m.label("l").k(1).pop().jmp("l");
  auto vm = makeVm(pb.build());
  Runtime& rt = **vm;
  FiberId id = rt.spawn("main").value();
  RunResult r = rt.runFiber(id, 5);
  EXPECT_EQ(r.status, RunStatus::Yielded);
  EXPECT_EQ(r.instructions, 5u);
  EXPECT_EQ(rt.stats().instructions, 5u);
  r = rt.runFiber(id, 0);
  EXPECT_EQ(r.status, RunStatus::Yielded);
  EXPECT_EQ(r.instructions, 0u);
  EXPECT_EQ(rt.stats().instructions, 5u);
  EXPECT_EQ(rt.fiber(id)->state, FiberState::Runnable);
}

TEST(Scheduler, BudgetExhaustionResumesAtTheNextInstruction) {
  // 4 instructions with budget 1 each: push, push, add, ret.
  ProgramBuilder pb;
  pb.func("main").k(2).k(3).host("add", 2).ret();
  auto vm = makeVm(pb.build());
  Runtime& rt = **vm;
  FiberId id = rt.spawn("main").value();
  for (int i = 0; i < 3; ++i) {
    RunResult r = rt.runFiber(id, 1);
    EXPECT_EQ(r.status, RunStatus::Yielded);
    EXPECT_EQ(r.instructions, 1u);
  }
  RunResult r = rt.runFiber(id, 1);
  EXPECT_EQ(r.status, RunStatus::Done);
  EXPECT_EQ(r.instructions, 1u);
  EXPECT_EQ(show(rt.fiber(id)->result), "5");
}

TEST(Scheduler, DefaultBudgetPerSliceIs1000) {
  ProgramBuilder pb;
  pb.func("main").label("l").jmp("l");
  auto vm = makeVm(pb.build());
  Runtime& rt = **vm;
  SliceLog obs;
  rt.setObserver(&obs);
  rt.spawn("main").value();
  EXPECT_EQ(rt.tick(), 64u);  // default maxFibersPerTick
  EXPECT_EQ(rt.stats().instructions, 64u * 1000u);
  rt.setObserver(nullptr);
}

TEST(Scheduler, YieldEndsTheSlice) {
  ProgramBuilder pb;
  pb.func("main").k(1).yield_().ret();
  auto vm = makeVm(pb.build());
  Runtime& rt = **vm;
  FiberId id = rt.spawn("main").value();
  RunResult r = rt.runFiber(id, 100);
  EXPECT_EQ(r.status, RunStatus::Yielded);
  EXPECT_EQ(r.instructions, 2u);
  r = rt.runFiber(id, 100);
  EXPECT_EQ(r.status, RunStatus::Done);
  EXPECT_EQ(r.instructions, 1u);
  EXPECT_EQ(show(rt.fiber(id)->result), "1");
}

TEST(Scheduler, GcRemovesEndedFibersAndReportsThem) {
  ProgramBuilder pb;
  pb.func("main").k(1).ret();
  pb.func("bad").k(1).k(0).host("div", 2).ret();
  pb.func("loop").label("l").yield_().jmp("l");
  auto vm = makeVm(pb.build());
  Runtime& rt = **vm;
  FiberId a = rt.spawn("main").value();
  FiberId b = rt.spawn("bad").value();
  FiberId c = rt.spawn("loop").value();
  FiberId d = rt.spawn("loop").value();
  EXPECT_TRUE(rt.cancel(d));
  rt.tick();
  std::vector<std::pair<FiberId, FiberState>> ended;
  size_t n = rt.collectEndedFibers([&](const FiberView& v) { ended.emplace_back(v.id, v.state); });
  EXPECT_EQ(n, 3u);
  std::sort(ended.begin(), ended.end());
  EXPECT_EQ(ended, (std::vector<std::pair<FiberId, FiberState>>{
                       {a, FiberState::Done},
                       {b, FiberState::Fault},
                       {d, FiberState::Cancelled}}));
  EXPECT_FALSE(rt.fiber(a).has_value());
  EXPECT_FALSE(rt.fiber(b).has_value());
  EXPECT_TRUE(rt.fiber(c).has_value());
  EXPECT_EQ(rt.collectEndedFibers(), 0u);
  EXPECT_EQ(rt.stats().liveFibers, 1u);
}

// gc() from onSlice (what the run loop does): every ended fiber is reported
// exactly once, while fibers keep spawning fibers in the same tick.
TEST(Scheduler, GcFromOnSliceCollectsEachEndedFiberOnce) {
  ProgramBuilder pb;
  pb.func("leaf", 1).loadLocal(0).ret();
  pb.func("main", 0, 1)
      .k(0).storeLocal(0)
      .label("l")
      .loadLocal(0).k(50).host("lt", 2).jf("done")
      .ks("leaf").loadLocal(0).host("spawn", 2).pop()
      .loadLocal(0).k(1).host("add", 2).storeLocal(0)
      .yield_().jmp("l")
      .label("done").k(-1).ret();
  auto vm = makeVm(pb.build());
  Runtime& rt = **vm;
  struct Reaper : RuntimeObserver {
    Runtime* rt = nullptr;
    std::vector<std::pair<FiberId, double>> ended;
    void onSlice(FiberId, const RunResult& r) override {
      if (r.status == RunStatus::Yielded) return;
      rt->collectEndedFibers([&](const FiberView& v) {
        ended.emplace_back(v.id, v.result.asNumber());
      });
    }
  } reaper;
  reaper.rt = &rt;
  rt.setObserver(&reaper);
  FiberId main = rt.spawn("main").value();
  for (int t = 0; t < 100 && rt.liveFibers() > 0; ++t) rt.tick();
  rt.setObserver(nullptr);
  EXPECT_EQ(rt.collectEndedFibers(), 0u);
  ASSERT_EQ(reaper.ended.size(), 51u);
  std::sort(reaper.ended.begin(), reaper.ended.end());
  EXPECT_EQ(reaper.ended.front(), (std::pair<FiberId, double>{main, -1}));
  for (size_t i = 1; i < reaper.ended.size(); ++i)
    EXPECT_EQ(reaper.ended[i].second, double(i - 1)) << i;
  EXPECT_EQ(rt.stats().liveFibers, 0u);
}

TEST(Scheduler, MaxFibersLimitsLiveFibers) {
  RuntimeConfig cfg;
  cfg.maxFibers = 2;
  ProgramBuilder pb;
  pb.func("main").knil().ret();
  auto vm = makeVm(pb.build(), cfg);
  Runtime& rt = **vm;
  FiberId a = rt.spawn("main").value();
  rt.spawn("main").value();
  auto third = rt.spawn("main");
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code, ErrorCode::LimitExceeded);
  EXPECT_EQ(third.error().diagnostics.front().message, "fiber limit 2 reached");
  ASSERT_EQ(rt.runFiber(a, 10).status, RunStatus::Done);
  auto again = rt.spawn("main");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.value(), 3u);  // ids are not reused
}

TEST(Scheduler, SpawnBuiltinHitsTheFiberLimitAsAHostError) {
  RuntimeConfig cfg;
  cfg.maxFibers = 1;
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.tryTo("c").ks("main").host("spawn", 1).ret();
  m.label("c").ret();
  Outcome o = runMain(pb, cfg);
  ASSERT_EQ(o.state(), FiberState::Done);
  EXPECT_EQ(errStr(o.result()), "HostError: spawn: fiber limit 1 reached");
}

TEST(Scheduler, MaxInstructionsCapsTheRunAndFaultAllTimesOut) {
  RuntimeConfig cfg;
  cfg.maxInstructions = 10;
  cfg.defaultBudget = 4;
  ProgramBuilder pb;
  pb.func("main").label("l").jmp("l");
  pb.func("waiter").k(3).hostAsync("sleep", 1).await_().ret();
  auto vm = makeVm(pb.build(), cfg);
  Runtime& rt = **vm;
  FiberId a = rt.spawn("main").value();
  FiberId w = rt.spawn("waiter").value();
  rt.setClock(0, 16, 1);
  rt.tick();
  EXPECT_EQ(rt.stats().instructions, 10u);
  EXPECT_TRUE(rt.instructionLimitReached());
  EXPECT_EQ(rt.fiber(w)->state, FiberState::Waiting);
  EXPECT_EQ(rt.tick(), 0u);  // nothing more runs
  rt.faultAll(ErrorTag::Timeout, "instruction limit 10 reached");
  for (FiberId id : {a, w}) {
    auto v = rt.fiber(id);
    EXPECT_EQ(v->state, FiberState::Fault);
    EXPECT_EQ(errStr(v->error), "Timeout: instruction limit 10 reached");
  }
  EXPECT_EQ(rt.stats().liveFibers, 0u);
}

TEST(Scheduler, RunFiberOnAFiberThatIsNotRunnable) {
  ProgramBuilder pb;
  pb.func("main").knil().ret();
  auto vm = makeVm(pb.build());
  Runtime& rt = **vm;
  FiberId a = rt.spawn("main").value();
  EXPECT_EQ(rt.runFiber(a, 10).status, RunStatus::Done);
  RunResult again = rt.runFiber(a, 10);
  EXPECT_EQ(again.status, RunStatus::Done);
  EXPECT_EQ(again.instructions, 0u);
  EXPECT_EQ(rt.runFiber(999, 10).instructions, 0u);
}

}  // namespace
}  // namespace brainvm::test

// The run loop of `brainvm run` (contract section 6 "Run loop").
#include <gtest/gtest.h>

#include <thread>

#include "brainvm/runner.h"
#include "test_support.h"

namespace brainvm::test {
namespace {

struct RunOut {
  std::unique_ptr<Runner> runner;
  RunReport report;
};

RunOut run(ProgramBuilder& pb, RunOptions opts = {}) {
  RunOut r;
  auto runner = Runner::create(pb.build(), std::move(opts));
  EXPECT_TRUE(runner.ok()) << (runner.ok() ? "" : runner.error().message());
  if (!runner.ok()) return r;
  r.runner = std::move(runner.value());
  auto rep = r.runner->run();
  EXPECT_TRUE(rep.ok()) << (rep.ok() ? "" : rep.error().message());
  if (rep.ok()) r.report = std::move(rep.value());
  return r;
}

TEST(Runner, StartUpOrderEntrySpawnsRules) {
  ProgramBuilder pb;
  pb.func("main").ks("main").host("fiber_id", 0).host("print", 2).ret();
  pb.func("s1").ks("s1").host("fiber_id", 0).host("print", 2).ret();
  pb.func("s2").ks("s2").host("fiber_id", 0).host("print", 2).ret();
  pb.func("r").ks("r").host("fiber_id", 0).host("print", 2).ret();
  pb.spawn("s1").spawn("s2").rule("r");
  RunOptions o;
  o.maxTicks = 1;
  RunOut r = run(pb, o);
  EXPECT_EQ(r.report.output,
            (std::vector<std::string>{"main 1", "s1 2", "s2 3", "r 4"}));
  ASSERT_EQ(r.report.fibers.size(), 3u);  // rules are not listed
  EXPECT_EQ(r.report.fibers[0].function, "main");
  EXPECT_EQ(r.report.fibers[1].id, 2u);
  EXPECT_EQ(r.report.fibers[2].function, "s2");
  EXPECT_EQ(r.report.status, RunOutcome::Ticks);
  EXPECT_EQ(r.report.ticks, 1u);
}

// Fibers end out of id order (slow, then main, then fast), and with a rule
// respawned every tick the ids are sparse (fast is spawned after ten ticks
// of rule runs): the report still lists the non-rule fibers by id (contract
// section 6), whatever order they ended in.
TEST(Runner, FibersAreReportedByIdWhateverOrderTheyEndIn) {
  for (bool withRule : {false, true}) {
    ProgramBuilder pb;
    pb.func("main")
        .ks("slow").host("spawn", 1).pop()
        .k(10).hostAsync("sleep", 1).await_().pop()
        .ks("fast").host("spawn", 1).pop()
        .k(1).ret();
    pb.func("slow").k(5).hostAsync("sleep", 1).await_().pop().k(2).ret();
    pb.func("fast").k(3).ret();
    pb.func("r").knil().ret();
    if (withRule) pb.rule("r");
    RunOptions o;
    o.maxTicks = 15;
    RunOut r = run(pb, o);
    ASSERT_EQ(r.report.fibers.size(), 3u) << withRule;
    const char* names[] = {"main", "slow", "fast"};
    for (uint32_t i = 0; i < 3; ++i) {
      const FiberRecord& f = r.report.fibers[i];
      if (i > 0) {
        EXPECT_LT(r.report.fibers[i - 1].id, f.id) << withRule;
      }
      EXPECT_EQ(f.function, names[i]) << withRule;
      EXPECT_EQ(f.state, FiberState::Done) << withRule;
      ASSERT_TRUE(f.result.has_value());
      EXPECT_EQ(show(*f.result), std::to_string(i + 1)) << withRule;
    }
    if (withRule) {
      EXPECT_GT(r.report.fibers[2].id, 12u);  // sparse ids
    }
  }
}

// Fibers still live when the report is made are listed among the ended
// ones by id, in their current state and without a result or error.
TEST(Runner, LiveAndEndedFibersAreReportedTogetherById) {
  ProgramBuilder pb;
  pb.func("main")
      .ks("done").host("spawn", 1).pop()
      .ks("live").host("spawn", 1).pop()
      .ks("done").host("spawn", 1).pop()
      .ks("live").host("spawn", 1).pop()
      .k(1).ret();
  pb.func("done").k(2).ret();
  pb.func("live").label("again").yield_().jmp("again");
  RunOptions o;
  o.maxTicks = 3;
  RunOut r = run(pb, o);
  ASSERT_EQ(r.report.fibers.size(), 5u);
  const char* names[] = {"main", "done", "live", "done", "live"};
  for (uint32_t i = 0; i < 5; ++i) {
    const FiberRecord& f = r.report.fibers[i];
    EXPECT_EQ(f.id, i + 1);
    EXPECT_EQ(f.function, names[i]);
    const bool live = f.function == "live";
    EXPECT_EQ(f.state, live ? FiberState::Runnable : FiberState::Done) << i;
    EXPECT_EQ(f.result.has_value(), !live) << i;
    EXPECT_FALSE(f.error.has_value()) << i;
  }
}

TEST(Runner, DoneWithResultVariablesAndStats) {
  ProgramBuilder pb;
  pb.shared("zz", Value::number(1)).shared("aa");
  auto& m = pb.func("main");
  m.k(3).storeVar("mm").k(2).storeVar("aa").k(42).ret();
  RunOptions o;
  o.setup = [](Runtime& rt) { return rt.setShared("cli", Value::boolean(true)); };
  RunOut r = run(pb, o);
  EXPECT_EQ(r.report.status, RunOutcome::Done);
  EXPECT_EQ(r.report.ticks, 1u);
  ASSERT_TRUE(r.report.result.has_value());
  EXPECT_EQ(show(*r.report.result), "42");
  EXPECT_FALSE(r.report.faulted);
  ASSERT_EQ(r.report.fibers.size(), 1u);
  EXPECT_EQ(r.report.fibers[0].state, FiberState::Done);
  EXPECT_EQ(show(r.report.fibers[0].result.value()), "42");
  // mm went to the fiber's own context: not a shared variable.
  ASSERT_EQ(r.report.variables.size(), 3u);
  EXPECT_EQ(r.report.variables[0].first, "aa");
  EXPECT_EQ(show(r.report.variables[0].second), "2");
  EXPECT_EQ(r.report.variables[1].first, "cli");
  EXPECT_EQ(r.report.variables[2].first, "zz");
  EXPECT_EQ(r.report.instructions, 6u);
  EXPECT_EQ(r.report.slices, 1u);
  EXPECT_EQ(r.report.handles, 0u);
}

TEST(Runner, TimersKeepTheRunGoing) {
  ProgramBuilder pb;
  pb.func("main").k(3).hostAsync("sleep", 1).await_().pop().host("tick", 0).ret();
  RunOut r = run(pb);
  EXPECT_EQ(r.report.status, RunOutcome::Done);
  EXPECT_EQ(r.report.ticks, 4u);
  EXPECT_EQ(show(r.report.result.value()), "4");
  EXPECT_EQ(r.report.handles, 1u);
}

TEST(Runner, APendingTimerOfACancelledFiberKeepsTheRunGoing) {
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.ks("worker").host("spawn", 1).yield_().host("cancel", 1).ret();
  pb.func("worker").k(5).hostAsync("sleep", 1).await_().ret();
  RunOut r = run(pb);
  EXPECT_EQ(r.report.status, RunOutcome::Done);
  EXPECT_EQ(r.report.ticks, 6u);
  EXPECT_EQ(show(r.report.result.value()), "true");
  ASSERT_EQ(r.report.fibers.size(), 2u);
  EXPECT_EQ(r.report.fibers[1].state, FiberState::Cancelled);
  EXPECT_FALSE(r.report.faulted);
}

TEST(Runner, ResultAbsentWhenTheEntryDidNotFinish) {
  ProgramBuilder pb;
  pb.func("main").k(100).hostAsync("sleep", 1).await_().ret();
  RunOptions o;
  o.maxTicks = 5;
  RunOut r = run(pb, o);
  EXPECT_EQ(r.report.status, RunOutcome::Ticks);
  EXPECT_EQ(r.report.ticks, 5u);
  EXPECT_FALSE(r.report.result.has_value());
  ASSERT_EQ(r.report.fibers.size(), 1u);
  EXPECT_EQ(r.report.fibers[0].state, FiberState::Waiting);
  EXPECT_FALSE(r.report.fibers[0].result.has_value());
}

TEST(Runner, RulesAreRespawnedEachTickAfterTheirRunEnded) {
  // blink: when tick() >= 2 do print; plus one run that spans two ticks.
  ProgramBuilder pb;
  auto& b = pb.func("blink");
  b.whenStart().host("tick", 0).k(2).host("ge", 2).whenEnd("end");
  b.doStart().ks("fire").host("tick", 0).host("print", 2).pop().doEnd();
  b.label("end").knil().ret();
  auto& s = pb.func("slow");
  s.whenStart().kbool(true).whenEnd("end").doStart();
  s.k(1).hostAsync("sleep", 1).await_().pop().doEnd();
  s.label("end").knil().ret();
  pb.rule("blink").rule("slow");
  RunOptions o;
  o.maxTicks = 4;
  RunOut r = run(pb, o);
  EXPECT_EQ(r.report.status, RunOutcome::Ticks);
  EXPECT_EQ(r.report.output,
            (std::vector<std::string>{"fire 2", "fire 3", "fire 4"}));
  ASSERT_EQ(r.report.rules.size(), 2u);
  EXPECT_EQ(r.report.rules[0].function, "blink");
  EXPECT_EQ(r.report.rules[0].runs, 4u);
  EXPECT_EQ(r.report.rules[0].fired, 3u);
  EXPECT_EQ(r.report.rules[0].faults, 0u);
  // slow: spawned at tick 1 (ends in tick 2) and tick 3 (ends in tick 4).
  EXPECT_EQ(r.report.rules[1].function, "slow");
  EXPECT_EQ(r.report.rules[1].runs, 2u);
  EXPECT_EQ(r.report.rules[1].fired, 2u);
  EXPECT_TRUE(r.report.fibers.empty());
  EXPECT_FALSE(r.report.faulted);
}

// Rule runs that ended done are kept per thread and restart as any
// runtime's next rule run: runners stepped in turn on one thread must each
// see exactly what they see alone (fresh locals, their own ids and output).
TEST(Runner, RunnersSteppedInTurnShareSpareRunsAndNothingElse) {
  auto many = [] {
    // A rule with locals and a deep stack (a heap stack): prints local 1
    // (nil in every fresh run) and then fills both locals.
    ProgramBuilder pb;
    auto& b = pb.func("wide", 0, 2);
    b.ks("wide").host("fiber_id", 0).loadLocal(1).host("print", 3).pop();
    b.k(1).k(2).k(3).k(4).k(5).k(6).host("add", 2).host("add", 2)
        .host("add", 2).host("add", 2).host("add", 2).storeLocal(1);
    b.k(7).storeLocal(0).knil().ret();
    pb.noEntry().rule("wide");
    return pb.build();
  };
  auto few = [] {
    // Two short rules (inline stacks), one of them faulting every other tick.
    ProgramBuilder pb;
    pb.func("tick").ks("short").host("fiber_id", 0).host("print", 2).pop()
        .knil().ret();
    auto& f = pb.func("odd");
    f.host("tick", 0).k(2).host("mod", 2).k(1).host("eq", 2).jf("end");
    f.ks("odd tick").throw_();
    f.label("end").knil().ret();
    pb.noEntry().rule("tick").rule("odd");
    return pb.build();
  };
  RunOptions o;
  o.maxTicks = 5;
  auto alone = [&](Program p) {
    auto r = Runner::create(std::move(p), o);
    EXPECT_TRUE(r.ok());
    return std::move(r.value()->run().value());
  };
  const RunReport wideAlone = alone(many()), fewAlone = alone(few());

  auto a = Runner::create(many(), o), b = Runner::create(few(), o),
       c = Runner::create(many(), o);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  for (int t = 0; t < 5; ++t) {
    (void)a.value()->step();
    (void)b.value()->step();
    (void)c.value()->step();
  }
  for (auto* r : {&a, &c}) {
    RunReport rep = r->value()->report();
    EXPECT_EQ(rep.output, wideAlone.output);
    EXPECT_EQ(rep.rules[0].runs, 5u);
    EXPECT_EQ(rep.instructions, wideAlone.instructions);
  }
  RunReport rep = b.value()->report();
  EXPECT_EQ(rep.output, fewAlone.output);
  ASSERT_EQ(rep.rules.size(), 2u);
  EXPECT_EQ(rep.rules[1].faults, fewAlone.rules[1].faults);
  EXPECT_EQ(rep.rules[1].faults, 3u);
  EXPECT_EQ(wideAlone.output[0], "wide 1 nil");
  EXPECT_EQ(wideAlone.output[4], "wide 5 nil");
}

// Each thread keeps its own spare rule runs and frees them when it ends
// (the sanitizer build's leak check fails otherwise); runs on other threads
// see the same results as on this one.
TEST(Runner, ThreadsKeepTheirOwnSpareRunsAndFreeThemWhenTheyEnd) {
  ProgramBuilder pb;
  pb.func("count").ks("run").host("fiber_id", 0).host("print", 2).pop()
      .knil().ret();
  pb.noEntry().rule("count");
  const Program program = pb.build();
  RunOptions o;
  o.maxTicks = 4;
  auto outputOf = [&] {
    auto r = Runner::create(program, o);
    return r.ok() ? r.value()->run().value().output : std::vector<std::string>{};
  };
  const std::vector<std::string> here = outputOf();
  ASSERT_EQ(here.size(), 4u);
  std::vector<std::string> there[2];
  std::thread a([&] { there[0] = outputOf(); });
  std::thread b([&] { there[1] = outputOf(); });
  a.join();
  b.join();
  EXPECT_EQ(there[0], here);
  EXPECT_EQ(there[1], here);
}

TEST(Runner, FiredCountsALiveRunAtTheEnd) {
  ProgramBuilder pb;
  auto& s = pb.func("slow");
  s.whenStart().kbool(true).whenEnd("end").doStart();
  s.k(10).hostAsync("sleep", 1).await_().pop().doEnd();
  s.label("end").knil().ret();
  pb.rule("slow");
  RunOptions o;
  o.maxTicks = 3;
  RunOut r = run(pb, o);
  ASSERT_EQ(r.report.rules.size(), 1u);
  EXPECT_EQ(r.report.rules[0].runs, 1u);
  EXPECT_EQ(r.report.rules[0].fired, 1u);
}

TEST(Runner, RuleFaultsAreCountedWithTheFirstError) {
  ProgramBuilder pb;
  auto& b = pb.func("bad");
  b.host("tick", 0).k(2).host("mod", 2).k(1).swap().host("div", 2).pop();
  b.knil().ret();  // divides by zero on even ticks
  pb.rule("bad");
  RunOptions o;
  o.maxTicks = 5;
  RunOut r = run(pb, o);
  ASSERT_EQ(r.report.rules.size(), 1u);
  EXPECT_EQ(r.report.rules[0].runs, 5u);
  EXPECT_EQ(r.report.rules[0].faults, 2u);
  ASSERT_TRUE(r.report.rules[0].firstError.has_value());
  EXPECT_EQ(errStr(*r.report.rules[0].firstError), "HostError: division by zero");
  EXPECT_TRUE(r.report.faulted);
}

TEST(Runner, FaultedFiberSetsTheFlag) {
  ProgramBuilder pb;
  pb.func("main").knil().ret();
  pb.func("w").kerr(ErrorTag::ScriptError, "bad").throw_();
  pb.spawn("w");
  RunOut r = run(pb);
  EXPECT_EQ(r.report.status, RunOutcome::Done);
  EXPECT_TRUE(r.report.faulted);
  EXPECT_EQ(show(r.report.result.value()), "nil");
  ASSERT_EQ(r.report.fibers.size(), 2u);
  EXPECT_EQ(r.report.fibers[1].state, FiberState::Fault);
  EXPECT_EQ(errStr(r.report.fibers[1].error.value()), "ScriptError: bad");
}

TEST(Runner, InstructionLimitEndsTheRunWithTimeouts) {
  ProgramBuilder pb;
  pb.func("main").label("l").jmp("l");
  RunOptions o;
  o.runtime.maxInstructions = 2500;
  RunOut r = run(pb, o);
  EXPECT_EQ(r.report.status, RunOutcome::Limit);
  EXPECT_EQ(r.report.ticks, 1u);
  EXPECT_TRUE(r.report.faulted);
  EXPECT_EQ(r.report.instructions, 2500u);
  ASSERT_EQ(r.report.fibers.size(), 1u);
  EXPECT_EQ(r.report.fibers[0].state, FiberState::Fault);
  EXPECT_EQ(errStr(r.report.fibers[0].error.value()),
            "Timeout: instruction limit 2500 reached");
}

TEST(Runner, ClockAndBudgetOptions) {
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.yield_().yield_().host("now", 0).ret();
  RunOptions o;
  o.dtMs = 10;
  o.runtime.maxFibersPerTick = 1;
  RunOut r = run(pb, o);
  EXPECT_EQ(r.report.ticks, 3u);
  EXPECT_EQ(show(r.report.result.value()), "20");
}

TEST(Runner, EntryOptionAndEcho) {
  ProgramBuilder pb;
  pb.func("main").ks("main").host("print", 1).ret();
  pb.func("other").ks("other").host("print", 1).ret();
  std::vector<std::string> echoed;
  RunOptions o;
  o.entry = "other";
  o.echo = [&](std::string_view s) { echoed.emplace_back(s); };
  RunOut r = run(pb, o);
  EXPECT_EQ(r.report.output, (std::vector<std::string>{"other"}));
  EXPECT_EQ(echoed, r.report.output);
  EXPECT_EQ(r.report.fibers[0].function, "other");

  RunOptions bad;
  bad.entry = "missing";
  ProgramBuilder pb2;
  pb2.func("main").knil().ret();
  auto runner = Runner::create(pb2.build(), bad);
  ASSERT_FALSE(runner.ok());
  EXPECT_EQ(runner.error().code, ErrorCode::InvalidArgument);
}

// Regression: every report() pinned the variables' objects for good, so a
// host reporting each tick grew the pin table (and its saved states)
// without end.
TEST(Runner, ReportingEveryTickHoldsOnToNothingMore) {
  ProgramBuilder pb;
  pb.shared("seen");
  auto& r = pb.func("remember");  // a new list in a variable every tick
  r.listNew().k(1).listPush().storeVar("seen").knil().ret();
  pb.rule("remember");
  auto stateAfter = [&](int reports) {
    RunOptions o;
    o.maxTicks = 50;
    auto runner = Runner::create(pb.build(), o);
    EXPECT_TRUE(runner.ok());
    if (!runner) return size_t{0};
    EXPECT_TRUE(runner.value()->start().ok());
    for (int tick = 0; tick < 50; ++tick) {
      EXPECT_TRUE(runner.value()->step().ok());
      if (tick < reports) {
        RunReport rep = runner.value()->report();
        EXPECT_EQ(rep.variables.size(), 1u);
      }
    }
    // The last report's values stay readable until the runner goes on.
    RunReport last = runner.value()->report();
    EXPECT_EQ(show(last.variables.at(0).second), "[1]");
    auto saved = runner.value()->saveState();
    EXPECT_TRUE(saved.ok());
    return saved.ok() ? saved.value().size() : size_t{0};
  };
  const size_t once = stateAfter(0);
  EXPECT_GT(once, 0u);
  EXPECT_EQ(stateAfter(50), once);
}

TEST(Runner, NothingToRunIsRejected) {
  ProgramBuilder pb;
  pb.noEntry();
  pb.func("f").knil().ret();
  auto runner = Runner::create(pb.build(), {});
  ASSERT_FALSE(runner.ok());
  EXPECT_EQ(runner.error().code, ErrorCode::VerificationFailed);
}

}  // namespace
}  // namespace brainvm::test

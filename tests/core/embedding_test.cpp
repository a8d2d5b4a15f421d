// What embedders rely on: a loaded program shared by many runtimes, their
// own host functions (also over the built-ins' names), and the Runner's
// per-tick callback.
#include <gtest/gtest.h>

#include "brainvm/runner.h"
#include "test_support.h"

namespace brainvm::test {
namespace {

// main: add(2, 3) three ways the linker treats differently: fused operands
// (push_const push_const host_call_args), through locals into a store, and
// in a loop condition.
Program addProgram() {
  ProgramBuilder pb;
  auto& m = pb.func("main", 0, 2);
  m.k(4).k(5).host("add", 2).storeLocal(0);          // fused: const, const
  m.loadLocal(0).k(2).host("add", 2).storeLocal(1);  // fused: local, const
  m.loadLocal(1).ret();
  return pb.build();
}

// A multiplying `add`: tells whose function ran.
Value timesAdd(HostCall& c, void*) {
  auto x = c.number(0), y = c.number(1);
  if (!x || !y) return Value();
  return Value::number(*x * *y);
}

TEST(Embedding, AnEmbeddersOwnAddRunsInsteadOfTheIntrinsic) {
  HostRegistry mine;
  ASSERT_TRUE(mine.addSync("add", timesAdd).ok());
  auto rt = Runtime::create(addProgram(), mine);
  ASSERT_TRUE(rt.ok()) << rt.error().message();
  FiberId id = rt.value()->spawn("main").value();
  rt.value()->tick();
  // (4 * 5) * 2; the built-in intrinsic would give (4 + 5) + 2 = 11.
  EXPECT_EQ(show(rt.value()->fiber(id)->result), "40");
}

TEST(Embedding, OwnAddOverTheBuiltInsThroughTheRunner) {
  ProgramBuilder pb;
  auto& m = pb.func("main", 0, 2);
  m.k(4).k(5).host("add", 2).storeLocal(0);          // 20, not 9
  m.loadLocal(0).k(2).host("add", 2).storeLocal(1);  // 40, not 22
  m.loadLocal(1).k(10).host("sub", 2).ret();         // built-in sub: 30
  for (bool fused : {true, false}) {
    LoadOptions lo;
    lo.superinstructions = fused;
    auto loaded = LoadedProgram::load(pb.build(), lo);
    ASSERT_TRUE(loaded.ok());
    RunOptions o;
    ASSERT_TRUE(o.hosts.addSync("add", timesAdd).ok());
    auto runner = Runner::create(loaded.value(), std::move(o));
    ASSERT_TRUE(runner.ok()) << runner.error().message();
    auto report = runner.value()->run();
    ASSERT_TRUE(report.ok());
    ASSERT_TRUE(report->result.has_value());
    EXPECT_EQ(show(*report->result), "30") << "fused " << fused;
  }
}

TEST(Embedding, RuntimesSharingAProgramEachBindTheirOwnHosts) {
  auto loaded = LoadedProgram::load(addProgram());
  ASSERT_TRUE(loaded.ok());
  std::shared_ptr<const LoadedProgram> program = loaded.value();

  BuiltinHost builtins;
  HostRegistry standard;
  ASSERT_TRUE(builtins.registerInto(standard).ok());
  HostRegistry custom;
  ASSERT_TRUE(custom.addSync("add", [](HostCall& c) {
                      return Value::number(c.arg(0).asNumber() -
                                           c.arg(1).asNumber());
                    }).ok());

  auto a = Runtime::create(program, standard);
  auto b = Runtime::create(program, custom);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(&a.value()->program(), &b.value()->program());  // one copy
  FiberId ia = a.value()->spawn("main").value();
  FiberId ib = b.value()->spawn("main").value();
  a.value()->tick();
  b.value()->tick();
  EXPECT_EQ(show(a.value()->fiber(ia)->result), "11");  // (4 + 5) + 2
  EXPECT_EQ(show(b.value()->fiber(ib)->result), "-3");  // (4 - 5) - 2
}

TEST(Embedding, AThousandRunnersShareOneProgram) {
  ProgramBuilder pb;
  pb.shared("hp", Value::number(10));
  pb.noEntry();
  auto& r = pb.func("think");
  r.whenStart().loadVar("hp").k(0).host("gt", 2).whenEnd("skip");
  r.doStart().loadVar("hp").k(1).host("sub", 2).storeVar("hp").doEnd();
  r.label("skip").knil().ret();
  pb.rule("think");
  auto loaded = LoadedProgram::load(pb.build());
  ASSERT_TRUE(loaded.ok());
  std::vector<std::unique_ptr<Runner>> runners;
  for (int i = 0; i < 1000; ++i) {
    RunOptions o;
    o.maxTicks = 5 + static_cast<uint64_t>(i % 3);
    auto runner = Runner::create(loaded.value(), std::move(o));
    ASSERT_TRUE(runner.ok());
    runners.push_back(std::move(runner.value()));
  }
  for (size_t i = 0; i < runners.size(); ++i) {
    auto report = runners[i]->run();
    ASSERT_TRUE(report.ok());
    ASSERT_EQ(report->variables.size(), 1u);
    EXPECT_EQ(show(report->variables[0].second),
              std::to_string(10 - 5 - static_cast<int>(i % 3)));
  }
}

TEST(Embedding, TheTickCallbackSetsVariablesSettlesHandlesAndStops) {
  ProgramBuilder pb;
  pb.shared("input", Value::number(0)).shared("seen");
  pb.noEntry();
  pb.func("watch").loadVar("input").storeVar("seen").knil().ret();
  pb.func("ask").hostAsync("ask", 0).await_().ret();
  pb.rule("watch");
  pb.spawn("ask");
  RunOptions o;
  o.maxTicks = 100;
  std::optional<HandleId> pending;
  ASSERT_TRUE(o.hosts.addAsync("ask", [&](HostCall&, HandleId h) {
                 pending = h;
               }).ok());
  std::vector<double> clock;
  o.onTick = [&](Runtime& rt, uint64_t tick) {
    clock.push_back(rt.timeMs());
    if (tick == 6) return false;  // stop before tick 6 runs
    EXPECT_TRUE(rt.setShared("input", Value::number(double(tick) * 10)).ok());
    if (tick == 3 && pending) {
      EXPECT_TRUE(rt.resolveHandle(*pending, Value::number(42)).ok());
    }
    return true;
  };
  auto runner = Runner::create(pb.build(), std::move(o));
  ASSERT_TRUE(runner.ok()) << runner.error().message();
  auto report = runner.value()->run();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->status, RunOutcome::Ticks);
  EXPECT_EQ(report->ticks, 5u);
  EXPECT_EQ(clock, (std::vector<double>{0, 16, 32, 48, 64, 80}));
  ASSERT_EQ(report->fibers.size(), 1u);
  EXPECT_EQ(report->fibers[0].state, FiberState::Done);
  EXPECT_EQ(show(*report->fibers[0].result), "42");
  ASSERT_EQ(report->variables.size(), 2u);
  EXPECT_EQ(report->variables[1].first, "seen");
  EXPECT_EQ(show(report->variables[1].second), "50");
  EXPECT_EQ(report->rules[0].runs, 5u);
}

TEST(Embedding, SharedSlotsReadAndWriteTheNamedVariable) {
  ProgramBuilder pb;
  pb.shared("input", Value::number(0)).shared("seen");
  pb.func("main").loadVar("input").storeVar("seen").knil().ret();
  auto runner = Runner::create(pb.build(), {});
  ASSERT_TRUE(runner.ok());
  Runtime& rt = runner.value()->runtime();
  std::optional<SharedSlot> input = rt.sharedSlot("input");
  std::optional<SharedSlot> seen = rt.sharedSlot("seen");
  ASSERT_TRUE(input && seen);
  EXPECT_NE(input->index, seen->index);
  EXPECT_FALSE(rt.sharedSlot("nowhere"));
  ASSERT_TRUE(rt.setShared(*input, Value::number(7)).ok());
  EXPECT_EQ(show(rt.getShared("input").value()), "7");
  ASSERT_TRUE(runner.value()->run().ok());
  EXPECT_EQ(show(rt.getShared(*seen).value()), "7");
  EXPECT_FALSE(rt.setShared(SharedSlot{1000}, Value::number(1)).ok());
  EXPECT_FALSE(rt.getShared(SharedSlot{1000}));
}

TEST(Embedding, ARunnerWithoutTheBuiltInsLinksOnlyTheHostsGiven) {
  ProgramBuilder pb;
  pb.func("main").k(1).host("print", 1).ret();
  RunOptions o;
  o.builtins = false;
  auto missing = Runner::create(pb.build(), o);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::LinkError);
  std::vector<std::string> printed;
  ASSERT_TRUE(o.hosts.addSync("print", [&](HostCall& c) {
                 printed.push_back(show(c.arg(0)));
                 return Value::boolean(true);
               }).ok());
  auto runner = Runner::create(pb.build(), std::move(o));
  ASSERT_TRUE(runner.ok()) << runner.error().message();
  EXPECT_EQ(runner.value()->builtins(), nullptr);
  auto report = runner.value()->run();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(show(*report->result), "true");
  EXPECT_EQ(printed, std::vector<std::string>{"1"});
  EXPECT_TRUE(report->output.empty());
}

TEST(Embedding, StepByStepEqualsRunToCompletion) {
  ProgramBuilder pb;
  pb.func("main").k(3).hostAsync("sleep", 1).await_().k(7).ret();
  auto whole = Runner::create(pb.build(), {});
  ASSERT_TRUE(whole.ok());
  RunReport a = whole.value()->run().value();

  auto stepped = Runner::create(pb.build(), {});
  ASSERT_TRUE(stepped.ok());
  Runner& r = *stepped.value();
  ASSERT_TRUE(r.start().ok());
  uint64_t steps = 0;
  while (r.step().value()) ++steps;
  EXPECT_TRUE(r.finished());
  EXPECT_FALSE(r.step().value());  // nothing more runs
  RunReport b = r.report();
  EXPECT_EQ(steps + 1, a.ticks);
  EXPECT_EQ(b.ticks, a.ticks);
  EXPECT_EQ(b.status, a.status);
  EXPECT_EQ(show(*b.result), show(*a.result));
  EXPECT_EQ(b.instructions, a.instructions);
}

}  // namespace
}  // namespace brainvm::test

// Superinstructions must be invisible: the same results, errors, traces and
// budget accounting as the unfused instructions. Each test runs one program
// twice — with the built-in intrinsics (fused at link time) and with plain
// host functions of the same names (never fused) — and compares.
#include <gtest/gtest.h>

#include <functional>
#include <utility>
#include <vector>

#include "program_builder.h"
#include "test_support.h"

namespace brainvm::test {
namespace {

// Registry whose lt/add/sub have the built-ins' semantics on numbers but are
// ordinary host functions, so nothing is fused.
void plainOperators(HostRegistry& r) {
  auto num = [](HostCall& c, uint32_t i, double& out) {
    std::optional<double> v = c.number(i);
    if (v) out = *v;
    return v.has_value();
  };
  (void)r.addSync("lt", [num](HostCall& c) {
    double x, y;
    if (!num(c, 0, x) || !num(c, 1, y)) return Value();
    return Value::boolean(x < y);
  });
  (void)r.addSync("add", [num](HostCall& c) {
    double x, y;
    if (!num(c, 0, x) || !num(c, 1, y)) return Value();
    return Value::number(x + y);
  });
  (void)r.addSync("sub", [num](HostCall& c) {
    double x, y;
    if (!num(c, 0, x) || !num(c, 1, y)) return Value();
    return Value::number(x - y);
  });
  (void)r.addSync("gt", [num](HostCall& c) {
    double x, y;
    if (!num(c, 0, x) || !num(c, 1, y)) return Value();
    return Value::boolean(x > y);
  });
}

std::unique_ptr<Vm> makePlainVm(Program p, RuntimeConfig cfg = {}) {
  auto vm = std::make_unique<Vm>();
  plainOperators(vm->registry);
  auto rt = Runtime::create(std::move(p), vm->registry, cfg);
  EXPECT_TRUE(rt.ok()) << (rt.ok() ? "" : rt.error().message());
  if (rt.ok()) vm->rt = std::move(rt.value());
  return vm;
}

// sum of 0..n-1 with locals; the loop body is three fusable sequences and a
// back edge.
Program localsLoop(double n) {
  ProgramBuilder pb;
  pb.func("main", 0, 2)
      .k(0).storeLocal(0)
      .k(0).storeLocal(1)
      .label("loop")
      .loadLocal(0).k(n).host("lt", 2).jf("done")
      .loadLocal(1).loadLocal(0).host("add", 2).storeLocal(1)
      .loadLocal(0).k(1).host("add", 2).storeLocal(0)
      .jmp("loop")
      .label("done")
      .loadLocal(1).ret();
  return pb.build();
}

// The same over shared variables.
Program varsLoop(double n) {
  ProgramBuilder pb;
  pb.shared("i", Value::number(0));
  pb.shared("s", Value::number(0));
  pb.func("main")
      .label("loop")
      .loadVar("i").k(n).host("lt", 2).jf("done")
      .loadVar("s").loadVar("i").host("add", 2).storeVar("s")
      .loadVar("i").k(1).host("add", 2).storeVar("i")
      .jmp("loop")
      .label("done")
      .loadVar("s").ret();
  return pb.build();
}

// Counts down with sub/gt (intrinsics not specialised in the fused handlers)
// and accumulates with a shared variable.
Program countdownLoop(double n) {
  ProgramBuilder pb;
  pb.shared("acc", Value::number(0));
  pb.func("main", 0, 1)
      .k(n).storeLocal(0)
      .label("loop")
      .loadLocal(0).k(0).host("gt", 2).jf("done")
      .loadVar("acc").loadLocal(0).host("sub", 2).storeVar("acc")
      .loadLocal(0).k(1).host("sub", 2).storeLocal(0)
      .jmp("loop")
      .label("done")
      .loadVar("acc").ret();
  return pb.build();
}

using Slices = std::vector<std::pair<RunStatus, uint32_t>>;

// Runs main slice by slice with the given budget.
Slices slices(Runtime& rt, uint32_t budget, Value* result = nullptr) {
  Slices out;
  FiberId id = rt.spawn("main").value();
  for (int guard = 0; guard < 100000; ++guard) {
    RunResult r = rt.runFiber(id, budget);
    out.emplace_back(r.status, r.instructions);
    if (r.status != RunStatus::Yielded) break;
  }
  if (result) *result = rt.fiber(id)->result;
  return out;
}

TEST(Fusion, SameResultAndInstructionCountAsPlainCalls) {
  for (auto make : {localsLoop, varsLoop}) {
    auto fused = makeVm(make(1000));
    auto plain = makePlainVm(make(1000));
    Value a, b;
    Slices fs = slices(**fused, 1u << 30, &a);
    Slices ps = slices(**plain, 1u << 30, &b);
    EXPECT_EQ(fs, ps);
    ASSERT_TRUE(a.isNumber());
    EXPECT_EQ(a.asNumber(), 499500);
    EXPECT_EQ(b.asNumber(), 499500);
    // 4 set-up or 0, then 13 per iteration, 5 for the exit path.
    EXPECT_EQ((*fused)->stats().instructions, (*plain)->stats().instructions);
  }
}

TEST(Fusion, GenericIntrinsicsMatchPlainCalls) {
  auto fused = makeVm(countdownLoop(100));
  auto plain = makePlainVm(countdownLoop(100));
  Value a, b;
  EXPECT_EQ(slices(**fused, 1u << 30, &a), slices(**plain, 1u << 30, &b));
  ASSERT_TRUE(a.isNumber());
  EXPECT_EQ(a.asNumber(), -5050);
  EXPECT_EQ(b.asNumber(), -5050);
}

TEST(Fusion, EveryBudgetSplitsSlicesExactlyAsUnfused) {
  for (auto make : {localsLoop, varsLoop, countdownLoop}) {
    for (uint32_t budget = 1; budget <= 20; ++budget) {
      auto fused = makeVm(make(7));
      auto plain = makePlainVm(make(7));
      EXPECT_EQ(slices(**fused, budget), slices(**plain, budget))
          << "budget " << budget;
    }
  }
}

TEST(Fusion, NonNumberOperandFallsBackToTheHostCallAndItsError) {
  ProgramBuilder pb;
  pb.func("main", 0, 1)
      .ks("a").storeLocal(0)
      .loadLocal(0).k(1).host("add", 2).storeLocal(0)  // add at pc 4
      .loadLocal(0).ret();
  Outcome o = runMain(pb);
  ASSERT_EQ(o.state(), FiberState::Fault);
  EXPECT_EQ(errStr(o.error()),
            "HostError: add: argument 1 must be a number, got string");
  const auto& trace = o.error().asError()->trace();
  ASSERT_FALSE(trace.empty());
  EXPECT_EQ(trace.front().pc, 4u);
}

TEST(Fusion, UndefinedVariableTakesTheSlowPath) {
  ProgramBuilder pb;
  pb.func("main").loadVar("nowhere").k(1).host("add", 2).ret();
  Outcome o = runMain(pb);
  ASSERT_EQ(o.state(), FiberState::Fault);
  EXPECT_EQ(errStr(o.error()),
            "HostError: add: argument 1 must be a number, got nil");
}

TEST(Fusion, JumpIntoTheMiddleOfAFusedSequence) {
  // The jump lands on the second load of a fusable sequence: 5 + (10 + 2).
  ProgramBuilder pb;
  pb.func("main", 0, 1)
      .k(5).k(10).jmp("mid")
      .loadLocal(0)  // skipped; starts a fusable sequence
      .label("mid")
      .k(2).host("add", 2).host("add", 2).ret();
  Outcome o = runMain(pb);
  ASSERT_EQ(o.state(), FiberState::Done);
  EXPECT_EQ(o.result().asNumber(), 17);
}

// --- List and accumulation superinstructions --------------------------------
// These do not depend on intrinsics, so the comparison is against the same
// runtime with superinstructions turned off.

std::unique_ptr<Vm> makeUnfusedVm(Program p, RuntimeConfig cfg = {}) {
  LoadOptions unfused;
  unfused.superinstructions = false;
  return makeVm(std::move(p), cfg, {}, 0, unfused);
}

// xs = [0..n-1] by list_push; total = sum of xs[i]; returns total.
Program listLoop(double n) {
  ProgramBuilder pb;
  // locals: 0 i, 1 xs, 2 total
  pb.func("main", 0, 3)
      .listNew().storeLocal(1)
      .k(0).storeLocal(0)
      .k(0).storeLocal(2)
      .label("fill")
      .loadLocal(0).k(n).host("lt", 2).jf("filled")
      .loadLocal(1).loadLocal(0).listPush().pop()
      .loadLocal(0).k(1).host("add", 2).storeLocal(0)
      .jmp("fill")
      .label("filled")
      .k(0).storeLocal(0)
      .label("sum")
      .loadLocal(0).k(n).host("lt", 2).jf("done")
      .loadLocal(2).loadLocal(1).loadLocal(0).listGet().host("add", 2)
      .storeLocal(2)
      .loadLocal(0).k(1).host("add", 2).storeLocal(0)
      .jmp("sum")
      .label("done")
      .loadLocal(2).ret();
  return pb.build();
}

TEST(Fusion, ListSequencesMatchUnfusedForEveryBudget) {
  {
    auto fused = makeVm(listLoop(1000));
    auto plain = makeUnfusedVm(listLoop(1000));
    Value a, b;
    EXPECT_EQ(slices(**fused, 1u << 30, &a), slices(**plain, 1u << 30, &b));
    ASSERT_TRUE(a.isNumber());
    EXPECT_EQ(a.asNumber(), 499500);
    EXPECT_EQ(b.asNumber(), 499500);
  }
  for (uint32_t budget = 1; budget <= 20; ++budget) {
    auto fused = makeVm(listLoop(7));
    auto plain = makeUnfusedVm(listLoop(7));
    EXPECT_EQ(slices(**fused, budget), slices(**plain, budget))
        << "budget " << budget;
  }
}

// main(): local 0 = `list`, local 1 = `index`, then list_get and, for
// pushes, list_push/pop; returns what the plain code returns.
struct ListCase {
  const char* what;
  std::function<void(FnBuilder&)> setup;  // sets locals 0 and 1
  bool push;
};

TEST(Fusion, ListSequenceEdgeCasesBehaveAsUnfused) {
  const std::vector<ListCase> cases = {
      {"in range", [](FnBuilder& m) { m.listNew().k(5).listPush().storeLocal(0).k(0).storeLocal(1); }, false},
      {"past the end", [](FnBuilder& m) { m.listNew().storeLocal(0).k(3).storeLocal(1); }, false},
      {"negative", [](FnBuilder& m) { m.listNew().storeLocal(0).k(-1).storeLocal(1); }, false},
      {"fraction", [](FnBuilder& m) { m.listNew().k(5).listPush().storeLocal(0).k(0.5).storeLocal(1); }, false},
      {"negative fraction", [](FnBuilder& m) { m.listNew().storeLocal(0).k(-0.5).storeLocal(1); }, false},
      {"index not a number", [](FnBuilder& m) { m.listNew().storeLocal(0).ks("0").storeLocal(1); }, false},
      {"not a list", [](FnBuilder& m) { m.mapNew().storeLocal(0).k(0).storeLocal(1); }, false},
      {"push", [](FnBuilder& m) { m.listNew().storeLocal(0).ks("v").storeLocal(1); }, true},
      {"push onto a non-list", [](FnBuilder& m) { m.k(1).storeLocal(0).k(2).storeLocal(1); }, true},
  };
  for (const ListCase& c : cases) {
    auto build = [&] {
      ProgramBuilder pb;
      FnBuilder& m = pb.func("main", 0, 2);
      c.setup(m);
      if (c.push)
        m.loadLocal(0).loadLocal(1).listPush().pop().loadLocal(0).ret();
      else
        m.loadLocal(0).loadLocal(1).listGet().ret();
      return pb.build();
    };
    for (uint32_t budget : {1u, 2u, 3u, 1000u}) {
      auto fused = makeVm(build());
      auto plain = makeUnfusedVm(build());
      Value a, b;
      EXPECT_EQ(slices(**fused, budget, &a), slices(**plain, budget, &b))
          << c.what << ", budget " << budget;
      EXPECT_EQ(toDisplayString(a), toDisplayString(b)) << c.what;
      EXPECT_EQ(a.kind(), b.kind()) << c.what;
    }
  }
}

TEST(Fusion, ListPushOutOfMemoryIsReportedAsUnfused) {
  auto build = [] {
    ProgramBuilder pb;
    pb.func("main", 0, 1)
        .listNew().storeLocal(0)
        .label("l")
        .loadLocal(0).loadLocal(0).listPush().pop()
        .jmp("l");
    return pb.build();
  };
  RuntimeConfig cfg;
  cfg.maxHeapBytes = 64 * 1024;
  auto fused = makeVm(build(), cfg);
  auto plain = makeUnfusedVm(build(), cfg);
  Value a, b;
  Slices fs = slices(**fused, 1u << 30, &a);
  Slices ps = slices(**plain, 1u << 30, &b);
  EXPECT_EQ(fs, ps);
  ASSERT_FALSE(fs.empty());
  EXPECT_EQ(fs.back().first, RunStatus::Fault);
  std::optional<FiberView> fv = (*fused)->fiber(1);
  std::optional<FiberView> pv = (*plain)->fiber(1);
  ASSERT_TRUE(fv && pv);
  EXPECT_EQ(errStr(fv->error), errStr(pv->error));
  EXPECT_EQ(fv->error.asError()->trace().front().pc,
            pv->error.asError()->trace().front().pc);
}

TEST(Fusion, AddStoreLocalWithNonNumbersFallsBackToTheHostCall) {
  auto build = [] {
    ProgramBuilder pb;
    pb.func("main", 0, 1).ks("a").k(1).host("add", 2).storeLocal(0)
        .loadLocal(0).ret();
    return pb.build();
  };
  auto fused = makeVm(build());
  auto plain = makeUnfusedVm(build());
  EXPECT_EQ(slices(**fused, 1000), slices(**plain, 1000));
  EXPECT_EQ(errStr((*fused)->fiber(1)->error),
            "HostError: add: argument 1 must be a number, got string");
  EXPECT_EQ(errStr((*fused)->fiber(1)->error), errStr((*plain)->fiber(1)->error));
}

class CountingResolver : public VariableResolver {
 public:
  int loads = 0;
  std::optional<Value> load(std::string_view name, FiberId) override {
    ++loads;
    if (name == "x") return Value::number(40);
    return std::nullopt;
  }
};

TEST(Fusion, CustomResolverIsConsultedForFusedLoads) {
  ProgramBuilder pb;
  pb.shared("x", Value::number(1));
  pb.func("main").loadVar("x").k(2).host("add", 2).ret();
  auto vm = makeVm(pb.build());
  auto resolver = std::make_shared<CountingResolver>();
  (*vm)->setResolver(resolver);
  FiberView v = runFn(*vm, "main");
  ASSERT_EQ(v.state, FiberState::Done);
  EXPECT_EQ(v.result.asNumber(), 42);
  EXPECT_EQ(resolver->loads, 1);
}

TEST(Fusion, ResolverInstalledByAHostCallMidSliceIsSeenByFusedLoads) {
  ProgramBuilder pb;
  pb.shared("x", Value::number(1));
  pb.func("main", 0, 2)
      .loadVar("x").k(2).host("add", 2).storeLocal(0)  // 1 + 2
      .host("install", 0).pop()
      .loadVar("x").k(2).host("add", 2).storeLocal(1)  // resolver: 40 + 2
      .loadLocal(0).loadLocal(1).host("add", 2).ret();
  std::shared_ptr<CountingResolver> resolver;
  Runtime* runtime = nullptr;
  auto vm = makeVm(pb.build(), {}, [&](HostRegistry& r) {
    ASSERT_TRUE(r.addSync("install", [&](HostCall&) {
                   resolver = std::make_shared<CountingResolver>();
                   runtime->setResolver(resolver);
                   return Value();
                 }).ok());
  });
  runtime = vm->rt.get();
  FiberView v = runFn(*vm, "main");
  ASSERT_EQ(v.state, FiberState::Done);
  EXPECT_EQ(v.result.asNumber(), 45);
  ASSERT_TRUE(resolver);
  EXPECT_EQ(resolver->loads, 1);
}

// div and mod are intrinsics only for a non-zero divisor: with 0 the host
// function runs and fails, on the fused path, the inline path and unfused.
TEST(Fusion, DivAndModByZeroCallTheHostOnEveryPath) {
  auto build = [](const char* op, double divisor, bool fusable) {
    ProgramBuilder pb;
    FnBuilder& m = pb.func("main", 0, 1);
    m.k(divisor).storeLocal(0);
    if (fusable)
      m.k(7).loadLocal(0).host(op, 2).ret();  // const, local, op: fused
    else
      m.k(3).k(4).host("add", 2).loadLocal(0).host(op, 2).ret();
    return pb.build();
  };
  for (const char* op : {"div", "mod"}) {
    for (bool fusable : {true, false}) {
      for (double divisor : {0.0, -0.0, 2.0}) {
        auto fused = makeVm(build(op, divisor, fusable));
        auto plain = makeUnfusedVm(build(op, divisor, fusable));
        Value a, b;
        EXPECT_EQ(slices(**fused, 1000, &a), slices(**plain, 1000, &b));
        std::optional<FiberView> fv = (*fused)->fiber(1);
        std::optional<FiberView> pv = (*plain)->fiber(1);
        ASSERT_TRUE(fv && pv);
        if (divisor == 0) {
          ASSERT_EQ(fv->state, FiberState::Fault) << op;
          EXPECT_EQ(errStr(fv->error), "HostError: division by zero");
          EXPECT_EQ(errStr(fv->error), errStr(pv->error));
          EXPECT_EQ(fv->error.asError()->trace().front().pc,
                    pv->error.asError()->trace().front().pc);
        } else {
          ASSERT_EQ(fv->state, FiberState::Done) << op;
          EXPECT_EQ(a.asNumber(), std::string(op) == "div" ? 3.5 : 1) << op;
          EXPECT_EQ(a.asNumber(), b.asNumber());
        }
      }
    }
  }
}

}  // namespace
}  // namespace brainvm::test

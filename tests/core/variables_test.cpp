// Variable resolution (contract 3.7) and copy/share semantics of values.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "test_support.h"

namespace brainvm::test {
namespace {

struct MapResolver : VariableResolver {
  std::map<std::string, double> values;
  std::map<std::string, double> stored;
  bool acceptStores = false;
  std::optional<Value> load(std::string_view name, FiberId) override {
    auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return Value::number(it->second);
  }
  bool store(std::string_view name, const Value& v, FiberId) override {
    if (!acceptStores || !v.isNumber()) return false;
    stored[std::string(name)] = v.asNumber();
    return true;
  }
};

// main returns the list [x, y, z] as seen by load_var.
ProgramBuilder loadXYZ() {
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.listNew().loadVar("x").listPush().loadVar("y").listPush().loadVar("z")
      .listPush().ret();
  return pb;
}

TEST(Variables, ResolutionOrderResolverSharedParentNil) {
  ProgramBuilder pb = loadXYZ();
  pb.shared("x", Value::number(1)).shared("y", Value::number(2));
  auto vm = makeVm(pb.build());
  Runtime& rt = **vm;
  ContextId env = rt.newContext();
  ASSERT_TRUE(rt.setContextVariable(env, "y", Value::number(20)).ok());
  ASSERT_TRUE(rt.setContextVariable(env, "z", Value::number(30)).ok());
  rt.setParentContext(env);
  // shared wins over the parent context; the parent context is reached.
  EXPECT_EQ(show(runFn(*vm, "main").result), "[1, 2, 30]");
  // A custom resolver comes first.
  auto res = std::make_shared<MapResolver>();
  res->values["y"] = 200;
  rt.setResolver(res);
  EXPECT_EQ(show(runFn(*vm, "main").result), "[1, 200, 30]");
  rt.setResolver(nullptr);
  rt.setParentContext(kNoContext);
  EXPECT_EQ(show(runFn(*vm, "main").result), "[1, 2, nil]");
}

TEST(Variables, ParentContextChain) {
  ProgramBuilder pb = loadXYZ();
  auto vm = makeVm(pb.build());
  Runtime& rt = **vm;
  ContextId root = rt.newContext();
  ContextId child = rt.newContext(root);
  ASSERT_TRUE(rt.setContextVariable(root, "x", Value::number(1)).ok());
  ASSERT_TRUE(rt.setContextVariable(root, "y", Value::number(2)).ok());
  ASSERT_TRUE(rt.setContextVariable(child, "y", Value::number(3)).ok());
  rt.setParentContext(child);
  EXPECT_EQ(show(runFn(*vm, "main").result), "[1, 3, nil]");
  EXPECT_FALSE(rt.setContextVariable(99, "x", Value()).ok());
  EXPECT_FALSE(rt.setContextVariable(kNoContext, "x", Value()).ok());
}

TEST(Variables, FiberContextWinsOverSharedScope) {
  // The fiber stores x while nothing defines it (own context); the host then
  // defines a shared x. The fiber still sees its own; other fibers the shared.
  ProgramBuilder pb;
  auto& m = pb.func("main");
  m.k(10).storeVar("x").host("define_shared", 0).pop().loadVar("x").ret();
  pb.func("other").loadVar("x").ret();
  auto vm = makeVm(pb.build(), {}, [](HostRegistry& r) {
    ASSERT_TRUE(r.addSync("define_shared", [](HostCall& c) {
                   EXPECT_TRUE(c.runtime().setShared("x", Value::number(20)).ok());
                   return Value();
                 }).ok());
  });
  EXPECT_EQ(show(runFn(*vm, "main").result), "10");
  EXPECT_EQ(show(runFn(*vm, "other").result), "20");
}

TEST(Variables, StoreWritesTheFirstScopeThatDefinesTheName) {
  ProgramBuilder pb;
  pb.shared("s", Value::number(0));
  auto& m = pb.func("main");
  m.k(1).storeVar("s").k(2).storeVar("e").k(3).storeVar("own");
  m.loadVar("own").ret();
  auto& o = pb.func("other");
  o.listNew().loadVar("s").listPush().loadVar("e").listPush().loadVar("own")
      .listPush().ret();
  auto vm = makeVm(pb.build());
  Runtime& rt = **vm;
  ContextId env = rt.newContext();
  ASSERT_TRUE(rt.setContextVariable(env, "e", Value::number(0)).ok());
  rt.setParentContext(env);
  FiberView v = runFn(*vm, "main");
  EXPECT_EQ(show(v.result), "3");
  // s went to the shared scope, e to the parent context, own stayed private.
  EXPECT_EQ(show(runFn(*vm, "other").result), "[1, 2, nil]");
  EXPECT_EQ(show(rt.getShared("s").value()), "1");
  EXPECT_FALSE(rt.getShared("own").has_value());
}

TEST(Variables, FiberVariableIsVisibleWhileTheFiberLives) {
  ProgramBuilder pb;
  pb.func("main").k(4).storeVar("mine").yield_().knil().ret();
  auto vm = makeVm(pb.build());
  Runtime& rt = **vm;
  FiberId id = rt.spawn("main").value();
  EXPECT_EQ(rt.runFiber(id, 100).status, RunStatus::Yielded);
  ASSERT_TRUE(rt.getFiberVariable(id, "mine").has_value());
  EXPECT_EQ(show(*rt.getFiberVariable(id, "mine")), "4");
  EXPECT_FALSE(rt.getShared("mine").has_value());
}

TEST(Variables, ResolverStoreStopsTheChain) {
  ProgramBuilder pb;
  pb.shared("x", Value::number(0));
  pb.func("main").k(5).storeVar("x").ks("str").storeVar("x").knil().ret();
  auto vm = makeVm(pb.build());
  Runtime& rt = **vm;
  auto res = std::make_shared<MapResolver>();
  res->acceptStores = true;  // numbers only
  rt.setResolver(res);
  runFn(*vm, "main");
  EXPECT_EQ(res->stored["x"], 5);
  // The string was refused by the resolver and went to the shared scope.
  EXPECT_EQ(show(rt.getShared("x").value()), "str");
}

TEST(Variables, SharedVariablesAreSortedAndHostSettable) {
  ProgramBuilder pb;
  pb.shared("mid", Value::number(1)).shared("undefined_is_absent");
  pb.func("main").knil().ret();
  Program p = pb.build();
  p.sharedVars.pop_back();  // declared name without a value
  auto vm = makeVm(std::move(p));
  Runtime& rt = **vm;
  ASSERT_TRUE(rt.setShared("zeta", Value::boolean(true)).ok());
  ASSERT_TRUE(rt.setShared("alpha", rt.newString("a")).ok());
  auto vars = rt.sharedVariables();
  ASSERT_EQ(vars.size(), 3u);
  EXPECT_EQ(vars[0].first, "alpha");
  EXPECT_EQ(show(vars[0].second), "a");
  EXPECT_EQ(vars[1].first, "mid");
  EXPECT_EQ(vars[2].first, "zeta");
  EXPECT_EQ(show(rt.getShared("zeta").value()), "true");
  EXPECT_FALSE(rt.getShared("undefined_is_absent").has_value());
  EXPECT_FALSE(rt.getShared("nothing").has_value());
}

// --- copy semantics ---------------------------------------------------------------

TEST(Variables, StoreVarCopiesStructs) {
  ProgramBuilder pb;
  pb.shared("s");
  auto& m = pb.func("main", 0, 1);
  m.ks("x").k(1).structNew(1, "P").storeLocal(0);
  m.loadLocal(0).storeVar("s");
  m.loadLocal(0).ks("x").k(2).structSet().pop();     // mutate the original
  m.loadVar("s").ks("x").structGet();                 // copy unchanged: 1
  m.loadLocal(0).ks("x").structGet().host("concat", 2).ret();
  Outcome o = runMain(pb);
  ASSERT_EQ(o.state(), FiberState::Done) << errStr(o.error());
  EXPECT_EQ(show(o.result()), "12");
}

TEST(Variables, StoreVarSharesListsAndMaps) {
  ProgramBuilder pb;
  pb.shared("l").shared("m");
  auto& m = pb.func("main", 0, 2);
  m.listNew().dup().storeLocal(0).storeVar("l");
  m.mapNew().dup().storeLocal(1).storeVar("m");
  m.loadLocal(0).k(1).listPush().pop();
  m.loadLocal(1).k(1).k(2).mapSet().pop();
  m.loadVar("l").listLen().loadVar("m").k(1).mapGet().host("add", 2).ret();
  Outcome o = runMain(pb);
  EXPECT_EQ(show(o.result()), "3");
}

TEST(Variables, SetFieldCopiesButStructSetAndStoreLocalShare) {
  // outer.a = p (set_field: copy); outer.b = p (struct_set: reference)
  ProgramBuilder pb;
  auto& m = pb.func("main", 0, 3);
  m.ks("x").k(1).structNew(1, "P").storeLocal(0);
  m.structNew(0, "O").storeLocal(1);
  m.loadLocal(1).ks("a").loadLocal(0).setField().pop();
  m.loadLocal(1).ks("b").loadLocal(0).structSet().pop();
  m.loadLocal(0).storeLocal(2);  // store_local: same reference
  m.loadLocal(2).ks("x").k(9).structSet().pop();
  m.loadLocal(1).ret();
  Outcome o = runMain(pb);
  ASSERT_EQ(o.state(), FiberState::Done) << errStr(o.error());
  EXPECT_EQ(show(o.result()), "O{a: P{x: 1}, b: P{x: 9}}");
}

TEST(Variables, NestedStructsAreCopiedDeeplyListsInsideStayShared) {
  ProgramBuilder pb;
  pb.shared("s");
  auto& m = pb.func("main", 0, 3);
  m.listNew().storeLocal(2);
  m.ks("x").k(1).structNew(1, "In").storeLocal(0);
  m.ks("in").loadLocal(0).ks("l").loadLocal(2).structNew(2, "Out").storeLocal(1);
  m.loadLocal(1).storeVar("s");
  m.loadLocal(0).ks("x").k(2).structSet().pop();  // original inner changes
  m.loadLocal(2).k(7).listPush().pop();           // the list is shared
  m.loadVar("s").ret();
  Outcome o = runMain(pb);
  ASSERT_EQ(o.state(), FiberState::Done) << errStr(o.error());
  EXPECT_EQ(show(o.result()), "Out{in: In{x: 1}, l: [7]}");
}

TEST(Variables, CopyOfAStructCycleTerminatesAndKeepsTheCycle) {
  ProgramBuilder pb;
  pb.shared("c");
  auto& m = pb.func("main", 0, 1);
  m.structNew(0, "Node").storeLocal(0);
  m.loadLocal(0).ks("self").loadLocal(0).structSet().pop();
  m.loadLocal(0).storeVar("c");
  // [copy.self is copy, copy is not the original]
  m.listNew();
  m.loadVar("c").ks("self").structGet().loadVar("c").host("eq", 2).listPush();
  m.loadVar("c").loadLocal(0).host("eq", 2).listPush();
  m.ret();
  Outcome o = runMain(pb);
  ASSERT_EQ(o.state(), FiberState::Done) << errStr(o.error());
  EXPECT_EQ(show(o.result()), "[true, false]");
  EXPECT_EQ(show((*o.vm)->getShared("c").value()), "Node{self: <cycle>}");
}

TEST(Variables, LoadVarReturnsAReference) {
  ProgramBuilder pb;
  pb.shared("s");
  auto& m = pb.func("main");
  m.ks("x").k(1).structNew(1, "P").storeVar("s");
  m.loadVar("s").ks("x").k(5).structSet().pop();  // mutates the stored value
  m.loadVar("s").ret();
  Outcome o = runMain(pb);
  EXPECT_EQ(show(o.result()), "P{x: 5}");
}

}  // namespace
}  // namespace brainvm::test

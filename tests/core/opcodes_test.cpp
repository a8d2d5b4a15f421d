// Every opcode's normal behaviour and its error paths (contract sections 2-3).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "test_support.h"

namespace brainvm::test {
namespace {

using Body = std::function<void(FnBuilder&)>;

// main: try { body (leaves one value) } -> returns that value, or the caught
// error value.
Outcome runCaught(const Body& body) {
  ProgramBuilder pb;
  auto& f = pb.func("main");
  f.tryTo("catch");
  body(f);
  f.endTry().ret();
  f.label("catch").ret();
  return runMain(pb);
}

// main: body (leaves one value); ret. No handler.
Outcome runPlain(const Body& body, uint32_t locals = 0) {
  ProgramBuilder pb;
  auto& f = pb.func("main", 0, locals);
  body(f);
  f.ret();
  return runMain(pb);
}

void expectScriptError(const Outcome& o, const std::string& message) {
  ASSERT_EQ(o.state(), FiberState::Done) << errStr(o.error());
  EXPECT_EQ(errTag(o.result()), "ScriptError");
  EXPECT_EQ(errMsg(o.result()), message);
}

std::string resultOf(const Body& body) {
  Outcome o = runPlain(body);
  EXPECT_EQ(o.state(), FiberState::Done) << errStr(o.error());
  return show(o.result());
}

// --- stack --------------------------------------------------------------------

TEST(Opcodes, PushConstEveryConstantKind) {
  EXPECT_EQ(resultOf([](FnBuilder& f) { f.k(42); }), "42");
  EXPECT_EQ(resultOf([](FnBuilder& f) { f.ks("hi"); }), "hi");
  EXPECT_EQ(resultOf([](FnBuilder& f) { f.knil(); }), "nil");
  EXPECT_EQ(resultOf([](FnBuilder& f) { f.kbool(true); }), "true");
  EXPECT_EQ(resultOf([](FnBuilder& f) { f.kerr(ErrorTag::Timeout, "late"); }),
            "Timeout: late");
}

TEST(Opcodes, PopDupSwap) {
  EXPECT_EQ(resultOf([](FnBuilder& f) { f.k(1).k(2).pop(); }), "1");
  // swap: x y -> y x, so after popping the top the old top remains.
  EXPECT_EQ(resultOf([](FnBuilder& f) { f.k(1).k(2).swap().pop(); }), "2");
  EXPECT_EQ(resultOf([](FnBuilder& f) {
              f.k(3).dup().host("add", 2);
            }),
            "6");
  // dup pushes the same reference: pushing through one alias shows in both.
  EXPECT_EQ(resultOf([](FnBuilder& f) {
              f.listNew().dup().k(7).listPush().pop();
            }),
            "[7]");
}

TEST(Opcodes, LoadAndStoreLocal) {
  Outcome o = runPlain(
      [](FnBuilder& f) {
        f.k(5).storeLocal(1);
        f.loadLocal(0).loadLocal(1).listNew().swap().listPush();
        f.swap().listPush();  // [5, nil]
      },
      2);
  ASSERT_EQ(o.state(), FiberState::Done) << errStr(o.error());
  EXPECT_EQ(show(o.result()), "[5, nil]");
}

// --- control flow -----------------------------------------------------------

TEST(Opcodes, JumpsAreRelativeToTheirOwnPc) {
  ProgramBuilder pb;
  auto& f = pb.func("main");
  f.jmp("b");                     // 0 -> 3
  f.label("a").k(2).ret();        // 1, 2
  f.label("b").jmp("a");          // 3 -> 1
  Program p = pb.build();
  EXPECT_EQ(p.functions[0].code[0].a, 3);
  EXPECT_EQ(p.functions[0].code[3].a, -2);
  auto vm = makeVm(std::move(p));
  FiberView v = runFn(*vm, "main");
  EXPECT_EQ(show(v.result), "2");
}

// Pushes the value under test, jumps on truthiness, returns true/false.
bool truthiness(const Body& push, Opcode jump) {
  ProgramBuilder pb;
  auto& f = pb.func("main");
  push(f);
  f.toLabel(jump, "taken");
  f.kbool(jump == Opcode::JmpIfFalse).ret();
  f.label("taken").kbool(jump != Opcode::JmpIfFalse).ret();
  Outcome o = runMain(pb);
  EXPECT_EQ(o.state(), FiberState::Done) << errStr(o.error());
  return o.result().isBool() && o.result().asBool();
}

TEST(Opcodes, TruthinessTable) {
  struct Case {
    const char* what;
    Body push;
    bool expected;
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<Case> cases = {
      {"nil", [](FnBuilder& f) { f.knil(); }, false},
      {"false", [](FnBuilder& f) { f.kbool(false); }, false},
      {"true", [](FnBuilder& f) { f.kbool(true); }, true},
      {"0", [](FnBuilder& f) { f.k(0); }, false},
      {"-0", [](FnBuilder& f) { f.k(-0.0); }, false},
      {"NaN", [nan](FnBuilder& f) { f.k(nan); }, true},
      {"0.5", [](FnBuilder& f) { f.k(0.5); }, true},
      {"empty string", [](FnBuilder& f) { f.ks(""); }, false},
      {"string", [](FnBuilder& f) { f.ks("x"); }, true},
      {"empty list", [](FnBuilder& f) { f.listNew(); }, false},
      {"list", [](FnBuilder& f) { f.listNew().knil().listPush(); }, true},
      {"empty map", [](FnBuilder& f) { f.mapNew(); }, false},
      {"map", [](FnBuilder& f) { f.mapNew().k(1).k(1).mapSet(); }, true},
      {"empty struct", [](FnBuilder& f) { f.structNew(0); }, true},
      {"error", [](FnBuilder& f) { f.kerr(ErrorTag::HostError, "x"); }, false},
      {"handle", [](FnBuilder& f) { f.k(0).hostAsync("sleep", 1); }, true},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(truthiness(c.push, Opcode::JmpIfTrue), c.expected) << c.what;
    EXPECT_EQ(truthiness(c.push, Opcode::JmpIfFalse), c.expected) << c.what;
  }
}

TEST(Opcodes, WhenEndSetsFiredOnlyWhenTruthy) {
  for (bool cond : {true, false}) {
    ProgramBuilder pb;
    pb.shared("did");
    auto& f = pb.func("main");
    f.whenStart().kbool(cond).whenEnd("end");
    f.doStart().k(1).storeVar("did").doEnd();
    f.label("end").knil().ret();
    Outcome o = runMain(pb);
    ASSERT_EQ(o.state(), FiberState::Done);
    EXPECT_EQ(o.fiber.fired, cond);
    auto did = (*o.vm)->getShared("did");
    ASSERT_TRUE(did.has_value());
    EXPECT_EQ(show(*did), cond ? "1" : "nil");
  }
}

// --- lists --------------------------------------------------------------------

TEST(Opcodes, ListBasics) {
  EXPECT_EQ(resultOf([](FnBuilder& f) {
              f.listNew().k(1).listPush().ks("a").listPush();
            }),
            "[1, \"a\"]");
  EXPECT_EQ(resultOf([](FnBuilder& f) {
              f.listNew().k(1).listPush().k(2).listPush().listLen();
            }),
            "2");
  EXPECT_EQ(resultOf([](FnBuilder& f) {
              f.listNew().k(10).listPush().k(20).listPush().k(1).listGet();
            }),
            "20");
  // list_set in range replaces, index == length appends.
  EXPECT_EQ(resultOf([](FnBuilder& f) {
              f.listNew().k(10).listPush().k(0).k(11).listSet();
              f.k(1).k(12).listSet();
            }),
            "[11, 12]");
  // -0 is the integer 0.
  EXPECT_EQ(resultOf([](FnBuilder& f) {
              f.listNew().k(10).listPush().k(-0.0).listGet();
            }),
            "10");
}

TEST(Opcodes, ListGetOutOfRangeIsNil) {
  EXPECT_EQ(resultOf([](FnBuilder& f) { f.listNew().k(0).listGet(); }), "nil");
  EXPECT_EQ(resultOf([](FnBuilder& f) {
              f.listNew().k(1).listPush().k(1).listGet();
            }),
            "nil");
  EXPECT_EQ(resultOf([](FnBuilder& f) {
              f.listNew().k(1).listPush().k(-1).listGet();
            }),
            "nil");
}

TEST(Opcodes, ListIndexErrors) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  expectScriptError(runCaught([](FnBuilder& f) {
                      f.listNew().k(1.5).listGet();
                    }),
                    "list_get: index must be an integer");
  expectScriptError(runCaught([nan](FnBuilder& f) {
                      f.listNew().k(nan).listGet();
                    }),
                    "list_get: index must be an integer");
  expectScriptError(runCaught([inf](FnBuilder& f) {
                      f.listNew().k(inf).listGet();
                    }),
                    "list_get: index must be an integer");
  expectScriptError(runCaught([](FnBuilder& f) {
                      f.listNew().ks("0").listGet();
                    }),
                    "list_get: index must be a number, got string");
  expectScriptError(runCaught([](FnBuilder& f) { f.k(1).k(0).listGet(); }),
                    "list_get: expected a list, got number");
  expectScriptError(runCaught([](FnBuilder& f) {
                      f.listNew().k(0.5).knil().listSet();
                    }),
                    "list_set: index must be an integer");
  expectScriptError(runCaught([](FnBuilder& f) {
                      f.listNew().knil().knil().listSet();
                    }),
                    "list_set: index must be a number, got nil");
  expectScriptError(runCaught([](FnBuilder& f) {
                      f.listNew().k(1).knil().listSet();
                    }),
                    "list_set: index 1 out of range for a list of length 0");
  expectScriptError(runCaught([](FnBuilder& f) {
                      f.listNew().k(5).listPush().k(-1).knil().listSet();
                    }),
                    "list_set: index -1 out of range for a list of length 1");
  expectScriptError(runCaught([](FnBuilder& f) {
                      f.mapNew().k(0).knil().listSet();
                    }),
                    "list_set: expected a list, got map");
  expectScriptError(runCaught([](FnBuilder& f) { f.ks("s").k(0).listPush(); }),
                    "list_push: expected a list, got string");
  expectScriptError(runCaught([](FnBuilder& f) { f.knil().listLen(); }),
                    "list_len: expected a list, got nil");
}

TEST(Opcodes, UncaughtKindErrorFaultsWithScriptError) {
  Outcome o = runPlain([](FnBuilder& f) { f.k(1).k(0).listGet(); });
  ASSERT_EQ(o.state(), FiberState::Fault);
  EXPECT_EQ(errStr(o.error()), "ScriptError: list_get: expected a list, got number");
  ASSERT_EQ(o.error().asError()->trace().size(), 1u);
  EXPECT_EQ(o.error().asError()->trace()[0].pc, 2u);
}

// --- maps -----------------------------------------------------------------------

TEST(Opcodes, MapBasicsAndInsertionOrder) {
  EXPECT_EQ(resultOf([](FnBuilder& f) {
              f.mapNew().ks("k").k(1).mapSet().k(2).k(3).mapSet();
              f.ks("k").k(9).mapSet();  // overwrite keeps the position
            }),
            "{\"k\": 9, 2: 3}");
  EXPECT_EQ(resultOf([](FnBuilder& f) {
              f.mapNew().ks("k").k(1).mapSet().ks("k").mapGet();
            }),
            "1");
  EXPECT_EQ(resultOf([](FnBuilder& f) { f.mapNew().ks("k").mapGet(); }), "nil");
  EXPECT_EQ(resultOf([](FnBuilder& f) {
              f.mapNew().ks("k").k(1).mapSet().ks("k").mapHas();
            }),
            "true");
  // Deleting then re-adding moves the key to the end; deleting a missing key
  // is fine.
  EXPECT_EQ(resultOf([](FnBuilder& f) {
              f.mapNew().ks("a").k(1).mapSet().ks("b").k(2).mapSet();
              f.ks("a").mapDelete().ks("zz").mapDelete();
              f.ks("a").k(3).mapSet();
            }),
            "{\"b\": 2, \"a\": 3}");
  EXPECT_EQ(resultOf([](FnBuilder& f) {
              f.mapNew().ks("a").k(1).mapSet().ks("a").mapDelete().ks("a").mapHas();
            }),
            "false");
}

TEST(Opcodes, MapKeyRules) {
  // number 1 and string "1" are different keys.
  EXPECT_EQ(resultOf([](FnBuilder& f) {
              f.mapNew().k(1).ks("num").mapSet().ks("1").mapHas();
            }),
            "false");
  EXPECT_EQ(resultOf([](FnBuilder& f) {
              f.mapNew().k(1).ks("num").mapSet().ks("1").ks("str").mapSet();
            }),
            "{1: \"num\", \"1\": \"str\"}");
  // -0 and 0 are the same key.
  EXPECT_EQ(resultOf([](FnBuilder& f) {
              f.mapNew().k(-0.0).ks("z").mapSet().k(0).mapGet();
            }),
            "z");
  // NaN is a key equal to itself.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(resultOf([nan](FnBuilder& f) {
              f.mapNew().k(nan).ks("n").mapSet().k(nan).mapGet();
            }),
            "n");
  EXPECT_EQ(resultOf([nan](FnBuilder& f) {
              f.mapNew().k(nan).k(1).mapSet().k(nan).k(2).mapSet();
            }),
            "{nan: 2}");
}

TEST(Opcodes, MapErrors) {
  expectScriptError(runCaught([](FnBuilder& f) {
                      f.mapNew().kbool(true).k(1).mapSet();
                    }),
                    "map_set: key must be a string or number, got boolean");
  expectScriptError(runCaught([](FnBuilder& f) {
                      f.listNew().k(1).k(1).mapSet();
                    }),
                    "map_set: expected a map, got list");
  expectScriptError(runCaught([](FnBuilder& f) { f.mapNew().knil().mapGet(); }),
                    "map_get: key must be a string or number, got nil");
  expectScriptError(runCaught([](FnBuilder& f) { f.k(1).k(1).mapHas(); }),
                    "map_has: expected a map, got number");
  expectScriptError(runCaught([](FnBuilder& f) {
                      f.mapNew().listNew().mapDelete();
                    }),
                    "map_delete: key must be a string or number, got list");
}

TEST(Opcodes, ManyMapEntriesAndDeletes) {
  // Exercise growth, tombstones and compaction.
  ProgramBuilder pb;
  auto& f = pb.func("main", 0, 2);
  f.mapNew().storeLocal(0).k(0).storeLocal(1);
  f.label("loop").loadLocal(1).k(200).host("lt", 2).jf("done");
  f.loadLocal(0).loadLocal(1).loadLocal(1).mapSet();
  f.loadLocal(1).k(3).host("sub", 2).mapDelete().pop();  // delete i-3 (or missing)
  f.loadLocal(1).k(1).host("add", 2).storeLocal(1).jmp("loop");
  f.label("done").loadLocal(0).ret();
  Outcome o = runMain(pb);
  ASSERT_EQ(o.state(), FiberState::Done) << errStr(o.error());
  EXPECT_EQ(show(o.result()), "{197: 197, 198: 198, 199: 199}");
  EXPECT_EQ(o.result().asMap()->size(), 3u);
}

// --- structs ----------------------------------------------------------------------

TEST(Opcodes, StructNewKeepsPushOrder) {
  EXPECT_EQ(resultOf([](FnBuilder& f) {
              f.ks("x").k(1).ks("y").k(2).structNew(2, "Point");
            }),
            "Point{x: 1, y: 2}");
  // A repeated name keeps its first position and takes the last value.
  EXPECT_EQ(resultOf([](FnBuilder& f) {
              f.ks("x").k(1).ks("y").k(2).ks("x").k(3).structNew(3, "P");
            }),
            "P{x: 3, y: 2}");
  Outcome o = runPlain([](FnBuilder& f) { f.ks("a").k(1).structNew(1); });
  ASSERT_EQ(o.state(), FiberState::Done);
  ASSERT_TRUE(o.result().isStruct());
  EXPECT_EQ(o.result().asStruct()->typeName(), nullptr);
  EXPECT_EQ(o.result().asStruct()->fieldCount(), 1u);
  Outcome t = runPlain([](FnBuilder& f) { f.structNew(0, "T"); });
  ASSERT_TRUE(t.result().isStruct());
  ASSERT_NE(t.result().asStruct()->typeName(), nullptr);
  EXPECT_EQ(t.result().asStruct()->typeName()->view(), "T");
}

TEST(Opcodes, StructGetSetAndFields) {
  EXPECT_EQ(resultOf([](FnBuilder& f) {
              f.ks("x").k(1).structNew(1, "P").ks("x").structGet();
            }),
            "1");
  EXPECT_EQ(resultOf([](FnBuilder& f) {
              f.ks("x").k(1).structNew(1, "P").ks("nope").structGet();
            }),
            "nil");
  EXPECT_EQ(resultOf([](FnBuilder& f) {
              f.ks("x").k(1).structNew(1, "P").ks("y").k(2).structSet();
              f.ks("x").k(5).structSet();
            }),
            "P{x: 5, y: 2}");
  EXPECT_EQ(resultOf([](FnBuilder& f) {
              f.ks("x").k(1).structNew(1, "P").ks("x").getField();
            }),
            "1");
  // get_field on a non-struct is nil, not an error.
  EXPECT_EQ(resultOf([](FnBuilder& f) { f.listNew().ks("x").getField(); }), "nil");
  EXPECT_EQ(resultOf([](FnBuilder& f) {
              f.structNew(0, "P").ks("z").k(4).setField();
            }),
            "P{z: 4}");
}

TEST(Opcodes, StructErrors) {
  expectScriptError(runCaught([](FnBuilder& f) { f.k(1).k(2).structNew(1); }),
                    "struct_new: field name must be a string, got number");
  expectScriptError(runCaught([](FnBuilder& f) { f.mapNew().ks("x").structGet(); }),
                    "struct_get: expected a struct, got map");
  expectScriptError(runCaught([](FnBuilder& f) { f.structNew(0).k(1).structGet(); }),
                    "struct_get: field name must be a string, got number");
  expectScriptError(runCaught([](FnBuilder& f) {
                      f.knil().ks("x").k(1).structSet();
                    }),
                    "struct_set: expected a struct, got nil");
  expectScriptError(runCaught([](FnBuilder& f) {
                      f.structNew(0).kbool(true).k(1).structSet();
                    }),
                    "struct_set: field name must be a string, got boolean");
  expectScriptError(runCaught([](FnBuilder& f) { f.structNew(0).k(1).getField(); }),
                    "get_field: field name must be a string, got number");
  expectScriptError(runCaught([](FnBuilder& f) {
                      f.k(3).ks("x").k(1).setField();
                    }),
                    "set_field: cannot set field 'x' on a number");
  expectScriptError(runCaught([](FnBuilder& f) {
                      f.structNew(0).knil().k(1).setField();
                    }),
                    "set_field: field name must be a string, got nil");
}

// --- host calls, throw, await kind errors ------------------------------------

TEST(Opcodes, HostCallWithAnArgumentMap) {
  EXPECT_EQ(resultOf([](FnBuilder& f) {
              f.mapNew().k(1).k(10).mapSet().k(0).k(3).mapSet().hostMap("sub");
            }),
            "-7");
  expectScriptError(runCaught([](FnBuilder& f) { f.listNew().hostMap("print"); }),
                    "host_call: expected a map of arguments, got list");
  expectScriptError(runCaught([](FnBuilder& f) { f.k(1).hostMapAsync("sleep"); }),
                    "host_call_async: expected a map of arguments, got number");
}

TEST(Opcodes, HostCallAsyncWithAnArgumentMap) {
  EXPECT_EQ(resultOf([](FnBuilder& f) {
              f.mapNew().k(0).k(0).mapSet().k(1).ks("v").mapSet();
              f.hostMapAsync("delay").await_();
            }),
            "v");
}

TEST(Opcodes, ThrowAndAwaitKindErrors) {
  expectScriptError(runCaught([](FnBuilder& f) { f.k(7).throw_().knil(); }),
                    "throw: expected an error value, got number");
  expectScriptError(runCaught([](FnBuilder& f) { f.ks("h").await_(); }),
                    "await: expected a handle, got string");
}

}  // namespace
}  // namespace brainvm::test

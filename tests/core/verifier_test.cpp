#include "brainvm/verifier.h"

#include <gtest/gtest.h>

#include <climits>
#include <cstdint>
#include <string>
#include <vector>

#include "brainvm/opcodes.h"
#include "brainvm/program.h"

namespace brainvm {
namespace {

using O = Opcode;

// One instruction in test notation: {Opcode::Jmp, 2} etc.
struct I {
  Opcode op;
  int32_t a = 0;
  int32_t b = 0;
  int32_t c = 0;
};

Function fn(std::string name, uint32_t params, uint32_t locals,
            std::vector<I> code) {
  Function f;
  f.name = std::move(name);
  f.numParams = params;
  f.numLocals = locals;
  for (const I& i : code)
    f.code.push_back(Instr{static_cast<uint8_t>(i.op), i.a, i.b, i.c});
  return f;
}

// A program with constants [0] = 1, [1] = "Point", [2] = nil, variable names
// ["x"], host imports [print (sync), sleep (async)], the given functions and
// function 0 as entry.
Program prog(std::vector<Function> functions) {
  Program p;
  p.constants.push_back(Value::number(1));
  p.constants.push_back(
      Value::object(const_cast<StringObject*>(p.arena->string("Point"))));
  p.constants.push_back(Value::nil());
  p.variableNames.push_back("x");
  p.hostImports.push_back(HostImport{"print", false});
  p.hostImports.push_back(HostImport{"sleep", true});
  p.functions = std::move(functions);
  p.entry = 0;
  return p;
}

// Verifies p and returns the diagnostics (empty on success).
std::vector<Diagnostic> verify(Program& p, const VerifyOptions& o = {}) {
  Status s = verifyProgram(p, o);
  if (s.ok()) return {};
  EXPECT_EQ(s.error().code, ErrorCode::VerificationFailed);
  EXPECT_FALSE(s.error().diagnostics.empty());
  return s.error().diagnostics;
}

std::string all(const std::vector<Diagnostic>& ds) {
  std::string out;
  for (const Diagnostic& d : ds) out += d.format() + "\n";
  return out;
}

// Expects exactly one diagnostic containing `text`, in `function` at `pc`.
void expectOne(Program p, const std::string& text, const std::string& function,
               int64_t pc, const VerifyOptions& o = {}) {
  auto ds = verify(p, o);
  ASSERT_EQ(ds.size(), 1u) << all(ds);
  EXPECT_NE(ds[0].message.find(text), std::string::npos) << all(ds);
  EXPECT_EQ(ds[0].function, function);
  EXPECT_EQ(ds[0].pc, pc);
}

void expectOk(Program& p, const VerifyOptions& o = {}) {
  auto ds = verify(p, o);
  EXPECT_TRUE(ds.empty()) << all(ds);
}

// ---- accept ---------------------------------------------------------------

TEST(Verifier, AcceptsMinimalProgramAndComputesMaxStack) {
  Program p = prog({fn("main", 0, 0, {{O::PushConst, 0}, {O::Ret}})});
  expectOk(p);
  EXPECT_EQ(p.functions[0].maxStack, 1u);
}

TEST(Verifier, MaxStackCountsPeakDepth) {
  Program p = prog({fn("main", 0, 0,
                       {{O::PushConst, 0},
                        {O::PushConst, 0},
                        {O::PushConst, 0},
                        {O::Pop},
                        {O::Pop},
                        {O::Ret}})});
  expectOk(p);
  EXPECT_EQ(p.functions[0].maxStack, 3u);
}

TEST(Verifier, MaxStackIncludesDupAndSwap) {
  Program p = prog(
      {fn("main", 0, 0, {{O::PushConst, 0}, {O::Dup}, {O::Swap}, {O::Pop},
                         {O::Ret}})});
  expectOk(p);
  EXPECT_EQ(p.functions[0].maxStack, 2u);
}

TEST(Verifier, CallPopsArgumentsAndPushesResult) {
  Program p = prog({fn("main", 0, 0,
                       {{O::PushConst, 0},
                        {O::PushConst, 0},
                        {O::Call, 1, 2},
                        {O::Ret}}),
                    fn("add", 2, 3,
                       {{O::LoadLocal, 0},
                        {O::StoreLocal, 2},
                        {O::LoadLocal, 2},
                        {O::Ret}})});
  expectOk(p);
  EXPECT_EQ(p.functions[0].maxStack, 2u);
  EXPECT_EQ(p.functions[1].maxStack, 1u);
}

TEST(Verifier, StructNewPopsTwiceCount) {
  Program p = prog({fn("main", 0, 0,
                       {{O::PushConst, 1},
                        {O::PushConst, 0},
                        {O::PushConst, 1},
                        {O::PushConst, 0},
                        {O::StructNew, 2, 1, 1},
                        {O::Ret}})});
  expectOk(p);
  EXPECT_EQ(p.functions[0].maxStack, 4u);
}

TEST(Verifier, AcceptsAnonymousStructAndEmptyStruct) {
  Program p = prog({fn("main", 0, 0, {{O::StructNew, 0, 0, 0}, {O::Ret}})});
  expectOk(p);
  EXPECT_EQ(p.functions[0].maxStack, 1u);
}

TEST(Verifier, AcceptsEveryOperandKindInRange) {
  Program p = prog({fn("main", 0, 1,
                       {{O::LoadVar, 0},
                        {O::StoreVar, 0},
                        {O::MapNew},
                        {O::HostCall, 0, 0, 0},
                        {O::PushConst, 0},
                        {O::HostCallArgs, 0, 1, 1},
                        {O::PushConst, 0},
                        {O::HostCallArgsAsync, 1, 1, 2},
                        {O::Await},
                        {O::MapNew},
                        {O::HostCallAsync, 1, 0, 3},
                        {O::Await},
                        {O::StoreLocal, 0},
                        {O::Pop},
                        {O::Pop},
                        {O::Yield},
                        {O::LoadLocal, 0},
                        {O::Ret}})});
  expectOk(p);
}

TEST(Verifier, AcceptsUnreachableButWellFormedCode) {
  // After the ret: a pop on an "empty" stack and a missing ret, both on a
  // path nobody takes.
  Program p = prog({fn("main", 0, 0,
                       {{O::PushConst, 0}, {O::Ret}, {O::Pop}, {O::Pop}})});
  expectOk(p);
}

TEST(Verifier, RejectsUnreachableMalformedCode) {
  Program p =
      prog({fn("main", 0, 0, {{O::PushConst, 0}, {O::Ret}, {O::PushConst, 9}})});
  expectOne(p, "constant index 9 of 'push_const' out of range [0, 3)", "main",
            2);
}

TEST(Verifier, AcceptsJumpToItself) {
  Program p = prog({fn("main", 0, 0, {{O::Jmp, 0}})});
  expectOk(p);
}

TEST(Verifier, AcceptsBalancedLoopAndBranches) {
  Program p = prog({fn("main", 0, 0,
                       {{O::LoadVar, 0},       // 0
                        {O::JmpIfFalse, 3},    // 1 -> 4
                        {O::Jmp, -2},          // 2 -> 0
                        {O::Yield},            // 3 (unreachable)
                        {O::WhenStart},        // 4
                        {O::LoadVar, 0},       // 5
                        {O::WhenEnd, 3},       // 6 -> 9
                        {O::DoStart},          // 7
                        {O::DoEnd},            // 8
                        {O::PushConst, 2},     // 9
                        {O::LoadVar, 0},       // 10
                        {O::JmpIfTrue, -2},    // 11 -> 9 with depth 1
                        {O::Ret}})});
  // pc 9 is reached with depth 0 (from 6/8) and with depth 1 (from 11).
  auto ds = verify(p);
  ASSERT_EQ(ds.size(), 1u) << all(ds);
  EXPECT_NE(ds[0].message.find("inconsistent stack depth at pc 9"),
            std::string::npos);

  // The balanced version.
  p.functions[0].code[11].a = -1;  // -> 10: depth 1 on both paths
  expectOk(p);
}

TEST(Verifier, CatchBlockStartsAtTryDepthPlusOne) {
  Program p = prog({fn("main", 0, 0,
                       {{O::Try, 4},        // 0: catch at 4, depth 0
                        {O::PushConst, 0},  // 1
                        {O::EndTry},        // 2
                        {O::Ret},           // 3
                        {O::Ret}})});       // 4: the caught error (depth 1)
  expectOk(p);
  EXPECT_EQ(p.functions[0].maxStack, 1u);

  Program q = prog({fn("main", 0, 0,
                       {{O::PushConst, 0},  // 0
                        {O::PushConst, 0},  // 1
                        {O::Try, 5},        // 2: depth 2, catch at 7 with 3
                        {O::EndTry},        // 3
                        {O::Jmp, 4},        // 4 -> 8 with depth 2
                        {O::Pop},           // 5 (unreachable)
                        {O::Pop},           // 6 (unreachable)
                        {O::Pop},           // 7: catch, depth 3
                        {O::Pop},           // 8: depth 2 on both paths
                        {O::Ret}})});       // 9
  expectOk(q);
  EXPECT_EQ(q.functions[0].maxStack, 3u);
}

TEST(Verifier, CatchBlockWithWrongDepthIsRejected) {
  // The catch block starts with 1 value; jumping into it with 0 is
  // inconsistent.
  Program p = prog({fn("main", 0, 0,
                       {{O::Try, 3},        // 0: catch at 3 with depth 1
                        {O::EndTry},        // 1
                        {O::Jmp, 1},        // 2 -> 3 with depth 0
                        {O::Ret}})});       // 3
  auto ds = verify(p);
  ASSERT_EQ(ds.size(), 1u) << all(ds);
  EXPECT_NE(ds[0].message.find("inconsistent stack depth at pc 3"),
            std::string::npos)
      << all(ds);
  EXPECT_EQ(ds[0].pc, 3);

  // A catch block that pops one value too many underflows.
  Program q = prog({fn("main", 0, 0,
                       {{O::Try, 3}, {O::PushConst, 0}, {O::Ret}, {O::Pop},
                        {O::Ret}})});
  expectOne(q, "stack underflow: 'ret' needs 1 value but the stack holds 0",
            "main", 4);
}

// ---- per-instruction rejects ----------------------------------------------

TEST(Verifier, RejectsUnknownOpcode) {
  Program p = prog({fn("main", 0, 0, {{O::PushConst, 0}, {O::Ret}})});
  p.functions[0].code.insert(p.functions[0].code.begin() + 1, Instr{200});
  expectOne(p, "unknown opcode 200", "main", 1);
}

TEST(Verifier, RejectsNonZeroUnusedOperand) {
  Program p =
      prog({fn("main", 0, 0, {{O::PushConst, 0}, {O::Dup}, {O::Pop, 0, 5},
                              {O::Ret}})});
  expectOne(p, "operand b of 'pop' must be 0", "main", 2);
  Program q = prog({fn("main", 0, 0, {{O::PushConst, 0, 0, -1}, {O::Ret}})});
  expectOne(q, "operand c of 'push_const' must be 0", "main", 0);
}

TEST(Verifier, RejectsConstantIndexOutOfRange) {
  expectOne(prog({fn("main", 0, 0, {{O::PushConst, 3}, {O::Ret}})}),
            "constant index 3 of 'push_const' out of range [0, 3)", "main", 0);
  expectOne(prog({fn("main", 0, 0, {{O::PushConst, -1}, {O::Ret}})}),
            "constant index -1", "main", 0);
}

TEST(Verifier, RejectsVariableIndexOutOfRange) {
  expectOne(prog({fn("main", 0, 0, {{O::LoadVar, 1}, {O::Ret}})}),
            "variable name index 1 of 'load_var' out of range [0, 1)", "main",
            0);
  expectOne(prog({fn("main", 0, 0,
                     {{O::PushConst, 0}, {O::StoreVar, -3}, {O::PushConst, 0},
                      {O::Ret}})}),
            "variable name index -3 of 'store_var'", "main", 1);
}

TEST(Verifier, RejectsJumpTargetsOutsideTheFunction) {
  expectOne(prog({fn("main", 0, 0, {{O::Jmp, 2}, {O::Ret}})}),
            "jump target 2 of 'jmp' (offset 2) is outside the function [0, 2)",
            "main", 0);
  expectOne(
      prog({fn("main", 0, 0,
               {{O::PushConst, 0}, {O::JmpIfFalse, -2}, {O::PushConst, 0},
                {O::Ret}})}),
      "jump target -1 of 'jmp_if_false'", "main", 1);
  expectOne(prog({fn("main", 0, 0,
                     {{O::PushConst, 0}, {O::JmpIfTrue, 100}, {O::PushConst, 0},
                      {O::Ret}})}),
            "jump target 101 of 'jmp_if_true'", "main", 1);
  expectOne(prog({fn("main", 0, 0,
                     {{O::PushConst, 0}, {O::WhenEnd, 3}, {O::PushConst, 0},
                      {O::Ret}})}),
            "jump target 4 of 'when_end'", "main", 1);
  expectOne(prog({fn("main", 0, 0,
                     {{O::Try, -1}, {O::PushConst, 0}, {O::Ret}})}),
            "catch target -1 of 'try'", "main", 0);
}

TEST(Verifier, RejectsExtremeOperandsWithoutOverflow) {
  // Each instruction carries INT32_MIN or INT32_MAX somewhere; every one must
  // be reported (UBSan catches any overflow in the analysis).
  Program p = prog({fn("main", 0, 1,
                       {{O::Jmp, INT32_MIN},                      // 0
                        {O::Jmp, INT32_MAX},                      // 1
                        {O::Try, INT32_MIN},                      // 2
                        {O::PushConst, INT32_MAX},                // 3
                        {O::LoadVar, INT32_MIN},                  // 4
                        {O::Call, INT32_MAX, INT32_MAX},          // 5
                        {O::Call, 0, INT32_MIN},                  // 6
                        {O::HostCallArgs, INT32_MIN, 0, 0},       // 7
                        {O::HostCallArgs, 0, INT32_MAX, 0},       // 8
                        {O::HostCall, 0, 0, INT32_MIN},           // 9
                        {O::LoadLocal, INT32_MAX},                // 10
                        {O::StructNew, INT32_MAX, 0, 0},          // 11
                        {O::StructNew, INT32_MIN, 0, 0},          // 12
                        {O::StructNew, 0, INT32_MAX, 1},          // 13
                        {O::StructNew, 0, 0, INT32_MIN},          // 14
                        {O::WhenEnd, INT32_MAX},                  // 15
                        {O::Ret, INT32_MIN, INT32_MAX, INT32_MIN}  // 16
                       })});
  auto ds = verify(p);
  std::vector<bool> seen(17, false);
  for (const Diagnostic& d : ds) {
    ASSERT_GE(d.pc, 0) << all(ds);
    ASSERT_LT(d.pc, 17) << all(ds);
    seen[static_cast<size_t>(d.pc)] = true;
  }
  for (int pc = 0; pc < 17; ++pc) EXPECT_TRUE(seen[pc]) << "pc " << pc;
  // Nothing malformed was analysed: the only stack-related finding could come
  // from a well-formed instruction, and there is none.
  for (const Diagnostic& d : ds) {
    EXPECT_EQ(d.message.find("underflow"), std::string::npos) << all(ds);
    EXPECT_EQ(d.message.find("falls off"), std::string::npos) << all(ds);
  }
}

TEST(Verifier, RejectsFunctionIdOutOfRange) {
  expectOne(prog({fn("main", 0, 0, {{O::Call, 1, 0}, {O::Ret}})}),
            "function id 1 of 'call' out of range [0, 1)", "main", 0);
}

TEST(Verifier, RejectsCallArgcMismatch) {
  Program p = prog({fn("main", 0, 0,
                       {{O::PushConst, 0},
                        {O::PushConst, 0},
                        {O::Call, 1, 2},
                        {O::Ret}}),
                    fn("f", 1, 1, {{O::LoadLocal, 0}, {O::Ret}})});
  expectOne(p, "call to 'f' passes 2 arguments but 'f' takes 1", "main", 2);

  Program q = prog({fn("main", 0, 0, {{O::Call, 0, -1}, {O::Ret}})});
  expectOne(q, "argument count -1 of 'call' is negative", "main", 0);
}

TEST(Verifier, RejectsHostArgcBeyondStackLimit) {
  VerifyOptions o;
  o.maxStackSize = 8;
  expectOne(prog({fn("main", 0, 0, {{O::HostCallArgs, 0, 9, 0}, {O::Ret}})}),
            "argument count 9 of 'host_call_args' exceeds maxStackSize 8",
            "main", 0, o);
  expectOne(
      prog({fn("main", 0, 0, {{O::HostCallArgsAsync, 1, -2, 0}, {O::Ret}})}),
      "argument count -2 of 'host_call_args_async' is negative", "main", 0);
}

TEST(Verifier, RejectsHostImportOutOfRange) {
  expectOne(prog({fn("main", 0, 0,
                     {{O::MapNew}, {O::HostCall, 2, 0, 0}, {O::Ret}})}),
            "host import index 2 of 'host_call' out of range [0, 2)", "main",
            1);
}

TEST(Verifier, RejectsHostKindMismatch) {
  expectOne(prog({fn("main", 0, 0,
                     {{O::MapNew}, {O::HostCallAsync, 0, 0, 0}, {O::Ret}})}),
            "sync host function 'print' called with 'host_call_async'", "main",
            1);
  expectOne(prog({fn("main", 0, 0,
                     {{O::MapNew}, {O::HostCall, 1, 0, 0}, {O::Ret}})}),
            "async host function 'sleep' called with 'host_call'", "main", 1);
  expectOne(prog({fn("main", 0, 0,
                     {{O::PushConst, 0},
                      {O::HostCallArgsAsync, 0, 1, 0},
                      {O::Ret}})}),
            "sync host function 'print' called with 'host_call_args_async'",
            "main", 1);
  expectOne(prog({fn("main", 0, 0,
                     {{O::HostCallArgs, 1, 0, 0}, {O::Ret}})}),
            "async host function 'sleep' called with 'host_call_args'", "main",
            0);
}

TEST(Verifier, RejectsNegativeCallSite) {
  expectOne(prog({fn("main", 0, 0,
                     {{O::MapNew}, {O::HostCall, 0, 0, -1}, {O::Ret}})}),
            "call-site id -1 of 'host_call' is negative", "main", 1);
}

TEST(Verifier, RejectsLocalOutOfRange) {
  expectOne(prog({fn("main", 0, 2, {{O::LoadLocal, 2}, {O::Ret}})}),
            "local slot 2 of 'load_local' out of range [0, 2)", "main", 0);
  expectOne(prog({fn("main", 0, 0,
                     {{O::PushConst, 0}, {O::StoreLocal, 0}, {O::PushConst, 0},
                      {O::Ret}})}),
            "local slot 0 of 'store_local' out of range [0, 0)", "main", 1);
}

TEST(Verifier, RejectsBadStructNewCount) {
  expectOne(prog({fn("main", 0, 0, {{O::StructNew, -1, 0, 0}, {O::Ret}})}),
            "field count -1 of 'struct_new' is negative", "main", 0);
  VerifyOptions o;
  o.maxStackSize = 10;
  expectOne(prog({fn("main", 0, 0, {{O::StructNew, 6, 0, 0}, {O::Ret}})}),
            "field count 6 of 'struct_new' needs 12 stack values", "main", 0,
            o);
}

TEST(Verifier, RejectsBadStructNewTypeName) {
  expectOne(prog({fn("main", 0, 0, {{O::StructNew, 0, 0, 2}, {O::Ret}})}),
            "operand c of 'struct_new' must be 0 or 1", "main", 0);
  expectOne(prog({fn("main", 0, 0, {{O::StructNew, 0, 1, 0}, {O::Ret}})}),
            "operand b of 'struct_new' must be 0 when c is 0", "main", 0);
  expectOne(prog({fn("main", 0, 0, {{O::StructNew, 0, 0, 1}, {O::Ret}})}),
            "type name constant 0 of 'struct_new' is not a string (kind 'number')",
            "main", 0);
  expectOne(prog({fn("main", 0, 0, {{O::StructNew, 0, 3, 1}, {O::Ret}})}),
            "type name constant index 3 of 'struct_new' out of range", "main",
            0);
  Program ok = prog({fn("main", 0, 0, {{O::StructNew, 0, 1, 1}, {O::Ret}})});
  expectOk(ok);
}

// ---- per-function rejects -------------------------------------------------

TEST(Verifier, RejectsFewerLocalsThanParams) {
  Program p = prog({fn("main", 0, 0, {{O::PushConst, 0}, {O::Ret}}),
                    fn("f", 2, 1, {{O::LoadLocal, 0}, {O::Ret}})});
  expectOne(p, "declares 1 local but takes 2 parameters", "f", -1);
}

TEST(Verifier, RejectsStackUnderflow) {
  expectOne(prog({fn("main", 0, 0, {{O::Ret}})}),
            "stack underflow: 'ret' needs 1 value but the stack holds 0",
            "main", 0);
  expectOne(prog({fn("main", 0, 0,
                     {{O::PushConst, 0}, {O::Swap}, {O::Ret}})}),
            "stack underflow: 'swap' needs 2 values but the stack holds 1",
            "main", 1);
  // A call's arguments come from the operand stack, not from locals.
  Program p = prog({fn("main", 0, 0,
                       {{O::PushConst, 0}, {O::Call, 1, 2}, {O::Ret}}),
                    fn("f", 2, 2, {{O::LoadLocal, 1}, {O::Ret}})});
  expectOne(p, "stack underflow: 'call' needs 2 values but the stack holds 1",
            "main", 1);
}

TEST(Verifier, RejectsLoopThatGrowsTheStack) {
  Program p = prog({fn("main", 0, 0,
                       {{O::PushConst, 0},  // 0
                        {O::Jmp, -1}})});   // 1 -> 0
  expectOne(p, "inconsistent stack depth at pc 0: 0 on one path, 1 on another",
            "main", 0);
}

TEST(Verifier, RejectsBranchesThatJoinWithDifferentDepths) {
  Program p = prog({fn("main", 0, 0,
                       {{O::LoadVar, 0},      // 0
                        {O::JmpIfTrue, 2},    // 1 -> 3 with 0
                        {O::PushConst, 0},    // 2
                        {O::PushConst, 0},    // 3: 0 or 1
                        {O::Ret}})});
  auto ds = verify(p);
  ASSERT_EQ(ds.size(), 1u) << all(ds);
  EXPECT_NE(ds[0].message.find("inconsistent stack depth at pc 3"),
            std::string::npos);
  EXPECT_EQ(ds[0].pc, 3);
}

TEST(Verifier, RejectsFallingOffTheEnd) {
  expectOne(prog({fn("main", 0, 0, {{O::PushConst, 0}, {O::Pop}})}),
            "control falls off the end of the function (missing ret?)", "main",
            1);
  expectOne(prog({fn("main", 0, 0, {})}),
            "control falls off the end of the function", "main", 0);
  // A branch at the last pc falls through past the end.
  expectOne(prog({fn("main", 0, 0, {{O::LoadVar, 0}, {O::JmpIfFalse, -1}})}),
            "control falls off the end", "main", 1);
  // A try at the last pc.
  expectOne(prog({fn("main", 0, 0, {{O::Jmp, 2}, {O::Ret}, {O::Try, -1}})}),
            "control falls off the end", "main", 2);
}

TEST(Verifier, RejectsStackDeeperThanTheLimit) {
  VerifyOptions o;
  o.maxStackSize = 2;
  Program p = prog({fn("main", 0, 0,
                       {{O::PushConst, 0},
                        {O::PushConst, 0},
                        {O::PushConst, 0},
                        {O::PushConst, 0},
                        {O::Ret}})});
  expectOne(p, "the operand stack can grow to 3 values, more than maxStackSize 2",
            "main", 2, o);
  // The same program is fine with the default limit.
  expectOk(p);
  EXPECT_EQ(p.functions[0].maxStack, 4u);
}

// ---- program level --------------------------------------------------------

TEST(Verifier, RejectsNonConstantKindConstant) {
  Program p = prog({fn("main", 0, 0, {{O::PushConst, 0}, {O::Ret}})});
  p.constants.push_back(Value::handle(3));
  auto ds = verify(p);
  ASSERT_EQ(ds.size(), 1u) << all(ds);
  EXPECT_NE(ds[0].message.find("constant 3 has kind"), std::string::npos)
      << all(ds);
  EXPECT_TRUE(ds[0].function.empty());

  Program q = prog({fn("main", 0, 0, {{O::PushConst, 3}, {O::Ret}})});
  q.constants.push_back(
      Value::object(const_cast<ErrorObject*>(q.arena->error(
          ErrorTag::HostError, "boom"))));
  q.constants.push_back(Value::boolean(true));
  expectOk(q);
}

TEST(Verifier, ChecksSharedVariables) {
  Program p = prog({fn("main", 0, 0, {{O::PushConst, 0}, {O::Ret}})});
  p.sharedVars.push_back(SharedVar{0, Value::number(3)});
  expectOk(p);

  p.sharedVars.push_back(SharedVar{5, Value::nil()});
  p.sharedVars.push_back(SharedVar{0, Value::voidValue()});
  auto ds = verify(p);
  ASSERT_EQ(ds.size(), 2u) << all(ds);
  EXPECT_NE(ds[0].message.find("shared variable 1 has name index 5, out of "
                               "range [0, 1)"),
            std::string::npos)
      << all(ds);
  EXPECT_NE(ds[1].message.find("shared variable 'x' has an initial value of "
                               "kind"),
            std::string::npos)
      << all(ds);
}

TEST(Verifier, ChecksRootFunctions) {
  Program p = prog({fn("main", 0, 0, {{O::PushConst, 0}, {O::Ret}}),
                    fn("f", 2, 2, {{O::LoadLocal, 0}, {O::Ret}})});
  p.entry = 1;
  auto ds = verify(p);
  ASSERT_EQ(ds.size(), 1u) << all(ds);
  EXPECT_EQ(ds[0].message,
            "entry function 'f' takes 2 parameters; entry, spawn and rule "
            "functions take none");

  p.entry = 7;
  ds = verify(p);
  ASSERT_EQ(ds.size(), 1u) << all(ds);
  EXPECT_NE(ds[0].message.find("entry function id 7 out of range [0, 2)"),
            std::string::npos);

  p.entry.reset();
  p.spawns = {0, 1, 9};
  p.rules = {1};
  ds = verify(p);
  ASSERT_EQ(ds.size(), 3u) << all(ds);
  EXPECT_NE(ds[0].message.find("spawn function 'f' takes 2 parameters"),
            std::string::npos);
  EXPECT_NE(ds[1].message.find("spawn function id 9 out of range"),
            std::string::npos);
  EXPECT_NE(ds[2].message.find("rule function 'f' takes 2 parameters"),
            std::string::npos);

  p.spawns = {0};
  p.rules = {0};
  expectOk(p);
}

TEST(Verifier, RequiresSomethingToRun) {
  Program p = prog({fn("f", 0, 0, {{O::PushConst, 0}, {O::Ret}})});
  p.entry.reset();
  auto ds = verify(p);
  ASSERT_EQ(ds.size(), 1u) << all(ds);
  EXPECT_EQ(ds[0].message,
            "nothing to run: the program has no entry (.entry or main), "
            ".spawn or .rule");

  VerifyOptions o;
  o.requireRunnable = false;
  expectOk(p, o);
  p.rules = {0};
  expectOk(p);
}

// ---- reporting ------------------------------------------------------------

TEST(Verifier, CollectsEveryError) {
  Program p = prog({fn("main", 0, 0,
                       {{O::PushConst, 7},  // bad constant
                        {O::Pop, 1},        // bad operand
                        {O::Ret}}),         // underflow if reached (it isn't)
                    fn("g", 0, 0, {{O::Ret}}),  // underflow
                    fn("h", 0, 0, {{O::Jmp, 5}})});
  p.constants.push_back(Value::handle(1));  // bad constant kind
  auto ds = verify(p);
  ASSERT_EQ(ds.size(), 5u) << all(ds);
  // Program-level first, then functions in order, pcs ascending.
  EXPECT_TRUE(ds[0].function.empty());
  EXPECT_EQ(ds[1].function, "main");
  EXPECT_EQ(ds[1].pc, 0);
  EXPECT_EQ(ds[2].function, "main");
  EXPECT_EQ(ds[2].pc, 1);
  EXPECT_EQ(ds[3].function, "g");
  EXPECT_NE(ds[3].message.find("underflow"), std::string::npos);
  EXPECT_EQ(ds[4].function, "h");
  EXPECT_NE(ds[4].message.find("jump target 5"), std::string::npos);
}

TEST(Verifier, DoesNotSetMaxStackOnFailure) {
  Program p = prog({fn("main", 0, 0, {{O::PushConst, 0}, {O::Ret}}),
                    fn("bad", 0, 0, {{O::Ret}})});
  EXPECT_FALSE(verifyProgram(p).ok());
  EXPECT_EQ(p.functions[0].maxStack, 0u);
}

TEST(Verifier, ReportsLinesAndFileWhenDebugInfoIsPresent) {
  Program p = prog({fn("main", 0, 0, {{O::PushConst, 0}, {O::Ret}, {O::Pop, 0, 4}})});
  p.functions[0].lines = {10, 11, 12};
  p.hasDebugInfo = true;
  p.sourceName = "prog.bvasm";
  VerifyOptions o;
  o.fileName = "prog.bvm";
  auto ds = verify(p, o);
  ASSERT_EQ(ds.size(), 1u) << all(ds);
  EXPECT_EQ(ds[0].line, 12u);
  EXPECT_EQ(ds[0].file, "prog.bvasm");
  EXPECT_EQ(ds[0].pc, 2);
  EXPECT_EQ(ds[0].function, "main");
  EXPECT_EQ(ds[0].format(),
            "prog.bvasm:12: error: in function 'main' at pc 2: operand b of "
            "'pop' must be 0, got 4");

  // Stripped: no line, and the file comes from the options.
  p.stripDebugInfo();
  ds = verify(p, o);
  ASSERT_EQ(ds.size(), 1u) << all(ds);
  EXPECT_EQ(ds[0].line, 0u);
  EXPECT_EQ(ds[0].file, "prog.bvm");
}

TEST(Verifier, EveryOpcodeInTheTableIsKnown) {
  // Sanity: the verifier accepts each opcode byte in the table and rejects
  // every other byte.
  for (int op = 0; op < 256; ++op) {
    Program p = prog({fn("main", 0, 0, {{O::PushConst, 0}, {O::Ret}})});
    p.functions[0].code.push_back(Instr{static_cast<uint8_t>(op)});
    auto ds = verify(p);
    bool unknown = false;
    for (const Diagnostic& d : ds)
      unknown |= d.message.find("unknown opcode") != std::string::npos;
    EXPECT_EQ(unknown, opcodeInfo(static_cast<uint8_t>(op)) == nullptr)
        << "opcode " << op;
  }
}

TEST(Verifier, SurvivesRandomPrograms) {
  // Deterministic pseudo-random programs mixing valid and hostile operands:
  // the verifier must never crash or overflow (run under the sanitizers), and
  // an accepted program must have a maxStack within the limit.
  uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&]() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  const int32_t interesting[] = {0,  1,  2,  3,         -1,       -2,
                                 5,  -5, 64, INT32_MAX, INT32_MIN, 4096};
  auto operandValue = [&]() {
    return interesting[next() % (sizeof(interesting) / sizeof(interesting[0]))];
  };
  int accepted = 0;
  for (int round = 0; round < 2000; ++round) {
    std::vector<Function> fns;
    const int nf = 1 + static_cast<int>(next() % 3);
    for (int f = 0; f < nf; ++f) {
      Function fun;
      fun.name = "f" + std::to_string(f);
      fun.numParams = f == 0 ? 0 : static_cast<uint32_t>(next() % 3);
      fun.numLocals = fun.numParams + static_cast<uint32_t>(next() % 2);
      const int len = static_cast<int>(next() % 8);
      for (int i = 0; i < len; ++i) {
        Instr in;
        in.op = next() % 4 == 0
                    ? static_cast<uint8_t>(next() % 256)
                    : static_cast<uint8_t>(
                          opcodeTable()[next() % opcodeCount()].op);
        if (next() % 2) in.a = operandValue();
        if (next() % 3 == 0) in.b = operandValue();
        if (next() % 4 == 0) in.c = operandValue();
        fun.code.push_back(in);
      }
      fns.push_back(std::move(fun));
    }
    Program p = prog(std::move(fns));
    Status s = verifyProgram(p);
    if (s.ok()) {
      ++accepted;
      for (const Function& f : p.functions) EXPECT_LE(f.maxStack, 4096u);
    }
  }
  EXPECT_GT(accepted, 0);
}

}  // namespace
}  // namespace brainvm

// Directives, operand forms and the program the assembler builds.
#include "asm_test_util.h"
#include "brainvm/objects.h"
#include "brainvm/opcodes.h"

namespace brainvm::testing {
namespace {

Instr I(Opcode op, int32_t a = 0, int32_t b = 0, int32_t c = 0) {
  return Instr{static_cast<uint8_t>(op), a, b, c};
}

TEST(Assembler, EmptyInputHasNoFunctions) {
  Program p = asmOk("");
  EXPECT_TRUE(p.functions.empty());
  EXPECT_FALSE(p.entry.has_value());
  EXPECT_TRUE(p.hasDebugInfo);
  EXPECT_EQ(p.sourceName, "t.bvasm");
}

TEST(Assembler, EveryMnemonicWithoutOperands) {
  std::string body;
  std::vector<Instr> want;
  for (int k = 0; k < opcodeCount(); ++k) {
    const OpcodeInfo& info = opcodeTable()[k];
    bool plain = true;
    for (OperandKind kind : info.operands) plain &= kind == OperandKind::None;
    if (!plain) continue;
    body += std::string(info.mnemonic) + "\n";
    want.push_back(I(info.op));
  }
  Program p = asmOk(inMain(body));
  EXPECT_EQ(p.functions[0].code, want);
}

TEST(Assembler, OperandForms) {
  Program p = asmOk(
      ".func main(a, b)\n"
      "  .local c\n"
      "top: push_const 1\n"
      "  load_var x\n"
      "  store_var y\n"
      "  load_var x\n"
      "  load_local a\n"
      "  store_local 2\n"
      "  load_local \"c\"\n"
      "  jmp top\n"
      "  jmp_if_false end\n"
      "  jmp_if_true top\n"
      "  try top\n"
      "  when_end end\n"
      "  call main\n"
      "  call main, 2\n"
      "  host_call h1\n"
      "  host_call_async h2\n"
      "  host_call_args h1 3\n"
      "  host_call_args_async h2, 0\n"
      "  struct_new 2\n"
      "  struct_new 1 \"Point\"\n"
      "end:\n"
      ".end\n");
  using O = Opcode;
  std::vector<Instr> want = {
      I(O::PushConst, 0),     I(O::LoadVar, 0),      I(O::StoreVar, 1),
      I(O::LoadVar, 0),       I(O::LoadLocal, 0),    I(O::StoreLocal, 2),
      I(O::LoadLocal, 2),     I(O::Jmp, -7),         I(O::JmpIfFalse, 12),
      I(O::JmpIfTrue, -9),    I(O::Try, -10),        I(O::WhenEnd, 9),
      I(O::Call, 0, 2),       I(O::Call, 0, 2),      I(O::HostCall, 0, 0, 1),
      I(O::HostCallAsync, 1, 0, 2), I(O::HostCallArgs, 0, 3, 3),
      I(O::HostCallArgsAsync, 1, 0, 4), I(O::StructNew, 2, 0, 0),
      I(O::StructNew, 1, 1, 1)};
  EXPECT_EQ(p.functions[0].code, want);
  EXPECT_EQ(p.variableNames, (std::vector<std::string>{"x", "y"}));
  ASSERT_EQ(p.hostImports.size(), 2u);
  EXPECT_EQ(p.hostImports[0], (HostImport{"h1", false}));
  EXPECT_EQ(p.hostImports[1], (HostImport{"h2", true}));
  EXPECT_EQ(p.constants[1].stringView(), "Point");
  EXPECT_EQ(p.functions[0].numParams, 2u);
  EXPECT_EQ(p.functions[0].numLocals, 3u);
  EXPECT_EQ(p.functions[0].localNames, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(p.functions[0].maxStack, 0u);
}

TEST(Assembler, CallSitesNumberedInSourceOrderAcrossFunctions) {
  Program p = asmOk(
      ".func f()\n host_call a\n host_call_args b 1\n ret\n.end\n"
      ".func g()\n host_call_async c\n host_call a\n ret\n.end\n");
  EXPECT_EQ(p.functions[0].code[0].c, 1);
  EXPECT_EQ(p.functions[0].code[1].c, 2);
  EXPECT_EQ(p.functions[1].code[0].c, 3);
  EXPECT_EQ(p.functions[1].code[1].c, 4);
  EXPECT_EQ(p.functions[1].code[1].a, 0);  // same import reused
}

TEST(Assembler, ArgcInferredFromForwardCallee) {
  Program p = asmOk(
      ".func main()\n call later\n call later 3\n ret\n.end\n"
      ".func later(x, y, z)\n ret\n.end\n");
  EXPECT_EQ(p.functions[0].code[0], I(Opcode::Call, 1, 3));
  EXPECT_EQ(p.functions[0].code[1], I(Opcode::Call, 1, 3));
}

TEST(Assembler, FunctionIdsInDefinitionOrder) {
  Program p = asmOk(".func b()\n.end\n.func a()\n.end\n.func main()\n.end\n");
  ASSERT_EQ(p.functions.size(), 3u);
  EXPECT_EQ(p.functions[0].name, "b");
  EXPECT_EQ(p.functions[2].name, "main");
  EXPECT_EQ(p.entry, 2u);  // defaults to main
}

TEST(Assembler, EntrySpawnRule) {
  Program p = asmOk(
      ".entry start\n.spawn w\n.spawn w\n.rule r\n"
      ".func main()\n.end\n.func start()\n.end\n.func w()\n.end\n.func r()\n.end\n");
  EXPECT_EQ(p.entry, 1u);
  EXPECT_EQ(p.spawns, (std::vector<uint32_t>{2, 2}));
  EXPECT_EQ(p.rules, (std::vector<uint32_t>{3}));
  Program q = asmOk(".noentry\n.func main()\n.end\n");
  EXPECT_FALSE(q.entry.has_value());
  Program r = asmOk(".func notmain()\n.end\n");
  EXPECT_FALSE(r.entry.has_value());
}

TEST(Assembler, SharedVars) {
  Program p = asmOk(".const K \"s\"\n.var a\n.var b 3\n.var \"c d\" K\n" +
                    inMain("load_var b\nload_var z"));
  ASSERT_EQ(p.sharedVars.size(), 3u);
  EXPECT_EQ(p.variableNames, (std::vector<std::string>{"a", "b", "c d", "z"}));
  EXPECT_TRUE(p.sharedVars[0].initial.isNil());
  EXPECT_EQ(p.sharedVars[1].name, 1u);
  EXPECT_EQ(p.sharedVars[1].initial.asNumber(), 3);
  EXPECT_EQ(p.sharedVars[2].initial.stringView(), "s");
  EXPECT_EQ(p.constants.size(), 1u);  // .var values do not enter the pool
}

TEST(Assembler, VarnameAndImportDirectivesPinOrder) {
  Program p = asmOk(".varname q\n.import h async\n.import g sync\n" +
                    inMain("load_var r\nload_var q\nhost_call g\nhost_call_async h"));
  EXPECT_EQ(p.variableNames, (std::vector<std::string>{"q", "r"}));
  EXPECT_EQ(p.hostImports[0], (HostImport{"h", true}));
  EXPECT_EQ(p.hostImports[1], (HostImport{"g", false}));
  EXPECT_EQ(p.functions[0].code[2].a, 1);
}

TEST(Assembler, RawEmitsVerbatim) {
  Program p = asmOk(inMain(".raw 255\n.raw 0 -1\n.raw 30, 99, -2147483648, 2147483647\n"
                           ".raw 40 0 0 7\nhost_call h"));
  const auto& code = p.functions[0].code;
  EXPECT_EQ(code[0], (Instr{255, 0, 0, 0}));
  EXPECT_EQ(code[1], (Instr{0, -1, 0, 0}));
  EXPECT_EQ(code[2], (Instr{30, 99, INT32_MIN, INT32_MAX}));
  EXPECT_EQ(code[4].c, 1);  // .raw does not take a call-site number
}

TEST(Assembler, DebugLinesAndLineDirective) {
  Program p = asmOk(".func main()\n  pop\n  .line 100\n  dup\n\n  swap\n.end\n");
  EXPECT_EQ(p.functions[0].lines, (std::vector<uint32_t>{2, 100, 6}));
}

TEST(Assembler, LabelsSharingLinesAndStacking) {
  Program p = asmOk(".func main()\na: b: pop\n jmp a\n jmp b\nc:\n jmp c\n.end\n");
  const auto& code = p.functions[0].code;
  EXPECT_EQ(code[1].a, -1);
  EXPECT_EQ(code[2].a, -2);
  EXPECT_EQ(code[3].a, 0);
}

TEST(Assembler, SourceDirectiveAndStripping) {
  Program p = asmOk(".source \"orig.bs\"\n.func main(x)\n.local y\npop\n.end\n");
  EXPECT_EQ(p.sourceName, "orig.bs");
  Program s = asmOk(".source \"orig.bs\"\n.func main(x)\n.local y\npop\n.end\n", false);
  EXPECT_FALSE(s.hasDebugInfo);
  EXPECT_TRUE(s.sourceName.empty());
  EXPECT_TRUE(s.functions[0].lines.empty());
  EXPECT_TRUE(s.functions[0].localNames.empty());
  EXPECT_EQ(s.functions[0].numLocals, 2u);
  Program ps = p;
  ps.stripDebugInfo();
  EXPECT_EQ(writeImage(ps), writeImage(s));
}

TEST(Assembler, CommentsWhitespaceAndCrlf) {
  Program p = asmOk("; header\r\n.func main() ; trailing\r\n\tpush_const \";\" ; c\r\n.end");
  EXPECT_EQ(p.functions[0].code.size(), 1u);
  EXPECT_EQ(p.constants[0].stringView(), ";");
}

TEST(Assembler, QuotedNames) {
  Program p = asmOk(".func \"odd name\"(\"p q\")\n load_local \"p q\"\n ret\n.end\n"
                    ".func main()\n push_const 1\n call \"odd name\"\n ret\n.end\n");
  EXPECT_EQ(p.functions[0].name, "odd name");
  EXPECT_EQ(p.functions[1].code[1], I(Opcode::Call, 0, 1));
}

TEST(Assembler, Deterministic) {
  std::string text = ".var v 1\n" + inMain("push_const \"x\"\nhost_call_args f 1\nret");
  EXPECT_EQ(writeImage(asmOk(text)), writeImage(asmOk(text)));
}

TEST(Assembler, MaxInputBytes) {
  AssembleOptions o = opts();
  o.maxInputBytes = 10;
  auto r = assemble(std::string(11, ' '), o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().diagnostics[0].message.find("limit"), std::string::npos);
}

TEST(Assembler, ArbitraryBytesNeverCrash) {
  std::string junk;
  uint32_t x = 12345;
  for (int i = 0; i < 20000; ++i) {
    x = x * 1103515245u + 12345u;
    junk += static_cast<char>(x >> 16);
    if (i % 50 == 0) junk += '\n';
  }
  auto r = assemble(junk, opts());
  EXPECT_FALSE(r.ok());
  EXPECT_LE(r.error().diagnostics.size(), 100u);
}

}  // namespace
}  // namespace brainvm::testing

// The instruction set: one X-macro row per opcode. Everything that needs to
// know about opcodes (enum, mnemonics, operand kinds, stack effects, control
// flow, sync/async host calls) is derived from this table: the verifier, the
// assembler, the disassembler, the linker's dense renumbering and the
// interpreter's dispatch table.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace brainvm {

// What an operand slot means. Drives verifier range checks and the
// assembler/disassembler operand syntax.
enum class OperandKind : uint8_t {
  None,       // must be 0
  Const,      // constant-pool index
  Var,        // variable-name index
  Offset,     // signed jump offset relative to the instruction's own pc
  Func,       // function id
  Argc,       // argument count
  Host,       // host-import index
  CallSite,   // call-site id (>= 0)
  Local,      // local slot of the current frame
  Count,      // struct field count (>= 0)
  TypeName,   // constant index of a struct type name (string), used when c == 1
  Flag,       // 0 or 1
};

// How control leaves an instruction (for the verifier's flow analysis).
enum class Flow : uint8_t {
  Next,      // falls through to pc + 1
  Jump,      // unconditional jump to pc + a
  Branch,    // pc + 1 or pc + a
  Return,    // leaves the function (ret)
  Throw,     // leaves via the handler mechanism (throw)
  Try,       // falls through, and installs a handler at pc + a
};

// Which host functions an instruction may call (its Host operand's kind).
enum class HostMode : uint8_t {
  None,   // not a host call
  Sync,   // needs a sync host import
  Async,  // needs an async host import; pushes a handle
};

// Stack-effect pops that depend on operands.
inline constexpr int kPopsB = -1;       // pops b values (call, host_call_args*)
inline constexpr int kPopsTwiceA = -2;  // pops 2*a values (struct_new)

// X(number, Name, "mnemonic", kindA, kindB, kindC, pops, pushes, flow, host)
#define BRAINVM_OPCODES(X)                                                    \
  X(0, PushConst, "push_const", Const, None, None, 0, 1, Next, None)          \
  X(1, Pop, "pop", None, None, None, 1, 0, Next, None)                        \
  X(2, Dup, "dup", None, None, None, 1, 2, Next, None)                        \
  X(3, Swap, "swap", None, None, None, 2, 2, Next, None)                      \
  X(10, LoadVar, "load_var", Var, None, None, 0, 1, Next, None)               \
  X(11, StoreVar, "store_var", Var, None, None, 1, 0, Next, None)             \
  X(20, Jmp, "jmp", Offset, None, None, 0, 0, Jump, None)                     \
  X(21, JmpIfFalse, "jmp_if_false", Offset, None, None, 1, 0, Branch, None)   \
  X(22, JmpIfTrue, "jmp_if_true", Offset, None, None, 1, 0, Branch, None)     \
  X(30, Call, "call", Func, Argc, None, kPopsB, 1, Next, None)                \
  X(31, Ret, "ret", None, None, None, 1, 0, Return, None)                     \
  X(40, HostCall, "host_call", Host, None, CallSite, 1, 1, Next, Sync)        \
  X(41, HostCallAsync, "host_call_async", Host, None, CallSite, 1, 1, Next,   \
    Async)                                                                    \
  X(42, HostCallArgs, "host_call_args", Host, Argc, CallSite, kPopsB, 1,      \
    Next, Sync)                                                               \
  X(43, HostCallArgsAsync, "host_call_args_async", Host, Argc, CallSite,      \
    kPopsB, 1, Next, Async)                                                   \
  X(50, Await, "await", None, None, None, 1, 1, Next, None)                   \
  X(51, Yield, "yield", None, None, None, 0, 0, Next, None)                   \
  X(60, Try, "try", Offset, None, None, 0, 0, Try, None)                      \
  X(61, EndTry, "end_try", None, None, None, 0, 0, Next, None)                \
  X(62, Throw, "throw", None, None, None, 1, 0, Throw, None)                  \
  X(70, WhenStart, "when_start", None, None, None, 0, 0, Next, None)          \
  X(71, WhenEnd, "when_end", Offset, None, None, 1, 0, Branch, None)          \
  X(72, DoStart, "do_start", None, None, None, 0, 0, Next, None)              \
  X(73, DoEnd, "do_end", None, None, None, 0, 0, Next, None)                  \
  X(90, ListNew, "list_new", None, None, None, 0, 1, Next, None)              \
  X(91, ListPush, "list_push", None, None, None, 2, 1, Next, None)            \
  X(92, ListGet, "list_get", None, None, None, 2, 1, Next, None)              \
  X(93, ListSet, "list_set", None, None, None, 3, 1, Next, None)              \
  X(94, ListLen, "list_len", None, None, None, 1, 1, Next, None)              \
  X(100, MapNew, "map_new", None, None, None, 0, 1, Next, None)               \
  X(101, MapSet, "map_set", None, None, None, 3, 1, Next, None)               \
  X(102, MapGet, "map_get", None, None, None, 2, 1, Next, None)               \
  X(103, MapHas, "map_has", None, None, None, 2, 1, Next, None)               \
  X(104, MapDelete, "map_delete", None, None, None, 2, 1, Next, None)         \
  X(110, StructNew, "struct_new", Count, TypeName, Flag, kPopsTwiceA, 1,      \
    Next, None)                                                               \
  X(111, StructGet, "struct_get", None, None, None, 2, 1, Next, None)         \
  X(112, StructSet, "struct_set", None, None, None, 3, 1, Next, None)         \
  X(120, GetField, "get_field", None, None, None, 2, 1, Next, None)           \
  X(121, SetField, "set_field", None, None, None, 3, 1, Next, None)           \
  X(130, LoadLocal, "load_local", Local, None, None, 0, 1, Next, None)        \
  X(131, StoreLocal, "store_local", Local, None, None, 1, 0, Next, None)

enum class Opcode : uint8_t {
#define BRAINVM_OPCODE_ENUM(num, name, ...) name = num,
  BRAINVM_OPCODES(BRAINVM_OPCODE_ENUM)
#undef BRAINVM_OPCODE_ENUM
};

struct OpcodeInfo {
  Opcode op;
  std::string_view mnemonic;
  OperandKind operands[3];  // a, b, c
  int pops;                 // >= 0, or kPopsB / kPopsTwiceA
  int pushes;
  Flow flow;
  HostMode host;
};

// Info for a raw opcode byte, or nullptr if the number is not an opcode.
const OpcodeInfo* opcodeInfo(uint8_t number);
// Lookup by mnemonic (exact, lower case), or nullptr.
const OpcodeInfo* opcodeByMnemonic(std::string_view mnemonic);
// All opcodes in table order, for iteration (count in opcodeCount()).
const OpcodeInfo* opcodeTable();
int opcodeCount();

// The mnemonic of a known opcode, usable in constant expressions.
constexpr std::string_view mnemonicOf(Opcode op) {
  switch (op) {
#define BRAINVM_OPCODE_MNEMONIC(num, name, mn, ...) \
  case Opcode::name:                                \
    return mn;
    BRAINVM_OPCODES(BRAINVM_OPCODE_MNEMONIC)
#undef BRAINVM_OPCODE_MNEMONIC
  }
  return {};
}

// Number of values an instruction pops, given its operands (in 64 bits, so
// that hostile operands cannot overflow).
constexpr int64_t stackPops(const OpcodeInfo& info, int32_t a, int32_t b) {
  if (info.pops == kPopsB) return b;
  if (info.pops == kPopsTwiceA) return 2 * static_cast<int64_t>(a);
  return info.pops;
}

}  // namespace brainvm

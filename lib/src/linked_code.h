// Linked code: the runtime's private copy of each function's instructions,
// with opcode bytes renumbered densely (1..N in table order, 0 = invalid) so
// the dispatch table has no holes. Operands are unchanged. This is also the
// place where load-time rewrites (superinstructions) belong.
#pragma once

#include <cstdint>
#include <vector>

#include "brainvm/opcodes.h"
#include "brainvm/program.h"

namespace brainvm {

enum DenseOp : uint8_t {
  kDenseInvalid = 0,
#define BRAINVM_DENSE_ENUM(num, name, ...) kDense##name,
  BRAINVM_OPCODES(BRAINVM_DENSE_ENUM)
#undef BRAINVM_DENSE_ENUM
  kDenseCount,
  // Superinstructions: two operand loads (load_local, load_var or
  // push_const), a host_call_args to a built-in intrinsic with 2 arguments,
  // and optionally a store_local, store_var or jmp_if_false consuming the
  // result. One dense opcode per (operand, operand, tail) combination. A
  // fused opcode replaces only the opcode of the first instruction; the
  // instructions after it stay in place, so jumps into the middle still work.
  // The first instruction keeps its operand `a`; `b` holds the FusedMeta bits
  // and `c` the intrinsic (b and c are 0 in the three load opcodes).
  kDenseFusedBase = kDenseCount,
  // List and accumulation sequences, all on locals:
  //   load_local L; load_local I; list_get            -> ListGetLocals
  //   load_local L; load_local V; list_push; pop      -> ListPushLocalsPop
  //   host_call_args <add> 2; store_local T           -> AddStoreLocal
  // Like the group above they replace only the first instruction's opcode
  // and keep its operands.
  kDenseListGetLocals = kDenseFusedBase + 162,
  kDenseListPushLocalsPop,
  kDenseAddStoreLocal,
  kDenseTotal
};

// Every (x, y, tail, operation) combination, for generating handlers. The
// operation is specialised for the two commonest intrinsics (FusedMeta::Op);
// the others are selected at run time from the instruction's `c`.
#define BRAINVM_FUSED_VARIANTS(V) \
  V(0, 0, 0, 0) \
  V(0, 0, 0, 1) \
  V(0, 0, 0, 2) \
  V(0, 0, 1, 0) \
  V(0, 0, 1, 1) \
  V(0, 0, 1, 2) \
  V(0, 0, 2, 0) \
  V(0, 0, 2, 1) \
  V(0, 0, 2, 2) \
  V(0, 0, 3, 0) \
  V(0, 0, 3, 1) \
  V(0, 0, 3, 2) \
  V(0, 0, 4, 0) \
  V(0, 0, 4, 1) \
  V(0, 0, 4, 2) \
  V(0, 0, 5, 0) \
  V(0, 0, 5, 1) \
  V(0, 0, 5, 2) \
  V(0, 1, 0, 0) \
  V(0, 1, 0, 1) \
  V(0, 1, 0, 2) \
  V(0, 1, 1, 0) \
  V(0, 1, 1, 1) \
  V(0, 1, 1, 2) \
  V(0, 1, 2, 0) \
  V(0, 1, 2, 1) \
  V(0, 1, 2, 2) \
  V(0, 1, 3, 0) \
  V(0, 1, 3, 1) \
  V(0, 1, 3, 2) \
  V(0, 1, 4, 0) \
  V(0, 1, 4, 1) \
  V(0, 1, 4, 2) \
  V(0, 1, 5, 0) \
  V(0, 1, 5, 1) \
  V(0, 1, 5, 2) \
  V(0, 2, 0, 0) \
  V(0, 2, 0, 1) \
  V(0, 2, 0, 2) \
  V(0, 2, 1, 0) \
  V(0, 2, 1, 1) \
  V(0, 2, 1, 2) \
  V(0, 2, 2, 0) \
  V(0, 2, 2, 1) \
  V(0, 2, 2, 2) \
  V(0, 2, 3, 0) \
  V(0, 2, 3, 1) \
  V(0, 2, 3, 2) \
  V(0, 2, 4, 0) \
  V(0, 2, 4, 1) \
  V(0, 2, 4, 2) \
  V(0, 2, 5, 0) \
  V(0, 2, 5, 1) \
  V(0, 2, 5, 2) \
  V(1, 0, 0, 0) \
  V(1, 0, 0, 1) \
  V(1, 0, 0, 2) \
  V(1, 0, 1, 0) \
  V(1, 0, 1, 1) \
  V(1, 0, 1, 2) \
  V(1, 0, 2, 0) \
  V(1, 0, 2, 1) \
  V(1, 0, 2, 2) \
  V(1, 0, 3, 0) \
  V(1, 0, 3, 1) \
  V(1, 0, 3, 2) \
  V(1, 0, 4, 0) \
  V(1, 0, 4, 1) \
  V(1, 0, 4, 2) \
  V(1, 0, 5, 0) \
  V(1, 0, 5, 1) \
  V(1, 0, 5, 2) \
  V(1, 1, 0, 0) \
  V(1, 1, 0, 1) \
  V(1, 1, 0, 2) \
  V(1, 1, 1, 0) \
  V(1, 1, 1, 1) \
  V(1, 1, 1, 2) \
  V(1, 1, 2, 0) \
  V(1, 1, 2, 1) \
  V(1, 1, 2, 2) \
  V(1, 1, 3, 0) \
  V(1, 1, 3, 1) \
  V(1, 1, 3, 2) \
  V(1, 1, 4, 0) \
  V(1, 1, 4, 1) \
  V(1, 1, 4, 2) \
  V(1, 1, 5, 0) \
  V(1, 1, 5, 1) \
  V(1, 1, 5, 2) \
  V(1, 2, 0, 0) \
  V(1, 2, 0, 1) \
  V(1, 2, 0, 2) \
  V(1, 2, 1, 0) \
  V(1, 2, 1, 1) \
  V(1, 2, 1, 2) \
  V(1, 2, 2, 0) \
  V(1, 2, 2, 1) \
  V(1, 2, 2, 2) \
  V(1, 2, 3, 0) \
  V(1, 2, 3, 1) \
  V(1, 2, 3, 2) \
  V(1, 2, 4, 0) \
  V(1, 2, 4, 1) \
  V(1, 2, 4, 2) \
  V(1, 2, 5, 0) \
  V(1, 2, 5, 1) \
  V(1, 2, 5, 2) \
  V(2, 0, 0, 0) \
  V(2, 0, 0, 1) \
  V(2, 0, 0, 2) \
  V(2, 0, 1, 0) \
  V(2, 0, 1, 1) \
  V(2, 0, 1, 2) \
  V(2, 0, 2, 0) \
  V(2, 0, 2, 1) \
  V(2, 0, 2, 2) \
  V(2, 0, 3, 0) \
  V(2, 0, 3, 1) \
  V(2, 0, 3, 2) \
  V(2, 0, 4, 0) \
  V(2, 0, 4, 1) \
  V(2, 0, 4, 2) \
  V(2, 0, 5, 0) \
  V(2, 0, 5, 1) \
  V(2, 0, 5, 2) \
  V(2, 1, 0, 0) \
  V(2, 1, 0, 1) \
  V(2, 1, 0, 2) \
  V(2, 1, 1, 0) \
  V(2, 1, 1, 1) \
  V(2, 1, 1, 2) \
  V(2, 1, 2, 0) \
  V(2, 1, 2, 1) \
  V(2, 1, 2, 2) \
  V(2, 1, 3, 0) \
  V(2, 1, 3, 1) \
  V(2, 1, 3, 2) \
  V(2, 1, 4, 0) \
  V(2, 1, 4, 1) \
  V(2, 1, 4, 2) \
  V(2, 1, 5, 0) \
  V(2, 1, 5, 1) \
  V(2, 1, 5, 2) \
  V(2, 2, 0, 0) \
  V(2, 2, 0, 1) \
  V(2, 2, 0, 2) \
  V(2, 2, 1, 0) \
  V(2, 2, 1, 1) \
  V(2, 2, 1, 2) \
  V(2, 2, 2, 0) \
  V(2, 2, 2, 1) \
  V(2, 2, 2, 2) \
  V(2, 2, 3, 0) \
  V(2, 2, 3, 1) \
  V(2, 2, 3, 2) \
  V(2, 2, 4, 0) \
  V(2, 2, 4, 1) \
  V(2, 2, 4, 2) \
  V(2, 2, 5, 0) \
  V(2, 2, 5, 1) \
  V(2, 2, 5, 2)



inline constexpr uint8_t fusedOpcode(int x, int y, int tail, int op) {
  return static_cast<uint8_t>(kDenseFusedBase + ((x * 3 + y) * 6 + tail) * 3 +
                              op);
}

// Packed into Instr::b of a kDenseFusedBinop (b is unused by the three load
// opcodes, which the verifier requires to have b == 0).
struct FusedMeta {
  enum Operand : uint8_t { Local = 0, Var = 1, Const = 2 };
  enum Tail : uint8_t {
    Push = 0,
    StoreLocal = 1,
    StoreVar = 2,
    BranchFalse = 3,
    StoreLocalJump = 4,  // store_local then jmp (a loop's back edge)
    StoreVarJump = 5,    // store_var then jmp
  };
  enum Op : uint8_t { AnyIntrinsic = 0, AddOp = 1, LtOp = 2 };
  static int32_t pack(uint8_t firstOp, Operand x, Operand y, Tail tail) {
    return static_cast<int32_t>(firstOp | (x << 8) | (y << 10) | (tail << 12));
  }
  static uint8_t firstOp(int32_t m) { return static_cast<uint8_t>(m & 0xff); }
  static Operand x(int32_t m) { return static_cast<Operand>((m >> 8) & 3); }
  static Operand y(int32_t m) { return static_cast<Operand>((m >> 10) & 3); }
  static Tail tail(int32_t m) { return static_cast<Tail>((m >> 12) & 7); }
  // Original instructions covered: 3 without a tail, 4 with one, 5 with a
  // store and a jump.
  static constexpr uint32_t length(Tail t) {
    return t == Push ? 3 : (t == StoreLocalJump || t == StoreVarJump) ? 5 : 4;
  }
};

using LinkedCode = std::vector<std::vector<Instr>>;

// Renumbers opcodes densely and, with `fuse`, fuses common sequences. The
// program must be verified (operands in range). `intrinsics` gives, per host
// import, the intrinsic it is bound to (Intrinsic::None if any).
LinkedCode linkProgram(const Program& program,
                       const std::vector<uint8_t>& intrinsics, bool fuse);

}  // namespace brainvm

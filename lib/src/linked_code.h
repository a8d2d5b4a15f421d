// Linked code: the runtime's private copy of each function's instructions,
// with opcode bytes renumbered densely (1..N in table order, 0 = invalid) so
// the dispatch table has no holes. Operands are unchanged. This is also the
// place where load-time rewrites (superinstructions) belong.
#pragma once

#include <cstdint>
#include <vector>

#include "brainvm/loaded_program.h"
#include "brainvm/opcodes.h"
#include "brainvm/program.h"

namespace brainvm {

// The fused family "operand, operand, intrinsic host call [, tail]" has one
// dense opcode per combination of its dimensions, generated from these
// lists: the first and second operand's kind, the tail that consumes the
// result, and the operation (the two commonest intrinsics get handlers
// specialised at compile time; the others read theirs from the instruction).
// Adding a tail kind is one line in BRAINVM_FUSED_TAILS plus its handling in
// the interpreter's FUSED_HANDLER.
#define BRAINVM_FUSED_TAILS(X, ...)                                  \
  X(__VA_ARGS__, Push)            /* push the result */             \
  X(__VA_ARGS__, StoreLocal)      /* store_local */                 \
  X(__VA_ARGS__, StoreVar)        /* store_var */                   \
  X(__VA_ARGS__, BranchFalse)     /* jmp_if_false */                \
  X(__VA_ARGS__, StoreLocalJump)  /* store_local; jmp (back edge) */ \
  X(__VA_ARGS__, StoreVarJump)    /* store_var; jmp */
#define BRAINVM_FUSED_OPS(X, ...) \
  X(__VA_ARGS__, AnyIntrinsic) X(__VA_ARGS__, AddOp) X(__VA_ARGS__, LtOp)

// V(first, second, tail, op) for every combination, in dense-opcode order.
// (One macro per dimension: a macro cannot expand inside itself.)
#define BRAINVM_FUSED_VARIANTS(V) \
  BVM_FUSED_FIRST(V, Local) BVM_FUSED_FIRST(V, Var) BVM_FUSED_FIRST(V, Const)
#define BVM_FUSED_FIRST(V, x) \
  BVM_FUSED_SECOND(V, x, Local) BVM_FUSED_SECOND(V, x, Var) \
  BVM_FUSED_SECOND(V, x, Const)
#define BVM_FUSED_SECOND(V, x, y) BRAINVM_FUSED_TAILS(BVM_FUSED_TAIL, V, x, y)
#define BVM_FUSED_TAIL(V, x, y, t) BRAINVM_FUSED_OPS(BVM_FUSED_OP, V, x, y, t)
#define BVM_FUSED_OP(V, x, y, t, o) V(x, y, t, o)

// What a fused opcode's dimensions mean, and how the fused instruction
// carries them. A fused opcode replaces only the opcode of the first
// instruction; the instructions after it stay in place, so jumps into the
// middle still work. The first instruction keeps its operand `a`; `b` holds
// the FusedMeta bits (b is 0 in the three load opcodes, which the verifier
// requires) and `c` the intrinsic (for AnyIntrinsic).
struct FusedMeta {
  enum Operand : uint8_t { Local, Var, Const, kOperandCount };
#define BVM_FUSED_ENUM_ENTRY(unused, name) name,
  enum Tail : uint8_t { BRAINVM_FUSED_TAILS(BVM_FUSED_ENUM_ENTRY, ~) kTailCount };
  enum Op : uint8_t { BRAINVM_FUSED_OPS(BVM_FUSED_ENUM_ENTRY, ~) kOpCount };
#undef BVM_FUSED_ENUM_ENTRY
  static constexpr int kVariantCount = kOperandCount * kOperandCount *
                                       kTailCount * kOpCount;

  static constexpr int kOperandBits = 2;
  static constexpr int kTailBits = 3;
  static_assert(kOperandCount <= (1 << kOperandBits));
  static_assert(kTailCount <= (1 << kTailBits));
  static constexpr int32_t kOperandMask = (1 << kOperandBits) - 1;
  static constexpr int32_t kTailMask = (1 << kTailBits) - 1;
  static constexpr int kXShift = 8;  // above the first instruction's opcode
  static constexpr int kYShift = kXShift + kOperandBits;
  static constexpr int kTailShift = kYShift + kOperandBits;

  static int32_t pack(uint8_t firstOp, Operand x, Operand y, Tail tail) {
    return static_cast<int32_t>(firstOp | (x << kXShift) | (y << kYShift) |
                                (tail << kTailShift));
  }
  static uint8_t firstOp(int32_t m) { return static_cast<uint8_t>(m & 0xff); }
  static Operand x(int32_t m) {
    return static_cast<Operand>((m >> kXShift) & kOperandMask);
  }
  static Operand y(int32_t m) {
    return static_cast<Operand>((m >> kYShift) & kOperandMask);
  }
  static Tail tail(int32_t m) {
    return static_cast<Tail>((m >> kTailShift) & kTailMask);
  }
  // Original instructions covered: 3 without a tail, 4 with one, 5 with a
  // store and a jump.
  static constexpr uint32_t length(Tail t) {
    return t == Push ? 3 : (t == StoreLocalJump || t == StoreVarJump) ? 5 : 4;
  }
};

enum DenseOp : uint8_t {
  kDenseInvalid = 0,
#define BRAINVM_DENSE_ENUM(num, name, ...) kDense##name,
  BRAINVM_OPCODES(BRAINVM_DENSE_ENUM)
#undef BRAINVM_DENSE_ENUM
  kDenseCount,
  // The fused family above: kDenseFusedBase + fusedIndex(x, y, tail, op).
  kDenseFusedBase = kDenseCount,
  // List and accumulation sequences, all on locals:
  //   load_local L; load_local I; list_get            -> ListGetLocals
  //   load_local L; load_local V; list_push; pop      -> ListPushLocalsPop
  //   host_call_args <add> 2; store_local T           -> AddStoreLocal
  // Like the family above they replace only the first instruction's opcode
  // and keep its operands.
  kDenseListGetLocals = kDenseFusedBase + FusedMeta::kVariantCount,
  kDenseListPushLocalsPop,
  kDenseAddStoreLocal,
  kDenseTotal
};
static_assert(kDenseTotal <= 256, "dense opcodes must fit in Instr::op");

inline constexpr uint8_t fusedOpcode(FusedMeta::Operand x, FusedMeta::Operand y,
                                     FusedMeta::Tail tail, FusedMeta::Op op) {
  return static_cast<uint8_t>(
      kDenseFusedBase +
      ((x * FusedMeta::kOperandCount + y) * FusedMeta::kTailCount + tail) *
          FusedMeta::kOpCount +
      op);
}

using LinkedCode = std::vector<std::vector<Instr>>;

// Renumbers opcodes densely and, with `fuse`, fuses common sequences. The
// program must be verified (operands in range). `intrinsics` gives, per host
// import, the Intrinsic it is bound to (Intrinsic::None if any).
LinkedCode linkProgram(const Program& program,
                       const std::vector<uint8_t>& intrinsics, bool fuse);

// What LoadedProgram shares with its runtimes: code linked for imports bound
// to the built-in library, and the intrinsic that assumes for each import.
struct LoadedProgram::Linked {
  std::vector<uint8_t> intrinsics;
  LinkedCode code;
};

}  // namespace brainvm

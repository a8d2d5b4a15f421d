#include "linked_code.h"

#include "intrinsics.h"

#include <array>

namespace brainvm {
namespace {

constexpr std::array<uint8_t, 256> makeDenseTable() {
  std::array<uint8_t, 256> table{};
  uint8_t next = 1;
#define BRAINVM_DENSE_ROW(num, name, ...) table[num] = next++;
  BRAINVM_OPCODES(BRAINVM_DENSE_ROW)
#undef BRAINVM_DENSE_ROW
  return table;
}

constexpr std::array<uint8_t, 256> kDense = makeDenseTable();

}  // namespace

namespace {

bool operandKind(const Instr& in, FusedMeta::Operand& out) {
  switch (static_cast<Opcode>(in.op)) {
    case Opcode::LoadLocal: out = FusedMeta::Local; return true;
    case Opcode::LoadVar: out = FusedMeta::Var; return true;
    case Opcode::PushConst: out = FusedMeta::Const; return true;
    default: return false;
  }
}

FusedMeta::Tail tailKind(const Instr& in) {
  switch (static_cast<Opcode>(in.op)) {
    case Opcode::StoreLocal: return FusedMeta::StoreLocal;
    case Opcode::StoreVar: return FusedMeta::StoreVar;
    case Opcode::JmpIfFalse: return FusedMeta::BranchFalse;
    default: return FusedMeta::Push;
  }
}

bool is(const std::vector<Instr>& code, size_t p, Opcode op) {
  return p < code.size() && static_cast<Opcode>(code[p].op) == op;
}

// The list and accumulation superinstructions (see kDenseListGetLocals).
void fuseListSequences(const std::vector<Instr>& orig, std::vector<Instr>& code,
                       const std::vector<uint8_t>& intrinsics) {
  for (size_t p = 0; p < orig.size(); ++p) {
    if (is(orig, p, Opcode::LoadLocal) && is(orig, p + 1, Opcode::LoadLocal)) {
      if (is(orig, p + 2, Opcode::ListGet))
        code[p].op = kDenseListGetLocals;
      else if (is(orig, p + 2, Opcode::ListPush) && is(orig, p + 3, Opcode::Pop))
        code[p].op = kDenseListPushLocalsPop;
    } else if (is(orig, p, Opcode::HostCallArgs) && orig[p].b == 2 &&
               static_cast<Intrinsic>(intrinsics[orig[p].a]) == Intrinsic::Add &&
               is(orig, p + 1, Opcode::StoreLocal)) {
      code[p].op = kDenseAddStoreLocal;
    }
  }
}

}  // namespace

LinkedCode linkProgram(const Program& program,
                       const std::vector<uint8_t>& intrinsics, bool fuse) {
  LinkedCode linked;
  linked.reserve(program.functions.size());
  for (const Function& f : program.functions) {
    const std::vector<Instr>& orig = f.code;
    std::vector<Instr> code = orig;
    for (Instr& in : code) in.op = kDense[in.op];
    if (!fuse) {
      linked.push_back(std::move(code));
      continue;
    }
    fuseListSequences(orig, code, intrinsics);
    for (size_t p = 0; p + 2 < orig.size(); ++p) {
      FusedMeta::Operand x, y;
      const Instr& call = orig[p + 2];
      if (!operandKind(orig[p], x) || !operandKind(orig[p + 1], y) ||
          static_cast<Opcode>(call.op) != Opcode::HostCallArgs || call.b != 2 ||
          intrinsics[call.a] == 0)
        continue;
      FusedMeta::Tail tail =
          p + 3 < orig.size() ? tailKind(orig[p + 3]) : FusedMeta::Push;
      const bool jumpFollows =
          p + 4 < orig.size() &&
          static_cast<Opcode>(orig[p + 4].op) == Opcode::Jmp;
      if (jumpFollows && tail == FusedMeta::StoreLocal)
        tail = FusedMeta::StoreLocalJump;
      else if (jumpFollows && tail == FusedMeta::StoreVar)
        tail = FusedMeta::StoreVarJump;
      code[p].b = FusedMeta::pack(kDense[orig[p].op], x, y, tail);
      code[p].c = intrinsics[call.a];
      const auto intrinsic = static_cast<Intrinsic>(intrinsics[call.a]);
      const FusedMeta::Op op = intrinsic == Intrinsic::Add ? FusedMeta::AddOp
                               : intrinsic == Intrinsic::Lt
                                   ? FusedMeta::LtOp
                                   : FusedMeta::AnyIntrinsic;
      code[p].op = fusedOpcode(x, y, tail, op);
    }
    linked.push_back(std::move(code));
  }
  return linked;
}

}  // namespace brainvm

#include "linked_code.h"

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

LinkedCode linkProgram(const Program& program) {
  LinkedCode linked;
  linked.reserve(program.functions.size());
  for (const Function& f : program.functions) {
    std::vector<Instr> code = f.code;
    for (Instr& in : code) in.op = kDense[in.op];
    linked.push_back(std::move(code));
  }
  return linked;
}

}  // namespace brainvm

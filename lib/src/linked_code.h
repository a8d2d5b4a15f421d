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
  kDenseCount
};

using LinkedCode = std::vector<std::vector<Instr>>;

LinkedCode linkProgram(const Program& program);

}  // namespace brainvm

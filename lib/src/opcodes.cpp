#include "brainvm/opcodes.h"

#include <array>

namespace brainvm {
namespace {

constexpr OpcodeInfo kTable[] = {
#define BRAINVM_OPCODE_INFO(num, name, mn, ka, kb, kc, pops, pushes, flow, \
                            host)                                         \
  {Opcode::name,                                                          \
   mn,                                                                    \
   {OperandKind::ka, OperandKind::kb, OperandKind::kc},                   \
   pops,                                                                  \
   pushes,                                                                \
   Flow::flow,                                                            \
   HostMode::host},
    BRAINVM_OPCODES(BRAINVM_OPCODE_INFO)
#undef BRAINVM_OPCODE_INFO
};

constexpr int kCount = sizeof(kTable) / sizeof(kTable[0]);

constexpr std::array<const OpcodeInfo*, 256> makeByNumber() {
  std::array<const OpcodeInfo*, 256> byNumber{};
  for (const OpcodeInfo& info : kTable)
    byNumber[static_cast<uint8_t>(info.op)] = &info;
  return byNumber;
}

constexpr std::array<const OpcodeInfo*, 256> kByNumber = makeByNumber();

}  // namespace

const OpcodeInfo* opcodeInfo(uint8_t number) { return kByNumber[number]; }

const OpcodeInfo* opcodeByMnemonic(std::string_view mnemonic) {
  for (const OpcodeInfo& info : kTable)
    if (info.mnemonic == mnemonic) return &info;
  return nullptr;
}

const OpcodeInfo* opcodeTable() { return kTable; }
int opcodeCount() { return kCount; }

}  // namespace brainvm

// The bytecode verifier: proves a program safe to run once, at load, so the
// interpreter needs no per-instruction operand or stack checks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "brainvm/program.h"
#include "brainvm/result.h"

namespace brainvm {

struct VerifyOptions {
  // A function whose operand stack can grow deeper than this is rejected.
  uint32_t maxStackSize = 4096;
  // Reject a program with nothing to run (no entry, spawn or rule). Turned
  // off when the caller names the function to run itself.
  bool requireRunnable = true;
  // Host-import kinds are checked against the opcodes (sync vs async) always;
  // this only names the file for diagnostics.
  std::string fileName;
  // When set, receives per function the operand-stack depth the analysis
  // proved at each pc (-1 where no path reaches it).
  std::vector<std::vector<int32_t>>* depths = nullptr;
};

// Checks every rule of the contract (section 3 item 2) and collects every
// error (ErrorCode::VerificationFailed, one Diagnostic each, with function,
// pc and line when known). On success fills Function::maxStack.
Status verifyProgram(Program& program, const VerifyOptions& options = {});

}  // namespace brainvm

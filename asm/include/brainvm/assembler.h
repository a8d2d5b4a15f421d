// The .bvasm assembler and the disassembler (see docs/bvasm.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "brainvm/program.h"
#include "brainvm/result.h"

namespace brainvm {

struct AssembleOptions {
  // Name used in diagnostics and, unless `.source` overrides it, recorded as
  // the debug-info source name.
  std::string fileName = "<input>";
  // Record debug info (source name, line per instruction, local names).
  bool debugInfo = true;
  // Hostile-input limits.
  uint64_t maxInputBytes = 64ull << 20;
  uint32_t maxErrors = 100;
};

// Assembles .bvasm text into a Program. Every error in the text is reported
// (ErrorCode::AssemblyError, one Diagnostic per error with file, line,
// column, token length and source line). Does not run the verifier.
Result<Program> assemble(std::string_view text,
                         const AssembleOptions& options = {});

// Renders a program as .bvasm text that reassembles to the identical image.
std::string disassemble(const Program& program);

// One instruction for people (debuggers, tools): its mnemonic and operands
// as names and literals where the program has them ("push_const \"hi\"",
// "load_local count", "call twice", "jmp_if_false -> 12" with the target
// pc); numbers where it does not. Never fails: out-of-range operands show as
// numbers.
std::string formatInstruction(const Program& program, uint32_t function,
                              uint32_t pc);

// Renders a diagnostic like a compiler: the format() line, then the source
// line and a caret line ("^~~~") under the offending token.
std::string formatDiagnosticWithCaret(const Diagnostic& diagnostic);

}  // namespace brainvm

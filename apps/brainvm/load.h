// Loading a program for the brainvm command: `.bvasm` text is assembled,
// `.bvm` images are read. Images are recognised by their content (the magic
// number), and also by a `.bvm` extension so that a damaged image reports an
// image error rather than assembly errors.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "brainvm/program.h"
#include "brainvm/result.h"

namespace brainvm::cli {

struct ProgramInput {
  int exitCode = 0;  // kExitOk or kExitDataError
  std::optional<Program> program;
  bool fromImage = false;
};

// `name` is the file name used in diagnostics and debug info. Errors are
// appended to `diagnostics`, one per line (assembly errors with the source
// line and a caret).
ProgramInput loadProgram(const std::string& name, std::string_view bytes,
                          std::string& diagnostics);

// Reads `inputPath` (- = stdin), loads it as above and verifies it: what
// `asm` and `verify` start with. On failure exitCode says why (66, 65).
ProgramInput loadVerifiedProgram(const std::string& inputPath,
                                 std::string& diagnostics);

// Formats every diagnostic of an error, assembly errors with a caret line.
std::string formatError(const Error& error);

}  // namespace brainvm::cli

// The brainvm command line: builds the CLI11 app with every subcommand,
// parses, runs and maps errors to exit codes (docs/cli.md).
#pragma once

#include <string>
#include <vector>

namespace brainvm::cli {

// The whole command, as main() runs it. Returns the process exit code.
int cliMain(int argc, char** argv);

// The program version printed by --version.
inline constexpr const char* kVersionString = "brainvm 0.1.0";

}  // namespace brainvm::cli

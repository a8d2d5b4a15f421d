// `brainvm debug`: a line-oriented debugger with gdb's command names and
// short forms, reading commands from a terminal, a file or a pipe (so a CI
// script can drive it) and writing to an output stream.
#pragma once

#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "debug_session.h"
#include "run_command.h"

namespace CLI {
class App;
}

namespace brainvm::cli {

// Registers the `debug` subcommand; its exit code is stored in `exitCode`.
void addDebugCommand(CLI::App& app, int& exitCode);

// Runs a debugging session of `path` with `brainvm run` options, reading
// commands from `in` (a prompt is written when `interactive`). Returns the
// exit code: the last run's (as `brainvm run` would), 0 if none finished,
// or a load error's.
int runDebugConsole(const std::string& path, const RunCliOptions& options,
                    std::istream& in, std::ostream& out, std::ostream& err,
                    bool interactive);

}  // namespace brainvm::cli

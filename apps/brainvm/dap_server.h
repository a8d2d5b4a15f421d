// `brainvm dap`: a Debug Adapter Protocol server for one program, speaking
// over stdin/stdout, on the debugger engine of debug_session.h
// (docs/debugging.md).
#pragma once

namespace CLI {
class App;
}

namespace brainvm::cli {

// Registers the `dap` subcommand; its exit code is stored in `exitCode`.
void addDapCommand(CLI::App& app, int& exitCode);

// Serves one session: requests read from `inFd`, messages written to
// `outFd`, until `disconnect` or the end of the input. Returns 0.
int runDapServer(int inFd, int outFd);

}  // namespace brainvm::cli

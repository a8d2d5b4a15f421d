// Subcommand registration. Each add*Command adds one subcommand to the app;
// when it runs, its exit code is stored in `exitCode`.
#pragma once

namespace CLI {
class App;
}

namespace brainvm::cli {

void addAsmCommand(CLI::App& app, int& exitCode);
void addDisasmCommand(CLI::App& app, int& exitCode);
void addVerifyCommand(CLI::App& app, int& exitCode);
void addStateCommand(CLI::App& app, int& exitCode);
// addRunCommand is declared in run_command.h.

}  // namespace brainvm::cli

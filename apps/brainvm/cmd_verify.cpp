// `brainvm verify IN`: load (text or image) and verify.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "brainvm/builtins.h"
#include "brainvm/host.h"
#include "brainvm/loaded_program.h"
#include "brainvm/verifier.h"
#include "commands.h"
#include "exit_codes.h"
#include "io.h"
#include "load.h"

namespace brainvm::cli {

namespace {

int runVerify(const std::string& input, std::string& diagnostics) {
  ProgramInput loaded = loadVerifiedProgram(input, diagnostics);
  if (loaded.exitCode != kExitOk) return loaded.exitCode;
  const Program& program = *loaded.program;
  const std::string name = displayName(input);
  // The imports must be in the built-in library with the same kind (what
  // `brainvm run` links against).
  BuiltinHost builtins;
  HostRegistry registry;
  if (Status s = builtins.registerInto(registry); !s) {
    diagnostics += formatError(s.error());
    return kExitFault;
  }
  if (Status linked = checkImports(program, registry, name); !linked) {
    diagnostics += formatError(linked.error());
    return kExitDataError;
  }
  size_t instructions = 0;
  for (const Function& f : program.functions) instructions += f.code.size();
  return writeOutput("-",
                     "ok: " + std::to_string(program.functions.size()) +
                         " functions, " + std::to_string(instructions) +
                         " instructions\n",
                     diagnostics);
}

}  // namespace

void addVerifyCommand(CLI::App& app, int& exitCode) {
  auto input = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand(
      "verify", "Check a program (.bvasm or .bvm) without running it");
  sub->add_option("IN", *input, "Program (- = stdin)")->required();
  sub->footer(
      "Example:\n  brainvm verify prog.bvm   # ok: 3 functions, 41 "
      "instructions");
  sub->callback([input, &exitCode] {
    std::string diagnostics;
    exitCode = runVerify(*input, diagnostics);
    std::cerr << diagnostics << std::flush;
  });
}

}  // namespace brainvm::cli

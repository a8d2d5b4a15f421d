// `brainvm disasm IN.bvm [-o OUT.bvasm]`: an image (or text) as .bvasm.
#include <CLI/CLI.hpp>
#include <memory>

#include "brainvm/assembler.h"
#include "commands.h"
#include "exit_codes.h"
#include "io.h"
#include "load.h"

namespace brainvm::cli {

namespace {

struct DisasmArgs {
  std::string input;
  std::string output = "-";
};

int runDisasm(const DisasmArgs& args, std::string& diagnostics) {
  std::string bytes;
  int rc = readInput(args.input, bytes, diagnostics);
  if (rc != kExitOk) return rc;
  ProgramInput loaded =
      loadProgram(displayName(args.input), bytes, diagnostics);
  if (loaded.exitCode != kExitOk) return loaded.exitCode;
  return writeOutput(args.output, disassemble(*loaded.program), diagnostics);
}

}  // namespace

void addDisasmCommand(CLI::App& app, int& exitCode) {
  auto args = std::make_shared<DisasmArgs>();
  CLI::App* sub = app.add_subcommand("disasm", "Print an image as .bvasm text");
  sub->add_option("IN", args->input, "Image (- = stdin)")->required();
  sub->add_option("-o,--output", args->output, "Text file (- = stdout)")
      ->type_name("OUT.bvasm")
      ->capture_default_str();
  sub->footer(
      "Examples:\n"
      "  brainvm disasm prog.bvm\n"
      "  brainvm disasm prog.bvm -o prog.bvasm && brainvm asm prog.bvasm");
  sub->callback([args, &exitCode] {
    exitCode = runWithDiagnostics([&args](std::string& diagnostics) {
      return runDisasm(*args, diagnostics);
    });
  });
}

}  // namespace brainvm::cli

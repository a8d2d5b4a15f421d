// `brainvm asm IN.bvasm [-o OUT.bvm] [--strip]`: assemble, verify, write the
// image.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <memory>

#include "brainvm/image.h"
#include "brainvm/verifier.h"
#include "commands.h"
#include "exit_codes.h"
#include "io.h"
#include "load.h"

namespace brainvm::cli {

namespace {

struct AsmArgs {
  std::string input;
  std::string output;
  bool strip = false;
};

std::string defaultOutput(const std::string& input) {
  if (input == "-") return "-";
  std::filesystem::path p(input);
  p.replace_extension(".bvm");
  return p.string();
}

int runAsm(const AsmArgs& args, std::string& diagnostics) {
  ProgramInput loaded = loadVerifiedProgram(args.input, diagnostics);
  if (loaded.exitCode != kExitOk) return loaded.exitCode;
  Program& program = *loaded.program;
  if (args.strip) program.stripDebugInfo();
  std::vector<uint8_t> bytes = writeImage(program);
  std::string out =
      args.output.empty() ? defaultOutput(args.input) : args.output;
  if (out == args.input && out != "-") {
    diagnostics += "error: output '" + out + "' would overwrite the input\n";
    return kExitUsage;
  }
  spdlog::info("asm {}: {} functions, {} bytes -> {}", displayName(args.input),
               program.functions.size(), bytes.size(), out);
  return writeOutput(
      out,
      std::string_view(reinterpret_cast<const char*>(bytes.data()),
                       bytes.size()),
      diagnostics);
}

}  // namespace

void addAsmCommand(CLI::App& app, int& exitCode) {
  auto args = std::make_shared<AsmArgs>();
  CLI::App* sub = app.add_subcommand(
      "asm", "Assemble and verify .bvasm text into a .bvm image");
  sub->add_option("IN", args->input, "Source text (- = stdin)")->required();
  sub->add_option("-o,--output", args->output,
                  "Image file (default: IN with .bvm; - = stdout)")
      ->type_name("OUT.bvm");
  sub->add_flag("--strip", args->strip, "Leave out the debug info");
  sub->footer(
      "Examples:\n"
      "  brainvm asm prog.bvasm                 # writes prog.bvm\n"
      "  brainvm asm prog.bvasm --strip -o small.bvm\n"
      "  cat prog.bvasm | brainvm asm - -o - > prog.bvm");
  sub->callback([args, &exitCode] {
    exitCode = runWithDiagnostics([&args](std::string& diagnostics) {
      return runAsm(*args, diagnostics);
    });
  });
}

}  // namespace brainvm::cli

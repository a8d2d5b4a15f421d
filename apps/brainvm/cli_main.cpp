#include "cli_main.h"

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "cmd_test.h"
#include "dap_server.h"
#include "debug_console.h"
#include "commands.h"
#include "exit_codes.h"
#include "logging.h"
#include "run_command.h"

namespace brainvm::cli {

namespace {

const char* kFooter =
    "Examples:\n"
    "  brainvm run samples/hello.bvasm --pretty\n"
    "  brainvm run prog.bvasm --ticks 5 --var limit=3 --trace trace.jsonl\n"
    "  brainvm asm prog.bvasm -o prog.bvm && brainvm run prog.bvm\n"
    "  brainvm disasm prog.bvm\n"
    "  brainvm verify prog.bvasm\n"
    "\n"
    "Exit codes: 0 ok, 64 usage, 65 bad program, 66 unreadable input,\n"
    "70 fault or instruction limit, 74 unwritable output.\n"
    "Logs go to stderr; -v/-q or BRAINVM_LOG=debug|info|warn|error|off.\n"
    "See docs/cli.md.\n";

}  // namespace

int cliMain(int argc, char** argv) {
  setupLogging();
  CLI::App app("brainvm: a stack VM with fibers for brain programs", "brainvm");
  app.set_version_flag("--version", kVersionString);
  app.footer(kFooter);
  app.require_subcommand(1);
  int verbosity = 0;
  bool quiet = false;
  app.add_flag("-v,--verbose", verbosity, "More log output (repeatable)");
  app.add_flag("-q,--quiet", quiet, "Only log errors");
  app.parse_complete_callback(
      [&verbosity, &quiet] { applyVerbosity(verbosity, quiet); });

  int exitCode = kExitOk;
  addAsmCommand(app, exitCode);
  addDisasmCommand(app, exitCode);
  addVerifyCommand(app, exitCode);
  addRunCommand(app, exitCode);
  addTestCommand(app, exitCode);
  addDebugCommand(app, exitCode);
  addStateCommand(app, exitCode);
  addDapCommand(app, exitCode);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);  // prints help/version to stdout, errors to stderr
    return rc == 0 ? kExitOk : kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "brainvm: internal error: " << e.what() << '\n';
    return kExitFault;
  }
  return exitCode;
}

}  // namespace brainvm::cli

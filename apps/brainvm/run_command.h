// `brainvm run`: option definitions shared by the command line and by
// in-process callers (the test runner), and the in-process entry point.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "brainvm/runner.h"
#include "run_inputs.h"
#include "run_tools.h"

namespace CLI {
class App;
}

namespace brainvm::cli {

// Every option of `brainvm run` (docs/cli.md).
struct RunCliOptions {
  uint64_t ticks = 1000;
  uint32_t budget = 1000;
  uint32_t maxFibersPerTick = 64;
  double dtMs = 16;
  uint64_t seed = 0;
  std::vector<std::string> vars;  // NAME=JSON, in command-line order
  std::string varsFile;           // --vars FILE.json ("" = none)
  std::vector<std::string> env;   // NAME=JSON
  std::string entry;              // "" = the program's entry
  uint64_t maxInstructions = 0;   // 0 = unlimited
  uint64_t maxMemory = 0;         // 0 = the runtime default
  std::string trace;              // "" = no trace; "-" = stdout
  bool echo = false;
  bool pretty = false;
  std::string output = "-";
  RunToolOptions tools;  // --coverage, --profile...
  std::string saveState;  // --save-state FILE ("" = none)
  std::string loadState;  // --load-state FILE ("" = none)
  // Options given on the command line (not defaults), by name: with
  // --load-state, those that shape execution must agree with the state.
  std::vector<std::string> given;
};

// Fills RunCliOptions::given from a parsed app (addRunOptions' options).
void noteGivenOptions(const CLI::App& app, RunCliOptions& options);

// Adds the options (not the input positional) to `app`.
void addRunOptions(CLI::App& app, RunCliOptions& options);

// Registers the `run` subcommand; its exit code is stored in `exitCode`.
void addRunCommand(CLI::App& app, int& exitCode);

struct RunInvocation {
  int exitCode = 0;
  bool hasReport = false;  // false if the run failed
  // The report as `brainvm run` prints it, with a newline (empty when it
  // went to a sink instead).
  std::string reportText;
  bool reportSinkFailed = false;  // a ReportSink returned false
  std::string diagnostics;        // what `brainvm run` would print on stderr
};

// Runs a program in-process as `brainvm run inputPath runArgs... --pretty`
// would, returning the report text instead of printing it (indented: the
// form `brainvm test` stores in NAME.expected.json files). `sourceText`,
// when not empty, is used instead of reading `inputPath` (which then only
// names the input in diagnostics). `runArgs` are parsed with the same
// definitions as `brainvm run` (e.g. {"--ticks", "5", "--var", "limit=3"});
// `-o`, `--pretty` and `--echo` are accepted and ignored, `--trace` is
// honoured. `instructionLimit` (0 = none) caps the run's instructions on
// top of any --max-instructions. Never throws.
// With `coverage`, the run's coverage is added there (brainvm test
// --coverage).
RunInvocation runInProcess(const std::string& inputPath,
                           std::string_view sourceText,
                           const std::vector<std::string>& runArgs,
                           uint64_t instructionLimit,
                           SharedCoverage* coverage = nullptr);

// The RunOptions `brainvm run` makes of `options` for `program` (named
// `name` in messages): sizes, limits, the entry, and a setup step that
// applies `inputs` (collectRunInputs; its error, if any, lands in
// `setupError`: a usage error). Returns kExitOk, or the exit code of a
// usage problem (message on `diagnostics`).
int prepareRun(const RunCliOptions& options, const std::string& name,
               const Program& program, uint64_t instructionLimit,
               std::shared_ptr<const RunInputs> inputs, RunOptions& out,
               std::shared_ptr<std::string>& setupError,
               std::string& diagnostics);

// The shared implementation. `sourceText` as above. The report is indented
// as `options.pretty` says. With `echoToStderr`, printed lines are written
// to stderr as they happen (`--echo`). With a `sink`, the report text goes
// to the sink in chunks as it is written instead of into `reportText`.
RunInvocation executeRun(
    const RunCliOptions& options, const std::string& inputPath,
    std::string_view sourceText, uint64_t instructionLimit, bool echoToStderr,
    const std::function<bool(std::string_view)>* sink = nullptr,
    SharedCoverage* coverage = nullptr);

}  // namespace brainvm::cli

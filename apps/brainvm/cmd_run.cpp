// `brainvm run IN [options]`: runs a program with brainvm::Runner and prints
// the JSON report.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <utility>

#include "brainvm/runner.h"
#include "exit_codes.h"
#include "io.h"
#include "load.h"
#include "report_writer.h"
#include "run_command.h"
#include "run_inputs.h"
#include "run_state.h"
#include "trace_writer.h"

namespace brainvm::cli {

namespace {

// Digits only, within [min, max]: CLI11 would otherwise accept "-3" for an
// unsigned option and wrap it around.
CLI::Validator unsignedInteger(uint64_t min = 0, uint64_t max = UINT64_MAX) {
  return CLI::Validator(
      [min, max](std::string& s) -> std::string {
        uint64_t v = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (s.empty() || ec != std::errc() || end != s.data() + s.size())
          return "expected a non-negative integer, got '" + s + "'";
        if (v < min || v > max)
          return "value " + s + " not in [" + std::to_string(min) + ", " +
                 std::to_string(max) + "]";
        return {};
      },
      "", "unsigned integer");
}

// A finite decimal >= 0.
CLI::Validator nonNegativeNumber() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        char* end = nullptr;
        double d = std::strtod(s.c_str(), &end);
        if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(d) ||
            d < 0)
          return "expected a non-negative number, got '" + s + "'";
        return {};
      },
      "", "non-negative number");
}

}  // namespace

void addRunOptions(CLI::App& app, RunCliOptions& o) {
  app.add_option("--ticks", o.ticks, "Stop after N ticks (status \"ticks\")")
      ->check(unsignedInteger(1))
      ->capture_default_str();
  app.add_option("--budget", o.budget, "Instructions per fiber slice")
      ->check(unsignedInteger(1, UINT32_MAX))
      ->capture_default_str();
  app.add_option("--max-fibers-per-tick", o.maxFibersPerTick,
                 "Fiber slices per scheduler tick")
      ->check(unsignedInteger(1, UINT32_MAX))
      ->capture_default_str();
  app.add_option("--dt", o.dtMs,
                 "Milliseconds per tick (the clock `now` reads)")
      ->check(nonNegativeNumber())
      ->capture_default_str();
  app.add_option("--seed", o.seed, "Seed of `random` and `random_int`")
      ->check(unsignedInteger())
      ->capture_default_str();
  app.add_option("--var", o.vars,
                 "Set a shared variable (NAME=JSON; repeatable)")
      ->allow_extra_args(false)
      ->type_name("NAME=JSON");
  app.add_option("--vars", o.varsFile,
                 "Set shared variables from a JSON object file (- = stdin)")
      ->type_name("FILE.json");
  app.add_option("--env", o.env,
                 "Set a host-environment variable (NAME=JSON; repeatable)")
      ->allow_extra_args(false)
      ->type_name("NAME=JSON");
  app.add_option("--entry", o.entry, "Run this function as fiber 1")
      ->type_name("NAME");
  app.add_option("--max-instructions", o.maxInstructions,
                 "End the run after N instructions (status \"limit\")")
      ->check(unsignedInteger());
  app.add_option("--max-memory", o.maxMemory,
                 "Heap cap for lists, maps, structs and strings")
      ->check(unsignedInteger())
      ->type_name("BYTES");
  app.add_option("--trace", o.trace,
                 "Write scheduler events as JSON lines (- = stdout)")
      ->type_name("FILE");
  app.add_option("--coverage", o.tools.coverage,
                 "Write line, function and branch coverage (lcov tracefile)")
      ->type_name("FILE");
  app.add_option("--profile", o.tools.profile,
                 "Write instructions executed per call stack (folded stacks)")
      ->type_name("FILE");
  app.add_option("--profile-format", o.tools.profileFormat,
                 "Format of --profile and --profile-host-time")
      ->check(CLI::IsMember({"folded", "speedscope"}))
      ->capture_default_str();
  app.add_option("--profile-host-time", o.tools.profileHostTime,
                 "Write nanoseconds spent in host functions per call stack")
      ->type_name("FILE");
  app.add_option("--profile-top", o.tools.profileTop,
                 "Print the N functions with the most instructions to stderr")
      ->check(unsignedInteger(1, UINT32_MAX))
      ->type_name("N");
  app.add_option("--save-state", o.saveState,
                 "After the run, save its whole state to FILE")
      ->type_name("FILE");
  app.add_option("--load-state", o.loadState,
                 "Go on from a saved state: --ticks more ticks")
      ->type_name("FILE");
  app.add_flag("--echo", o.echo, "Also write printed lines to stderr");
  app.add_flag("--pretty", o.pretty, "Indent the report");
  app.add_option("-o,--output", o.output, "Write the report here (- = stdout)")
      ->type_name("OUT.json")
      ->capture_default_str();
}

void addRunCommand(CLI::App& app, int& exitCode) {
  struct State {
    RunCliOptions options;
    std::string input;
  };
  auto state = std::make_shared<State>();
  CLI::App* sub = app.add_subcommand(
      "run", "Run a program (.bvasm or .bvm) and print the JSON report");
  sub->add_option("IN", state->input, "Program to run (- = stdin)")->required();
  addRunOptions(*sub, state->options);
  sub->footer(
      "Examples:\n"
      "  brainvm run samples/hello.bvasm --pretty\n"
      "  brainvm run prog.bvm --ticks 5 --var limit=3 --env 'cfg={\"k\": 1}'\n"
      "  brainvm run prog.bvasm --trace trace.jsonl -o report.json");
  sub->callback([state, sub, &exitCode] {
    noteGivenOptions(*sub, state->options);
    const RunCliOptions& o = state->options;
    // The report is written as it is produced (a run with many fibers has
    // a large one).
    ChunkedOutput output(o.output);
    const ReportSink sink = [&output](std::string_view piece) {
      return output.write(piece);
    };
    RunInvocation inv = executeRun(o, state->input, {}, 0, o.echo, &sink);
    std::cerr << inv.diagnostics << std::flush;
    int rc = inv.exitCode;
    if (inv.hasReport) {
      std::string diag;
      int wrc = output.finish(diag);
      std::cerr << diag << std::flush;
      if (wrc != kExitOk) rc = wrc;
    }
    exitCode = rc;
  });
}

int prepareRun(const RunCliOptions& o, const std::string& name,
               const Program& program, uint64_t instructionLimit,
               std::shared_ptr<const RunInputs> inputs, RunOptions& options,
               std::shared_ptr<std::string>& setupError,
               std::string& diagnostics) {
  options.maxTicks = o.ticks;
  options.dtMs = o.dtMs;
  options.seed = o.seed;
  options.runtime.defaultBudget = o.budget;
  options.runtime.maxFibersPerTick = o.maxFibersPerTick;
  uint64_t limit = o.maxInstructions;
  if (instructionLimit != 0)
    limit = limit == 0 ? instructionLimit : std::min(limit, instructionLimit);
  options.runtime.maxInstructions = limit;
  if (o.maxMemory != 0) options.runtime.maxHeapBytes = o.maxMemory;
  if (!o.entry.empty()) {
    std::optional<uint32_t> entry = program.findFunction(o.entry);
    std::string problem;
    if (!entry)
      problem = "no function named '" + o.entry + "' in " + name;
    else if (program.functions[*entry].numParams != 0)
      problem = "function '" + o.entry +
                "' takes parameters; an entry function takes none";
    if (!problem.empty()) {
      diagnostics += "error: --entry: " + problem + "\n";
      return kExitUsage;
    }
    options.entry = o.entry;
  }
  setupError = std::make_shared<std::string>();
  options.setup = [inputs, setupError](Runtime& rt) -> Status {
    Status s = applyRunInputs(*inputs, rt);
    if (!s.ok()) *setupError = s.error().message();
    return s;
  };
  return kExitOk;
}

RunInvocation executeRun(const RunCliOptions& o, const std::string& inputPath,
                         std::string_view sourceText, uint64_t instructionLimit,
                         bool echoToStderr, const ReportSink* sink,
                         SharedCoverage* coverage) {
  RunInvocation inv;
  const std::string name = displayName(inputPath);

  // Inputs first: usage errors win over program errors.
  auto inputs = std::make_shared<RunInputs>();
  inv.exitCode =
      collectRunInputs(o.vars, o.varsFile, o.env, *inputs, inv.diagnostics);
  if (inv.exitCode != kExitOk) return inv;
  std::string text;
  if (sourceText.empty()) {
    inv.exitCode = readInput(inputPath, text, inv.diagnostics);
    if (inv.exitCode != kExitOk) return inv;
    sourceText = text;
  }
  ProgramInput loaded = loadProgram(name, sourceText, inv.diagnostics);
  if (loaded.exitCode != kExitOk) {
    inv.exitCode = loaded.exitCode;
    return inv;
  }
  Program& program = *loaded.program;

  RunOptions options;
  std::shared_ptr<std::string> setupError;
  inv.exitCode = prepareRun(o, name, program, instructionLimit, inputs,
                            options, setupError, inv.diagnostics);
  if (inv.exitCode != kExitOk) return inv;
  if (echoToStderr) {
    options.echo = [](std::string_view line) {
      std::cerr << line << '\n' << std::flush;
    };
  }

  // --trace: a file, or stdout for "-".
  std::ofstream traceFile;
  std::unique_ptr<TraceWriter> trace;
  if (!o.trace.empty()) {
    std::ostream* traceOut = &std::cout;
    if (o.trace != "-") {
      traceFile.open(o.trace, std::ios::binary | std::ios::trunc);
      if (!traceFile) {
        inv.diagnostics += "error: cannot write '" + o.trace + "'\n";
        inv.exitCode = kExitIoError;
        return inv;
      }
      traceOut = &traceFile;
    }
    trace = std::make_unique<TraceWriter>(program, *traceOut);
    options.observer = trace.get();
    TraceWriter* tw = trace.get();
    options.onTick = [tw](Runtime&, uint64_t tick) {
      tw->onTickStart(tick);
      return true;
    };
  }

  spdlog::debug("run {}: {} functions, ticks {}, budget {}, seed {}", name,
                program.functions.size(), o.ticks, o.budget, o.seed);
  std::unique_ptr<Runner> runnerOwner;
  if (!o.loadState.empty()) {
    // The runtime config comes from the state: load with room for any.
    LoadOptions lo;
    lo.maxStackSize = UINT32_MAX;
    lo.requireRunnable = false;
    auto loadedProgram = LoadedProgram::load(std::move(program), lo);
    if (!loadedProgram) {
      inv.diagnostics += formatError(loadedProgram.error());
      inv.exitCode = exitCodeFor(loadedProgram.error().code);
      return inv;
    }
    runnerOwner = resumeRun(o, std::move(loadedProgram.value()),
                            std::move(options), inv.diagnostics, inv.exitCode);
    if (!runnerOwner) return inv;
  } else {
    Result<std::unique_ptr<Runner>> created =
        Runner::create(std::move(program), std::move(options));
    if (!created.ok()) {
      inv.diagnostics += formatError(created.error());
      inv.exitCode =
          setupError->empty() ? exitCodeFor(created.error().code) : kExitUsage;
      return inv;
    }
    runnerOwner = std::move(created.value());
  }
  Runner& runner = *runnerOwner;
  RunTools tools(o.tools, coverage);
  if (tools.active()) {
    if (Status s = tools.attach(runner.runtime()); !s) {
      inv.diagnostics += formatError(s.error());
      inv.exitCode = kExitFault;
      return inv;
    }
  }
  // The fiber records are written as they are read, never held all at once.
  Result<RunReport> ran = runner.run(ReportFibers::Omitted);
  if (!ran.ok()) {
    inv.diagnostics += formatError(ran.error());
    inv.exitCode =
        setupError->empty() ? exitCodeFor(ran.error().code) : kExitUsage;
    return inv;
  }
  const RunReport& report = ran.value();
  inv.hasReport = true;
  const FiberRecordSource fibers =
      [&runner](const std::function<void(const FiberRecord&)>& visit) {
        runner.forEachFiberRecord(visit);
      };
  if (sink)
    inv.reportSinkFailed = !writeReportJson(
        report, runner.runtime().program(), o.pretty, *sink, &fibers);
  else
    writeReportJson(report, runner.runtime().program(), o.pretty,
                    inv.reportText, &fibers);
  inv.exitCode = (report.faulted || report.status == RunOutcome::Limit)
                     ? kExitFault
                     : kExitOk;
  spdlog::debug("run {}: status {}, {} ticks, {} instructions", name,
                runOutcomeName(report.status), report.ticks,
                report.instructions);

  if (tools.active()) {
    const int rc = tools.finish(runner.runtime().program(), name,
                                inv.diagnostics);
    if (rc != kExitOk) inv.exitCode = rc;
  }
  if (!o.saveState.empty()) {
    const int rc = saveRun(o, runner, inv.diagnostics);
    if (rc != kExitOk) inv.exitCode = rc;
  }
  if (trace) {
    std::ostream& out = o.trace == "-" ? std::cout : traceFile;
    out.flush();
    if (!trace->good() || !out) {
      inv.diagnostics += "error: cannot write trace '" + o.trace + "'\n";
      inv.exitCode = kExitIoError;
    }
  }
  return inv;
}

RunInvocation runInProcess(const std::string& inputPath,
                           std::string_view sourceText,
                           const std::vector<std::string>& runArgs,
                           uint64_t instructionLimit,
                           SharedCoverage* coverage) {
  RunInvocation inv;
  RunCliOptions options;
  CLI::App app("brainvm run (in-process)", "run");
  addRunOptions(app, options);
  std::vector<std::string> reversed(runArgs.rbegin(), runArgs.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    inv.exitCode = kExitUsage;
    inv.diagnostics = std::string("error: ") + e.what() + "\n";
    return inv;
  } catch (const std::exception& e) {
    inv.exitCode = kExitUsage;
    inv.diagnostics = std::string("error: ") + e.what() + "\n";
    return inv;
  }
  options.pretty = true;  // the form NAME.expected.json files hold
  noteGivenOptions(app, options);
  try {
    return executeRun(options, inputPath, sourceText, instructionLimit, false,
                      nullptr, coverage);
  } catch (const std::exception& e) {
    inv.exitCode = kExitFault;
    inv.diagnostics = std::string("error: internal: ") + e.what() + "\n";
    return inv;
  }
}

}  // namespace brainvm::cli

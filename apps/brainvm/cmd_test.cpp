#include "cmd_test.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <regex>
#include <thread>

#include "exit_codes.h"
#include "io.h"
#include "junit_writer.h"
#include "test_runner.h"

namespace brainvm::cli {

namespace {

using namespace testrun;

const char* envOrNull(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

// --shard, else TEST_SHARD_INDEX / TEST_TOTAL_SHARDS (Bazel's protocol).
bool resolveShard(const TestCliOptions& o, ShardSpec& shard,
                  std::string& error) {
  if (!o.shard.empty()) {
    auto s = parseShard(o.shard, error);
    if (!s) {
      error = "--shard: " + error;
      return false;
    }
    shard = *s;
    return true;
  }
  const char* index = envOrNull("TEST_SHARD_INDEX");
  const char* total = envOrNull("TEST_TOTAL_SHARDS");
  if (index == nullptr && total == nullptr) return true;
  if (index == nullptr || total == nullptr) {
    error = "TEST_SHARD_INDEX and TEST_TOTAL_SHARDS must be set together";
    return false;
  }
  auto s = parseShard(std::string(index) + "/" + total, error);
  if (!s) {
    error = "TEST_SHARD_INDEX/TEST_TOTAL_SHARDS: " + error;
    return false;
  }
  shard = *s;
  return true;
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

int runTestCommand(const TestCliOptions& o, bool& abandonedThreads) {
  abandonedThreads = false;
  const auto started = std::chrono::steady_clock::now();

  // Usage checks first.
  ShardSpec shard;
  std::string error;
  if (!resolveShard(o, shard, error)) {
    std::cerr << "error: " << error << '\n';
    return kExitUsage;
  }
  std::optional<std::regex> filter;
  if (!o.filter.empty()) {
    try {
      filter.emplace(o.filter, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      std::cerr << "error: --filter: invalid regular expression '" << o.filter
                << "': " << e.what() << '\n';
      return kExitUsage;
    }
  }
  if (o.update && o.updateAll) {
    std::cerr << "error: --update and --update-all exclude each other\n";
    return kExitUsage;
  }
  if (!(o.timeoutSeconds >= 0)) {
    std::cerr << "error: --timeout must be >= 0\n";
    return kExitUsage;
  }

  // Bazel: touching the status file says that this runner shards.
  if (const char* statusFile = envOrNull("TEST_SHARD_STATUS_FILE")) {
    std::ofstream touch(statusFile, std::ios::app);
    if (!touch)
      spdlog::warn("cannot write TEST_SHARD_STATUS_FILE {}", statusFile);
  }

  Discovery found = discoverTests(o.paths);
  if (!found.errors.empty()) {
    for (const std::string& e : found.errors)
      std::cerr << "error: " << e << '\n';
    return kExitUsage;
  }
  if (found.tests.empty())
    spdlog::warn("no .bvasm programs found under the given paths");

  std::vector<TestCase> tests;
  size_t filtered = 0;
  for (TestCase& t : found.tests) {
    if (filter && !std::regex_search(t.relPath, *filter)) continue;
    if (inShard(filtered++, shard)) tests.push_back(std::move(t));
  }
  spdlog::info("{} programs found, {} after --filter, {} in shard {}/{}",
               found.tests.size(), filtered, tests.size(), shard.index,
               shard.total);

  RunAllOptions run;
  run.jobs =
      o.jobs != 0 ? o.jobs : std::max(1u, std::thread::hardware_concurrency());
  run.test.maxInstructions = o.maxInstructionsPerTest;
  run.test.timeoutSeconds = o.timeoutSeconds;
  run.test.update = o.updateAll ? UpdateMode::All
                    : o.update  ? UpdateMode::Existing
                                : UpdateMode::None;
  run.test.reportsDir = o.reports;
  // Shared by the worker threads; a test abandoned after a time-out may
  // still hold it, so it is then left to the end of the process.
  auto coverage =
      o.coverage.empty() ? nullptr : std::make_unique<SharedCoverage>();
  run.test.coverage = coverage.get();

  const bool progress = isatty(fileno(stderr)) != 0;
  bool progressShown = false;
  auto clearProgress = [&] {
    if (progressShown) {
      std::cerr << "\r\033[K" << std::flush;
      progressShown = false;
    }
  };
  run.onResult = [&](size_t index, const TestOutcome& outcome) {
    clearProgress();
    const TestCase& t = tests[index];
    std::string text = (outcome.passed ? "PASS " : "FAIL ") + t.path;
    if (outcome.updated)
      text += " (updated " +
              std::filesystem::path(expectedReportPath(t.path))
                  .filename()
                  .string() +
              ")";
    text += '\n';
    for (const std::string& block : outcome.failures) {
      size_t pos = 0;
      while (pos < block.size()) {
        size_t end = block.find('\n', pos);
        if (end == std::string::npos) end = block.size();
        text += "    ";
        text.append(block, pos, end - pos);
        text += '\n';
        pos = end + 1;
      }
    }
    std::cout << text << std::flush;
  };
  if (progress) {
    run.onProgress = [&](size_t finished, size_t total) {
      if (finished >= total) {
        clearProgress();
        return;
      }
      std::cerr << "\r[" << finished << "/" << total << "] running..."
                << std::flush;
      progressShown = true;
    };
  }

  RunAllResult result = runTests(tests, run);
  clearProgress();
  std::cout << result.passed << " passed, " << result.failed << " failed\n"
            << std::flush;
  int rc = result.failed == 0 ? kExitOk : kExitTestFailed;

  if (!o.junit.empty()) {
    std::vector<JUnitCase> cases;
    cases.reserve(tests.size());
    for (size_t i = 0; i < tests.size(); ++i) {
      const TestOutcome& out = result.outcomes[i];
      JUnitCase c;
      c.classname = tests[i].classname;
      c.name = tests[i].name;
      c.seconds = out.seconds;
      c.failed = !out.passed;
      if (c.failed) {
        for (const std::string& block : out.failures) c.failureBody += block;
        std::string first = out.failures.empty() ? "failed" : out.failures[0];
        c.failureMessage = first.substr(0, first.find('\n'));
      }
      cases.push_back(std::move(c));
    }
    double total = secondsSince(started);
    std::string diag;
    int wrc =
        writeOutput(o.junit, renderJUnit("brainvm test", cases, total), diag);
    std::cerr << diag << std::flush;
    if (wrc != kExitOk) rc = wrc;
  }
  if (coverage) {
    std::string diag;
    std::string text;
    {
      std::lock_guard<std::mutex> hold(coverage->lock);
      text = coverage->report.text();
      if (coverage->missingDebugInfo)
        diag += "warning: some programs have no debug info: their coverage "
                "has functions only\n";
    }
    const int wrc = writeOutput(o.coverage, text, diag);
    std::cerr << diag << std::flush;
    if (wrc != kExitOk) rc = wrc;
  }
  abandonedThreads = result.abandoned > 0;
  if (abandonedThreads) (void)coverage.release();
  return rc;
}

void addTestCommand(CLI::App& app, int& exitCode) {
  auto options = std::make_shared<TestCliOptions>();
  CLI::App* sub = app.add_subcommand(
      "test", "Run annotated .bvasm programs as regression tests");
  sub->add_option("PATH", options->paths,
                  "Programs, or directories searched recursively for *.bvasm")
      ->required();
  sub->add_option("-j,--jobs", options->jobs,
                  "Run N tests in parallel (default: the number of cores)");
  sub->add_flag("--update", options->update,
                "Rewrite the NAME.expected.json files that exist with the "
                "current reports");
  sub->add_flag("--update-all", options->updateAll,
                "Like --update, and create NAME.expected.json for every "
                "program that runs");
  sub->add_option("--junit", options->junit, "Write a JUnit XML report")
      ->type_name("FILE");
  sub->add_option("--reports", options->reports,
                  "Write each program's report to DIR/PATH.json")
      ->type_name("DIR");
  sub->add_option("--coverage", options->coverage,
                  "Write the suite's line, function and branch coverage "
                  "(lcov tracefile)")
      ->type_name("FILE");
  sub->add_option("--shard", options->shard,
                  "Run only shard K of N (0-based; default: "
                  "TEST_SHARD_INDEX/TEST_TOTAL_SHARDS)")
      ->type_name("K/N");
  sub->add_option("--filter", options->filter,
                  "Run only programs whose relative path matches REGEX")
      ->type_name("REGEX");
  sub->add_option("--max-instructions-per-test",
                  options->maxInstructionsPerTest,
                  "Instruction cap of each run (0 = none)")
      ->capture_default_str();
  sub->add_option("--timeout", options->timeoutSeconds,
                  "Wall-clock limit per test in seconds (0 = none)")
      ->capture_default_str();
  sub->footer(
      "Prints PASS/FAIL per program in path order, the differences of each\n"
      "failure, and a last line \"N passed, M failed\". Exit codes: 0 all\n"
      "passed, 1 a test failed, 64 usage error, 74 --junit not writable.\n"
      "See docs/testing.md.\n"
      "Examples:\n"
      "  brainvm test samples tests/golden -j 4\n"
      "  brainvm test samples --filter 'fiber' --junit results.xml\n"
      "  brainvm test samples tests/golden --reports build/reports\n"
      "  brainvm test tests --shard 0/4");
  sub->callback([options, &exitCode] {
    bool abandoned = false;
    int rc = runTestCommand(*options, abandoned);
    if (abandoned) {
      // A timed-out test's thread is still running: end the process without
      // waiting for it (and without destructors that it could race with).
      std::cout.flush();
      std::cerr.flush();
      std::fflush(nullptr);
      std::_Exit(rc);
    }
    exitCode = rc;
  });
}

}  // namespace brainvm::cli

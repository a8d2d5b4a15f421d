// `brainvm test`: discovery, sharding, running annotated programs in-process
// on worker threads, comparing their reports with the expectations and
// rendering the differences (docs/testing.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "run_command.h"
#include "test_annotations.h"

namespace brainvm::cli::testrun {

using Json = nlohmann::ordered_json;

// ---- discovery -------------------------------------------------------------

struct TestCase {
  std::string path;       // the file, as the argument named it (+ the part
                          // below a directory argument); shown in results
  std::string relPath;    // relative to the directory argument it was found
                          // under (a file argument: `path`); --filter target
  std::string classname;  // JUnit: the directory of `path` ("." if none)
  std::string name;       // JUnit: the file name
};

struct Discovery {
  std::vector<TestCase> tests;      // sorted by path, without duplicates
  std::vector<std::string> errors;  // e.g. "no such file or directory: x"
};

// Files are taken as given; directories are searched recursively for
// `*.bvasm` files. The result is sorted by `path` (byte order) and a file
// reached twice is listed once.
Discovery discoverTests(const std::vector<std::string>& paths);

// ---- sharding --------------------------------------------------------------

struct ShardSpec {
  uint64_t index = 0;  // 0-based, like TEST_SHARD_INDEX
  uint64_t total = 1;
};

// Parses "K/N" (0 <= K < N). Returns nullopt and sets `error` otherwise.
std::optional<ShardSpec> parseShard(std::string_view text, std::string& error);

// Whether the test at `sortedIndex` (its position after discovery and
// --filter) belongs to the shard: tests are dealt round-robin.
inline bool inShard(size_t sortedIndex, const ShardSpec& shard) {
  return shard.total <= 1 || sortedIndex % shard.total == shard.index;
}

// ---- comparing and rendering -----------------------------------------------

// Structural JSON equality: objects compare as key sets (member order is
// ignored), arrays element by element, numbers by value (42 == 42.0).
bool jsonEquivalent(const Json& expected, const Json& got);

struct JsonDifference {
  std::string path;      // JSONPath-like: $.fibers[1].state
  std::string expected;  // compact JSON, or "(absent)"
  std::string got;
};

// The first difference in document order (nullopt when equivalent).
std::optional<JsonDifference> firstJsonDifference(const Json& expected,
                                                  const Json& got);

// A line as shown in a diff: as is, or JSON-quoted if it has control
// characters or leading/trailing white space (which would be invisible).
std::string displayLine(std::string_view line);

// A unified diff ("--- expected", "+++ got", "@@ -a,b +c,d @@" hunks with
// `context` lines of context). Empty if the sequences are equal.
std::string unifiedDiff(const std::vector<std::string>& expected,
                        const std::vector<std::string>& got,
                        size_t context = 3);

// ---- running ---------------------------------------------------------------

enum class UpdateMode {
  None,
  Existing,  // --update: rewrite the .expected.json files that exist
  All,       // --update-all: also create one beside every program that runs
};

struct TestOptions {
  uint64_t maxInstructions = 10'000'000;  // per test; 0 = no cap
  double timeoutSeconds = 10;             // wall clock per test; 0 = none
  UpdateMode update = UpdateMode::None;
  std::string reportsDir;  // --reports: write each report below it ("": no)
  SharedCoverage* coverage = nullptr;  // --coverage: each run adds to it
};

struct TestOutcome {
  bool passed = false;
  // Why it failed: one block per problem, each a headline followed by
  // detail lines (diffs); rendered indented under "FAIL path".
  std::vector<std::string> failures;
  bool updated = false;  // its .expected.json was (re)written
  double seconds = 0;    // wall clock (JUnit only)
};

// NAME.expected.json for NAME.bvasm (any other name: NAME + .expected.json).
std::string expectedReportPath(const std::string& programPath);

// Where --reports DIR puts a program's report: DIR/PATH with .bvasm replaced
// by .json (any other name: + .json), PATH being the program's path as shown
// without its root and with each ".." as "_" (so it stays inside DIR).
std::string reportFilePath(const std::string& dir,
                           const std::string& programPath);

// Rewrites relative file operands of --vars and --trace in `run:` arguments
// so that they are relative to the program's directory.
std::vector<std::string> resolveRunArgPaths(
    const std::vector<std::string>& args, const std::string& programPath);

// Compares a finished run with the expectations (no I/O), parsing the
// run's report text. `expectedReport` is the parsed NAME.expected.json, if
// there is one.
TestOutcome evaluateRun(const Annotations& annotations,
                        const std::optional<Json>& expectedReport,
                        const std::string& expectedReportName,
                        const RunInvocation& run, const TestOptions& options);

// Reads, runs (in-process) and evaluates one program, updating its
// .expected.json as `options.update` says and writing its report below
// `options.reportsDir` if set. Never throws.
TestOutcome runTest(const TestCase& test, const TestOptions& options);

using TestFunction =
    std::function<TestOutcome(const TestCase&, const TestOptions&)>;

struct RunAllOptions {
  unsigned jobs = 1;
  TestOptions test;
  // Called on the calling thread, in discovery order, as soon as the test
  // and every one before it are finished.
  std::function<void(size_t index, const TestOutcome&)> onResult;
  // Called on the calling thread whenever a test finishes.
  std::function<void(size_t finished, size_t total)> onProgress;
  // What runs one test (default: runTest); replaceable for unit tests.
  TestFunction run;
};

struct RunAllResult {
  std::vector<TestOutcome> outcomes;  // in discovery order
  size_t passed = 0;
  size_t failed = 0;
  // Tests that exceeded their wall-clock limit and were reported as failed
  // but whose worker thread is still running (detached). The caller should
  // end the process with std::_Exit after writing its output.
  size_t abandoned = 0;
};

// Runs every test on `jobs` worker threads. A test still running after its
// wall-clock limit is reported as failed ("timed out") at once, its thread
// is detached and replaced, so a hung test cannot stall the run.
RunAllResult runTests(const std::vector<TestCase>& tests,
                      const RunAllOptions& options);

}  // namespace brainvm::cli::testrun

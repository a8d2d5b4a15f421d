// `brainvm test PATH... [-j N] [--update] [--junit FILE] [--reports DIR]
// [--shard K/N] [--filter REGEX]`: runs annotated programs as regression tests
// (contract section 7; docs/testing.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace brainvm::cli {

struct TestCliOptions {
  std::vector<std::string> paths;
  unsigned jobs = 0;  // 0 = the number of cores
  bool update = false;
  bool updateAll = false;
  std::string junit;    // "" = none
  std::string reports;  // "" = none
  std::string coverage;  // lcov tracefile of the whole suite, "" = none
  std::string shard;    // "K/N" (0-based K), "" = from the environment
  std::string filter;   // ECMAScript regex searched in the relative path
  uint64_t maxInstructionsPerTest = 10'000'000;
  double timeoutSeconds = 10;
};

// Registers the `test` subcommand; its exit code is stored in `exitCode`.
void addTestCommand(CLI::App& app, int& exitCode);

// Runs `brainvm test` with parsed options, printing results on stdout and
// progress/errors on stderr. Returns the exit code (0, 1, 64 or 74). If a
// timed-out test is still running at the end, `abandonedThreads` is set and
// the caller should end the process without running destructors.
int runTestCommand(const TestCliOptions& options, bool& abandonedThreads);

}  // namespace brainvm::cli

// Helpers for the coverage, profile and debugger tests: assemble a program,
// run it through the Runner with instrumentation attached.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

#include "brainvm/assembler.h"
#include "brainvm/builtins.h"
#include "brainvm/coverage.h"
#include "brainvm/instrumentation.h"
#include "brainvm/profile.h"
#include "brainvm/runner.h"

namespace brainvm::tools_test {

inline Program assembleOk(std::string_view text, bool debugInfo = true,
                          std::string name = "t.bvasm") {
  AssembleOptions o;
  o.fileName = std::move(name);
  o.debugInfo = debugInfo;
  auto r = assemble(text, o);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
  return r.ok() ? std::move(r).value() : Program{};
}

// A finished run with its counters.
struct ToolRun {
  std::unique_ptr<Runner> runner;
  RunReport report;
  std::unique_ptr<CoverageCounts> coverage;
  std::unique_ptr<ProfileCounts> profile;
  const Program& program() const { return runner->runtime().program(); }
  std::string lcov(std::string_view fallback = "t.bvasm") const {
    LcovReport r;
    r.add(program(), *coverage, fallback);
    return r.text();
  }
  std::string folded(bool hostTime = false) const {
    return foldedStacks(*profile, program(), hostTime);
  }
};

inline ToolRun runWithTools(Program program, RunOptions options = {},
                            bool measureHostTime = false,
                            bool superinstructions = true) {
  ToolRun t;
  LoadOptions lo;
  lo.superinstructions = superinstructions;
  lo.requireRunnable = !options.entry;
  auto loaded = LoadedProgram::load(std::move(program), lo);
  EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.error().message());
  if (!loaded.ok()) return t;
  auto runner = Runner::create(std::move(loaded.value()), std::move(options));
  EXPECT_TRUE(runner.ok()) << (runner.ok() ? "" : runner.error().message());
  if (!runner.ok()) return t;
  t.runner = std::move(runner.value());
  const Program& p = t.runner->runtime().program();
  t.coverage = std::make_unique<CoverageCounts>(p);
  t.profile = std::make_unique<ProfileCounts>(measureHostTime);
  Instrumentation parts;
  parts.coverage = t.coverage.get();
  parts.profile = t.profile.get();
  EXPECT_TRUE(t.runner->runtime().setInstrumentation(parts).ok());
  auto rep = t.runner->run();
  EXPECT_TRUE(rep.ok()) << (rep.ok() ? "" : rep.error().message());
  if (rep.ok()) t.report = std::move(rep.value());
  return t;
}

inline ToolRun runWithTools(std::string_view text, RunOptions options = {}) {
  return runWithTools(assembleOk(text), std::move(options));
}

// The lines of an lcov text that start with `prefix` ("DA:", "BRDA:", ...),
// joined by spaces.
inline std::string records(const std::string& lcov, std::string_view prefix) {
  std::string out;
  size_t pos = 0;
  while (pos < lcov.size()) {
    size_t end = lcov.find('\n', pos);
    if (end == std::string::npos) end = lcov.size();
    std::string_view line(lcov.data() + pos, end - pos);
    if (line.substr(0, prefix.size()) == prefix) {
      if (!out.empty()) out += ' ';
      out += line.substr(prefix.size());
    }
    pos = end + 1;
  }
  return out;
}

}  // namespace brainvm::tools_test

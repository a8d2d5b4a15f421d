#include "run_tools.h"

#include <cstdio>
#include <string>

#include "brainvm/profile.h"
#include "exit_codes.h"
#include "io.h"
#include "json_writer.h"
#include "speedscope_writer.h"

namespace brainvm::cli {

RunTools::RunTools(const RunToolOptions& options, SharedCoverage* suite)
    : options_(options), suite_(suite) {}

RunTools::~RunTools() = default;

Status RunTools::attach(Runtime& runtime) {
  const Program& program = runtime.program();
  Instrumentation parts;
  if (!options_.coverage.empty() || suite_) {
    coverage_ = std::make_unique<CoverageCounts>(program);
    parts.coverage = coverage_.get();
  }
  if (!options_.profile.empty() || !options_.profileHostTime.empty() ||
      options_.profileTop > 0) {
    profile_ = std::make_unique<ProfileCounts>(
        /*measureHostTime=*/!options_.profileHostTime.empty());
    parts.profile = profile_.get();
  }
  return runtime.setInstrumentation(parts);
}

namespace {

std::string profileTable(const ProfileCounts& counts, const Program& program,
                         uint32_t rows) {
  const std::vector<ProfileRow> table = brainvm::profileTable(counts, program);
  const uint64_t total = counts.totalInstructions();
  size_t width = 8;  // "function"
  for (size_t i = 0; i < table.size() && i < rows; ++i)
    width = std::max(width, table[i].name.size());
  auto pad = [](std::string s, size_t n, bool right) {
    if (s.size() >= n) return s;
    return right ? std::string(n - s.size(), ' ') + s
                 : s + std::string(n - s.size(), ' ');
  };
  std::string out = pad("function", width, false) + "  " +
                    pad("self", 12, true) + "  " + pad("total", 12, true) +
                    "  " + pad("self %", 7, true) + "\n";
  for (size_t i = 0; i < table.size() && i < rows; ++i) {
    const ProfileRow& r = table[i];
    char percent[16];
    std::snprintf(percent, sizeof percent, "%.1f",
                  total ? 100.0 * double(r.self) / double(total) : 0.0);
    out += pad(r.name, width, false) + "  " +
           pad(std::to_string(r.self), 12, true) + "  " +
           pad(std::to_string(r.total), 12, true) + "  " +
           pad(percent, 7, true) + "\n";
  }
  return out;
}

}  // namespace

int RunTools::finish(const Program& program, const std::string& inputName,
                     std::string& diagnostics) {
  int rc = kExitOk;
  auto write = [&](const std::string& path, const std::string& text) {
    if (int w = writeOutput(path, text, diagnostics); w != kExitOk) rc = w;
  };
  if (coverage_) {
    if (suite_) {
      std::lock_guard<std::mutex> hold(suite_->lock);
      if (!suite_->report.add(program, *coverage_, inputName))
        suite_->missingDebugInfo = true;
    } else {
      LcovReport report;
      if (!report.add(program, *coverage_, inputName))
        diagnostics += "warning: " + inputName +
                       " has no debug info: coverage of functions only\n";
      write(options_.coverage, report.text());
    }
  }
  if (profile_) {
    const bool speedscope = options_.profileFormat == "speedscope";
    auto render = [&](bool hostTime) {
      return speedscope
                 ? speedscopeProfile(*profile_, program, inputName, hostTime)
                 : foldedStacks(*profile_, program, hostTime);
    };
    if (!options_.profile.empty()) write(options_.profile, render(false));
    if (!options_.profileHostTime.empty())
      write(options_.profileHostTime, render(true));
    if (options_.profileTop > 0)
      diagnostics += profileTable(*profile_, program, options_.profileTop);
  }
  return rc;
}

}  // namespace brainvm::cli

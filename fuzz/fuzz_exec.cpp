// Fuzzes execution: text that assembles and verifies is run by the real run
// loop (built-in host library, rules, timers) under small budgets, tick and
// instruction limits and a memory cap. Text is used rather than image bytes
// because the assembler turns mutations into valid programs far more often
// than raw bytes (which also carry a checksum).
//
// It is also a differential test: the same program runs with
// superinstructions, without them, and with coverage and a profile
// attached (the instrumented loop); all three must agree on every result,
// error, printed line, variable and on the instructions and slices counted
// (so budgets are charged slice by slice the same way), and the profile
// must sum to the instructions.
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string>
#include <string_view>

#include "brainvm/assembler.h"
#include "brainvm/builtins.h"
#include "brainvm/instrumentation.h"
#include "brainvm/runner.h"

namespace {

brainvm::RunOptions options() {
  brainvm::RunOptions opts;
  opts.maxTicks = 20;
  opts.runtime.defaultBudget = 200;
  opts.runtime.maxFibersPerTick = 16;
  opts.runtime.maxInstructions = 20000;
  opts.runtime.maxHeapBytes = 4u << 20;
  opts.runtime.maxStringBytes = 64u << 10;
  opts.runtime.maxFibers = 64;
  opts.runtime.maxHandles = 64;
  opts.runtime.maxFrameDepth = 64;
  opts.runtime.maxStackSize = 1024;
  return opts;
}

// Everything a run shows, as text.
std::string summary(const brainvm::RunReport& r) {
  using brainvm::toDisplayString;
  std::string s = std::string(brainvm::runOutcomeName(r.status)) + " " +
                  std::to_string(r.ticks) + " " +
                  std::to_string(r.instructions) + " " +
                  std::to_string(r.slices) + " " + std::to_string(r.handles) +
                  (r.faulted ? " faulted\n" : "\n");
  if (r.result) s += "result " + toDisplayString(*r.result) + "\n";
  for (const auto& f : r.fibers) {
    s += std::to_string(f.id) + " " + f.function + " " +
         std::string(brainvm::fiberStateName(f.state));
    if (f.result) s += " = " + toDisplayString(*f.result);
    if (f.error) s += " ! " + toDisplayString(*f.error);
    s += "\n";
  }
  for (const auto& rule : r.rules)
    s += rule.function + " " + std::to_string(rule.runs) + " " +
         std::to_string(rule.fired) + " " + std::to_string(rule.faults) + "\n";
  for (const auto& [name, v] : r.variables)
    s += name + " := " + toDisplayString(v) + "\n";
  for (const auto& line : r.output) s += "> " + line + "\n";
  return s;
}

void mismatch(const char* what, const std::string& a, const std::string& b) {
  std::fprintf(stderr, "%s differ:\n--- one\n%s--- other\n%s", what, a.c_str(),
               b.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  brainvm::Result<brainvm::Program> p = brainvm::assemble(text);
  if (!p) return 0;
  brainvm::LoadOptions fusedOptions, plainOptions;
  fusedOptions.maxStackSize = plainOptions.maxStackSize = 1024;
  plainOptions.superinstructions = false;
  auto fused = brainvm::LoadedProgram::load(p.value(), fusedOptions);
  auto plain = brainvm::LoadedProgram::load(p.value(), plainOptions);
  if (!fused || !plain) return 0;

  auto a = brainvm::Runner::create(fused.value(), options());
  auto b = brainvm::Runner::create(plain.value(), options());
  auto c = brainvm::Runner::create(fused.value(), options());
  if (!a || !b || !c) return 0;
  brainvm::CoverageCounts coverage(c.value()->runtime().program());
  brainvm::ProfileCounts profile;
  brainvm::Instrumentation parts;
  parts.coverage = &coverage;
  parts.profile = &profile;
  if (!c.value()->runtime().setInstrumentation(parts)) std::abort();

  auto ra = a.value()->run();
  auto rb = b.value()->run();
  auto rc = c.value()->run();
  if (ra.ok() != rb.ok() || ra.ok() != rc.ok()) std::abort();
  if (!ra.ok()) return 0;
  const std::string sa = summary(ra.value());
  const std::string sb = summary(rb.value());
  const std::string sc = summary(rc.value());
  if (sa != sb) mismatch("fused and unfused runs", sa, sb);
  if (sa != sc) mismatch("plain and instrumented runs", sa, sc);
  if (profile.totalInstructions() != rc.value().instructions)
    mismatch("profile and instruction count",
             std::to_string(profile.totalInstructions()),
             std::to_string(rc.value().instructions));
  return 0;
}

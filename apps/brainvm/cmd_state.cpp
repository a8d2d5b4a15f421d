// `brainvm state FILE`: a JSON summary of a saved state, read without its
// program (docs/snapshots.md).
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "brainvm/state.h"
#include "commands.h"
#include "exit_codes.h"
#include "io.h"
#include "json_writer.h"
#include "value_writer.h"

namespace brainvm::cli {

namespace {

std::string hex16(uint64_t v) {
  static const char* digits = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[i] = digits[v & 15];
  return out;
}

int runState(const std::string& input, bool pretty, std::string& diagnostics) {
  std::string bytes;
  if (int rc = readInput(input, bytes, diagnostics); rc != kExitOk) return rc;
  auto summary = StateSummary::read(std::span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  if (!summary) {
    diagnostics += "error: " + displayName(input) + ": " +
                   summary.error().diagnostics.front().message + "\n";
    return kExitDataError;
  }
  const StateSummary& s = *summary.value();
  std::string text;
  {
    JsonWriter w(text, pretty);
    ValueWriter values(w, nullptr);
    w.beginObject();
    w.key("brainvm");
    w.string("state/1");
    w.key("program");
    w.string(hex16(s.programHash));
    w.key("tick");
    w.unsignedNumber(s.tick);
    w.key("time");
    values.value(Value::number(s.timeMs));
    w.key("fibers");
    w.beginObject();
    for (const auto& [state, n] : s.fibers) {
      w.key(state);
      w.unsignedNumber(n);
    }
    w.endObject();
    w.key("handles");
    w.unsignedNumber(s.handles);
    w.key("pendingHandles");
    w.unsignedNumber(s.pendingHandles);
    w.key("heapBytes");
    w.unsignedNumber(s.heapBytes);
    w.key("heapObjects");
    w.unsignedNumber(s.heapObjects);
    w.key("instructions");
    w.unsignedNumber(s.instructions);
    w.key("slices");
    w.unsignedNumber(s.slices);
    w.key("hostParts");
    w.unsignedNumber(s.hookParts);
    w.key("variables");
    w.beginObject();
    for (const auto& [name, v] : s.variables) {
      w.key(name);
      values.value(v);
    }
    w.endObject();
    w.endObject();
    w.endLine();
    w.finish();
  }
  return writeOutput("-", text, diagnostics);
}

}  // namespace

void addStateCommand(CLI::App& app, int& exitCode) {
  struct State {
    std::string input;
    bool pretty = false;
  };
  auto state = std::make_shared<State>();
  CLI::App* sub = app.add_subcommand(
      "state", "Summarise a saved state (.bvstate) as JSON");
  sub->add_option("FILE", state->input, "State (- = stdin)")->required();
  sub->add_flag("--pretty", state->pretty, "Indent the JSON");
  sub->footer(
      "Example:\n"
      "  brainvm run prog.bvasm --ticks 100 --save-state s.bvstate\n"
      "  brainvm state s.bvstate --pretty");
  sub->callback([state, &exitCode] {
    std::string diagnostics;
    exitCode = runState(state->input, state->pretty, diagnostics);
    std::cerr << diagnostics << std::flush;
  });
}

}  // namespace brainvm::cli

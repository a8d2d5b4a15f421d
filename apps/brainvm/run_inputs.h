// The JSON inputs of `brainvm run`: --var NAME=JSON, --vars FILE.json and
// --env NAME=JSON. They are parsed and validated before the program is
// loaded (usage errors exit 64, an unreadable --vars file 66) and turned
// into runtime values in RunOptions::setup.
#pragma once

#include <string>
#include <vector>

#include "brainvm/result.h"
#include "brainvm/runtime.h"
#include "value_json.h"

namespace brainvm::cli {

struct NamedJson {
  std::string name;
  Json value;
};

struct RunInputs {
  // Shared variables in the order they are set: --vars entries first, then
  // --var options, so that --var wins (and a later --var wins over an earlier
  // one).
  std::vector<NamedJson> shared;
  // Host-context variables (--env), later wins.
  std::vector<NamedJson> env;
};

// Returns kExitOk, kExitUsage or kExitNoInput (message on `diagnostics`).
int collectRunInputs(const std::vector<std::string>& vars,
                     const std::string& varsFile,
                     const std::vector<std::string>& env, RunInputs& out,
                     std::string& diagnostics);

// Sets the shared variables and, if any --env was given, a host context
// holding them as the runtime's parent context.
Status applyRunInputs(const RunInputs& inputs, Runtime& runtime);

}  // namespace brainvm::cli

// `brainvm run --save-state/--load-state`: resuming a run from a saved
// state and saving one after the run (docs/snapshots.md).
#pragma once

#include <memory>
#include <string>

#include "brainvm/loaded_program.h"
#include "brainvm/runner.h"
#include "run_command.h"

namespace brainvm::cli {

// A runner that goes on from the state in `o.loadState`: `o.ticks` more
// ticks. Options that shape execution come from the state: giving a
// different value (or --entry, --var, --vars, --env at all) is a usage
// error. Returns null with diagnostics and an exit code (64, 65, 66).
std::unique_ptr<Runner> resumeRun(const RunCliOptions& o,
                                  std::shared_ptr<const LoadedProgram> program,
                                  RunOptions options, std::string& diagnostics,
                                  int& exitCode);

// Writes the runner's state to `o.saveState`. Returns an exit code (0, 70
// when the state cannot be saved, 74 when it cannot be written).
int saveRun(const RunCliOptions& o, Runner& runner, std::string& diagnostics);

}  // namespace brainvm::cli

// Profiles in speedscope's file format
// (https://www.speedscope.app/file-format-schema.json): one "sampled"
// profile whose samples are the distinct stacks and whose weights are their
// instructions (unit "none") or host nanoseconds.
#pragma once

#include <string>

#include "brainvm/instrumentation.h"
#include "brainvm/program.h"

namespace brainvm::cli {

// Frames are named "function (file:line)" (the function's first line; just
// "function" without debug info) and "host:NAME" for host functions.
std::string speedscopeProfile(const ProfileCounts& counts,
                              const Program& program, const std::string& name,
                              bool hostTime);

}  // namespace brainvm::cli

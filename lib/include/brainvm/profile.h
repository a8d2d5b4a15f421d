// Profiles from ProfileCounts: folded stacks (the input of flamegraph.pl,
// inferno, speedscope and most flame-graph tools) and a top table.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "brainvm/instrumentation.h"
#include "brainvm/program.h"

namespace brainvm {

// A profile node's frame as a name: the function's name, or "host:NAME" for
// a host function. Characters that folded stacks use as separators (';',
// spaces, line breaks) become '_'.
std::string profileFrameName(const Program& program, int32_t frame);

// One line per distinct stack with a nonzero weight,
// "root;caller;callee WEIGHT", sorted. The weight is instructions executed,
// or with `hostTime` the nanoseconds spent in host functions (host leaves
// only; measured only when the counts were made with measureHostTime).
std::string foldedStacks(const ProfileCounts& counts, const Program& program,
                         bool hostTime = false);

// Per frame name: instructions executed in it (self) and in it or anything
// it called (total; a recursive function counts each stack once).
struct ProfileRow {
  std::string name;
  uint64_t self = 0;
  uint64_t total = 0;
};
// Rows sorted by self, then total (both descending), then name.
std::vector<ProfileRow> profileTable(const ProfileCounts& counts,
                                     const Program& program);

}  // namespace brainvm

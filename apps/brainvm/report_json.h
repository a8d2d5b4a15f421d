// The run report as a JSON document (contract section 6; schema in
// docs/report.schema.json).
#pragma once

#include <string>

#include "brainvm/program.h"
#include "brainvm/runner.h"
#include "value_json.h"

namespace brainvm::cli {

// Keys in the contract's order: brainvm, status, ticks, result (only when the
// entry fiber finished), fibers, rules, variables, output, stats.
Json reportToJson(const RunReport& report, const Program& program);

// Serialises a JSON document deterministically, compact or indented by 2,
// with a trailing newline. Invalid UTF-8 in strings is replaced by U+FFFD.
std::string dumpJson(const Json& json, bool pretty);

}  // namespace brainvm::cli

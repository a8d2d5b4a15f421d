// The run report written straight to text, without building a JSON document
// first. The output is byte for byte what dumpJson(reportToJson(...)) gives
// (tests/cli/report_writer_test.cpp checks this); it exists because a report
// with 100,000 fiber records spent most of a run in the document's
// allocations.
#pragma once

#include <string>

#include "brainvm/program.h"
#include "brainvm/runner.h"

namespace brainvm::cli {

// Appends the report, compact or indented by 2, with a trailing newline.
void writeReportJson(const RunReport& report, const Program& program,
                     bool pretty, std::string& out);

}  // namespace brainvm::cli

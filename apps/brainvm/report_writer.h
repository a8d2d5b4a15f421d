// The run report written straight to text, without building a JSON document
// first. The output is byte for byte what dumpJson(reportToJson(...)) gives
// (tests/cli/report_writer_test.cpp checks this); it exists because a report
// with 100,000 fiber records spent most of a run in the document's
// allocations.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "brainvm/program.h"
#include "brainvm/runner.h"

namespace brainvm::cli {

// Receives the report text in chunks; returns false to report a failed
// write (the remaining chunks are then dropped).
using ReportSink = std::function<bool(std::string_view)>;

// Appends the report, compact or indented by 2, with a trailing newline.
void writeReportJson(const RunReport& report, const Program& program,
                     bool pretty, std::string& out);
// The same, handed to `sink` in chunks of about 64 KiB as it is written, so
// a large report is never held whole. Returns false if the sink failed.
bool writeReportJson(const RunReport& report, const Program& program,
                     bool pretty, const ReportSink& sink);

}  // namespace brainvm::cli

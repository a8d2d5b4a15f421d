// The run report (contract section 6; docs/cli.md; schema in
// docs/report.schema.json) written straight to text: what `brainvm run`
// prints and what `brainvm test` parses, compares and stores. Keys come in
// the contract's order: brainvm, status, ticks, result (only when the entry
// fiber finished), fibers, rules, variables, output, stats. No JSON document
// is built: a report with 100,000 fiber records spent most of a run in a
// document's allocations.
#pragma once

#include <functional>
#include <string>

#include "brainvm/program.h"
#include "brainvm/runner.h"
#include "json_writer.h"

namespace brainvm::cli {

using ReportSink = JsonSink;

// Where the fiber records come from for a report made with
// ReportFibers::Omitted: given a visitor, calls it once per record, in
// order (Runner::forEachFiberRecord).
using FiberRecordSource =
    std::function<void(const std::function<void(const FiberRecord&)>&)>;

// Appends the report, compact or indented by 2, with a trailing newline.
// The fiber records are report.fibers, or those of `fibers` when given.
void writeReportJson(const RunReport& report, const Program& program,
                     bool pretty, std::string& out,
                     const FiberRecordSource* fibers = nullptr);
// The same, handed to `sink` in chunks of about 64 KiB as it is written, so
// a large report is never held whole. Returns false if the sink failed.
bool writeReportJson(const RunReport& report, const Program& program,
                     bool pretty, const ReportSink& sink,
                     const FiberRecordSource* fibers = nullptr);

}  // namespace brainvm::cli

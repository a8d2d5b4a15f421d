#include "trace_writer.h"

#include "value_json.h"

namespace brainvm::cli {

namespace {

std::string dumpLine(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

TraceWriter::TraceWriter(const Program& program, std::ostream& out)
    : out_(out) {
  functionNames_.reserve(program.functions.size());
  for (const Function& f : program.functions) functionNames_.push_back(f.name);
}

void TraceWriter::line(const std::string& json) {
  if (!out_) return;
  out_ << json << '\n';
}

void TraceWriter::onTickStart(uint64_t tick) {
  Json j = Json::object();
  j["event"] = "tick";
  j["tick"] = tick;
  line(dumpLine(j));
}

void TraceWriter::onFiberSpawned(FiberId fiber, uint32_t function) {
  Json j = Json::object();
  j["event"] = "spawn";
  j["fiber"] = fiber;
  if (function < functionNames_.size())
    j["function"] = functionNames_[function];
  else
    j["function"] = "#" + std::to_string(function);
  line(dumpLine(j));
}

void TraceWriter::onSlice(FiberId fiber, const RunResult& result) {
  Json j = Json::object();
  j["event"] = "slice";
  j["fiber"] = fiber;
  j["instructions"] = result.instructions;
  j["outcome"] = std::string(runStatusName(result.status));
  if (result.status == RunStatus::Waiting) j["handle"] = result.handle;
  line(dumpLine(j));
}

void TraceWriter::onHandleSettled(HandleId handle, HandleState state) {
  Json j = Json::object();
  j["event"] = "settle";
  j["handle"] = handle;
  j["state"] = std::string(handleStateName(state));
  line(dumpLine(j));
}

void TraceWriter::onFiberCancelled(FiberId fiber) {
  Json j = Json::object();
  j["event"] = "cancel";
  j["fiber"] = fiber;
  line(dumpLine(j));
}

}  // namespace brainvm::cli

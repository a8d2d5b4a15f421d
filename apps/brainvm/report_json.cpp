#include "report_json.h"

#include <utility>

namespace brainvm::cli {

namespace {

// A fiber's or rule's error: the error body itself ({"tag", "message",
// "trace"?}); anything that is not an error value is encoded as a value.
Json errorField(ValueEncoder& enc, const Value& error) {
  if (error.isError()) return enc.encodeErrorBody(*error.asError());
  return enc.encode(error);
}

}  // namespace

Json reportToJson(const RunReport& report, const Program& program) {
  ValueEncoder enc(&program);
  Json doc = Json::object();
  doc["brainvm"] = "run/1";
  doc["status"] = std::string(runOutcomeName(report.status));
  doc["ticks"] = report.ticks;
  if (report.result) doc["result"] = enc.encode(*report.result);

  Json fibers = Json::array();
  for (const FiberRecord& f : report.fibers) {
    Json fiber = Json::object();
    fiber["id"] = f.id;
    fiber["function"] = f.function;
    fiber["state"] = std::string(fiberStateName(f.state));
    if (f.state == FiberState::Done) {
      fiber["result"] = f.result ? enc.encode(*f.result) : Json(nullptr);
    } else if (f.state == FiberState::Fault ||
               f.state == FiberState::Cancelled) {
      if (f.error) fiber["error"] = errorField(enc, *f.error);
    }
    fibers.push_back(std::move(fiber));
  }
  doc["fibers"] = std::move(fibers);

  Json rules = Json::array();
  for (const RuleRecord& r : report.rules) {
    Json rule = Json::object();
    rule["function"] = r.function;
    rule["runs"] = r.runs;
    rule["fired"] = r.fired;
    rule["faults"] = r.faults;
    if (r.firstError) rule["error"] = errorField(enc, *r.firstError);
    rules.push_back(std::move(rule));
  }
  doc["rules"] = std::move(rules);

  Json variables = Json::object();
  for (const auto& [name, value] : report.variables)
    variables[name] = enc.encode(value);
  doc["variables"] = std::move(variables);

  Json output = Json::array();
  for (const std::string& line : report.output) output.push_back(line);
  doc["output"] = std::move(output);

  Json stats = Json::object();
  stats["instructions"] = report.instructions;
  stats["slices"] = report.slices;
  stats["handles"] = report.handles;
  doc["stats"] = std::move(stats);
  return doc;
}

std::string dumpJson(const Json& json, bool pretty) {
  std::string out =
      json.dump(pretty ? 2 : -1, ' ', false, Json::error_handler_t::replace);
  out += '\n';
  return out;
}

}  // namespace brainvm::cli

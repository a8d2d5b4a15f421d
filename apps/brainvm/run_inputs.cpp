#include "run_inputs.h"

#include "exit_codes.h"
#include "io.h"

namespace brainvm::cli {

namespace {

// NAME=JSON -> (NAME, parsed and validated JSON).
bool parseAssignment(const std::string& option, const std::string& text,
                     NamedJson& out, std::string& diagnostics) {
  size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    diagnostics +=
        "error: " + option + " expects NAME=JSON, got '" + text + "'\n";
    return false;
  }
  out.name = text.substr(0, eq);
  std::string error;
  if (!parseJsonText(std::string_view(text).substr(eq + 1), out.value, error)) {
    diagnostics += "error: " + option + " " + out.name + ": " + error + "\n";
    return false;
  }
  Value ignored;
  if (!jsonToValue(out.value, nullptr, ignored, error)) {
    diagnostics += "error: " + option + " " + out.name + ": " + error + "\n";
    return false;
  }
  return true;
}

}  // namespace

int collectRunInputs(const std::vector<std::string>& vars,
                     const std::string& varsFile,
                     const std::vector<std::string>& env, RunInputs& out,
                     std::string& diagnostics) {
  if (!varsFile.empty()) {
    std::string text;
    int rc = readInput(varsFile, text, diagnostics);
    if (rc != kExitOk) return rc;
    Json doc;
    std::string error;
    if (!parseJsonText(text, doc, error)) {
      diagnostics +=
          "error: --vars " + displayName(varsFile) + ": " + error + "\n";
      return kExitUsage;
    }
    if (!doc.is_object()) {
      diagnostics += "error: --vars " + displayName(varsFile) +
                     ": expected a JSON object of variables\n";
      return kExitUsage;
    }
    for (auto it = doc.begin(); it != doc.end(); ++it) {
      Value ignored;
      if (!jsonToValue(it.value(), nullptr, ignored, error)) {
        diagnostics += "error: --vars " + displayName(varsFile) + ": " +
                       it.key() + ": " + error + "\n";
        return kExitUsage;
      }
      out.shared.push_back(NamedJson{it.key(), it.value()});
    }
  }
  for (const std::string& v : vars) {
    NamedJson named;
    if (!parseAssignment("--var", v, named, diagnostics)) return kExitUsage;
    out.shared.push_back(std::move(named));
  }
  for (const std::string& e : env) {
    NamedJson named;
    if (!parseAssignment("--env", e, named, diagnostics)) return kExitUsage;
    out.env.push_back(std::move(named));
  }
  return kExitOk;
}

Status applyRunInputs(const RunInputs& inputs, Runtime& runtime) {
  std::string error;
  for (const NamedJson& v : inputs.shared) {
    Value value;
    if (!jsonToValue(v.value, &runtime.heap(), value, error))
      return Error(ErrorCode::InvalidArgument,
                   "--var " + v.name + ": " + error);
    Status s = runtime.setShared(v.name, value);
    if (!s.ok()) return s;
  }
  if (inputs.env.empty()) return Ok{};
  ContextId ctx = runtime.newContext();
  for (const NamedJson& v : inputs.env) {
    Value value;
    if (!jsonToValue(v.value, &runtime.heap(), value, error))
      return Error(ErrorCode::InvalidArgument,
                   "--env " + v.name + ": " + error);
    Status s = runtime.setContextVariable(ctx, v.name, value);
    if (!s.ok()) return s;
  }
  runtime.setParentContext(ctx);
  return Ok{};
}

}  // namespace brainvm::cli

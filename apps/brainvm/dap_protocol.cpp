#include "dap_protocol.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>

namespace brainvm::dap {

namespace {

constexpr int kMaxNesting = 100;  // launch's vars hold values nested 64 deep
constexpr int64_t kMaxAddress = int64_t{1} << 53;
constexpr size_t kMaxListed = 100000;  // breakpoints, names, filters

bool sameIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) {
             return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
           };
           return lower(x) == lower(y);
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// Deepest nesting of arrays and objects, without parsing (strings skipped),
// so that no recursive walk ever meets a deeper document.
int nesting(std::string_view text) {
  int depth = 0, deepest = 0;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

bool present(const Json& args, const char* key) {
  return args.is_object() && args.contains(key) && !args[key].is_null();
}

[[noreturn]] void fail(const std::string& message) {
  throw RequestError(message);
}

std::optional<int64_t> asInteger(const Json& v) {
  if (v.is_number_integer() && !v.is_number_unsigned()) return v.get<int64_t>();
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u <= static_cast<uint64_t>(INT64_MAX)) return static_cast<int64_t>(u);
    return std::nullopt;
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) <= 9.0e15)
      return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

int64_t requiredInt(const Json& args, const char* key, int64_t min,
                    int64_t max) {
  if (!present(args, key)) fail(std::string("'") + key + "' is required");
  return intField(args, key, 0, min, max);
}

const Json& arrayField(const Json& args, const char* key) {
  static const Json kEmpty = Json::array();
  if (!present(args, key)) return kEmpty;
  const Json& v = args[key];
  if (!v.is_array()) fail(std::string("'") + key + "' must be an array");
  if (v.size() > kMaxListed)
    fail(std::string("'") + key + "' has too many entries");
  return v;
}

// NAME=JSON entries of a `vars` or `env` object, as `--var`/`--env` take.
std::vector<std::string> assignments(const Json& args, const char* key) {
  std::vector<std::string> out;
  if (!present(args, key)) return out;
  const Json& obj = args[key];
  if (!obj.is_object())
    fail(std::string("'") + key + "' must be an object of NAME: JSON value");
  for (const auto& [name, value] : obj.items()) {
    if (name.empty() || name.find('=') != std::string::npos)
      fail(std::string("'") + key + "': '" + name + "' is not a variable name");
    out.push_back(name + "=" +
                  value.dump(-1, ' ', false, Json::error_handler_t::replace));
  }
  return out;
}

}  // namespace

// --- framing -----------------------------------------------------------------

void FrameParser::append(std::string_view bytes) {
  // Drop what was consumed once it is most of the buffer (amortized O(1)).
  if (pos_ > 0 && pos_ >= buffer_.size() / 2) {
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
  buffer_.append(bytes);
}

FrameParser::Result FrameParser::next(std::string& body, std::string& error) {
  if (!bodyLength_) {
    std::optional<size_t> length;
    std::string bad;
    size_t p = pos_;
    for (;;) {
      const size_t nl = buffer_.find('\n', p);
      if (nl == std::string::npos || nl - pos_ > kMaxHeader) {
        if (buffer_.size() - pos_ <= kMaxHeader) return Result::Incomplete;
        error = "header longer than " + std::to_string(kMaxHeader) +
                " bytes: skipped";
        pos_ = nl == std::string::npos ? buffer_.size() : nl + 1;
        return Result::Error;
      }
      std::string_view line(buffer_.data() + p, nl - p);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      p = nl + 1;
      if (line.empty()) {
        if (!length && bad.empty() && p - pos_ <= 2) {
          pos_ = p;  // a stray line break between messages
          continue;
        }
        break;
      }
      const size_t colon = line.find(':');
      if (colon == std::string_view::npos) {
        if (bad.empty()) bad = "header line without ':'";
        continue;
      }
      if (!sameIgnoringCase(trim(line.substr(0, colon)), "Content-Length"))
        continue;
      const std::string_view value = trim(line.substr(colon + 1));
      size_t n = 0;
      bool ok = !value.empty() && value.size() <= 12;
      for (char c : value) {
        if (c < '0' || c > '9')
          ok = false;
        else if (ok)
          n = n * 10 + static_cast<size_t>(c - '0');
      }
      if (!ok || n > kMaxBody) {
        bad = "bad Content-Length '" + std::string(value.substr(0, 40)) + "'";
      } else {
        length = n;
      }
    }
    pos_ = p;
    if (!bad.empty() || !length) {
      error = bad.empty() ? "header without Content-Length: skipped"
                          : bad + ": header skipped";
      return Result::Error;
    }
    bodyLength_ = length;
  }
  if (buffer_.size() - pos_ < *bodyLength_) return Result::Incomplete;
  body.assign(buffer_, pos_, *bodyLength_);
  pos_ += *bodyLength_;
  bodyLength_.reset();
  return Result::Message;
}

std::string frame(const Json& message) {
  const std::string body =
      message.dump(-1, ' ', false, Json::error_handler_t::replace);
  return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// --- messages
// ------------------------------------------------------------------

Incoming parseMessage(std::string_view body) {
  Incoming in;
  if (nesting(body) > kMaxNesting) {
    in.error = "message nested deeper than " + std::to_string(kMaxNesting);
    return in;
  }
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    in.error = "message is not JSON";
    return in;
  }
  if (!j.is_object()) {
    in.error = "message is not a JSON object";
    return in;
  }
  std::optional<int64_t> seq;
  if (j.contains("seq")) seq = asInteger(j["seq"]);
  if (seq) in.seq = *seq;
  if (j.contains("command") && j["command"].is_string())
    in.command = j["command"].get<std::string>();
  const Json* type = j.contains("type") ? &j["type"] : nullptr;
  if (!type || !type->is_string() || type->get<std::string>() != "request") {
    in.error =
        "not a request (type " +
        (type ? type->dump(-1, ' ', false, Json::error_handler_t::replace)
              : std::string("missing")) +
        ")";
    in.seq = 0;  // nothing to answer
    return in;
  }
  if (!seq) {
    in.error = "request without an integer 'seq'";
    return in;
  }
  if (in.command.empty()) {
    in.error = "request without a 'command' string";
    return in;
  }
  Request r;
  r.seq = *seq;
  r.command = in.command;
  if (j.contains("arguments") && !j["arguments"].is_null()) {
    if (!j["arguments"].is_object()) {
      in.error = "'arguments' must be an object";
      return in;
    }
    r.arguments = std::move(j["arguments"]);
  }
  in.request = std::move(r);
  return in;
}

Json response(const Request& request, Json body) {
  return Json{{"type", "response"},
              {"request_seq", request.seq},
              {"success", true},
              {"command", request.command},
              {"body", std::move(body)}};
}

Json errorResponse(int64_t requestSeq, const std::string& command,
                   const std::string& message) {
  return Json{
      {"type", "response"},
      {"request_seq", requestSeq},
      {"success", false},
      {"command", command},
      {"message", message},
      {"body",
       {{"error", {{"id", 1}, {"format", message}, {"showUser", true}}}}}};
}

Json event(const std::string& name, Json body) {
  return Json{{"type", "event"}, {"event", name}, {"body", std::move(body)}};
}

// --- arguments
// ---------------------------------------------------------------------

int64_t intField(const Json& args, const char* key, int64_t fallback,
                 int64_t min, int64_t max) {
  if (!present(args, key)) return fallback;
  std::optional<int64_t> v = asInteger(args[key]);
  if (!v) fail(std::string("'") + key + "' must be an integer");
  if (*v < min || *v > max)
    fail(std::string("'") + key + "' is out of range (" + std::to_string(*v) +
         ")");
  return *v;
}

bool boolField(const Json& args, const char* key, bool fallback) {
  if (!present(args, key)) return fallback;
  if (!args[key].is_boolean())
    fail(std::string("'") + key + "' must be true or false");
  return args[key].get<bool>();
}

std::string stringField(const Json& args, const char* key,
                        std::optional<std::string> fallback) {
  if (!present(args, key)) {
    if (!fallback) fail(std::string("'") + key + "' is required");
    return *fallback;
  }
  if (!args[key].is_string())
    fail(std::string("'") + key + "' must be a string");
  return args[key].get<std::string>();
}

LaunchArguments parseLaunch(const Json& args) {
  static const std::set<std::string> kOurs = {
      "program", "ticks", "budget", "maxFibersPerTick", "dt",     "seed",
      "vars",    "env",   "entry",  "stopOnEntry",      "noDebug"};
  // What VS Code and other clients add to every configuration.
  static const std::set<std::string> kClients = {"type",
                                                 "request",
                                                 "name",
                                                 "presentation",
                                                 "preLaunchTask",
                                                 "postDebugTask",
                                                 "internalConsoleOptions",
                                                 "debugServer",
                                                 "suppressMultipleSessionUI",
                                                 "suppressDebugToolbar",
                                                 "suppressDebugStatusbar",
                                                 "suppressDebugView"};
  LaunchArguments out;
  out.program = stringField(args, "program", std::nullopt);
  if (out.program.empty())
    fail("'program' is required: the .bvasm or .bvm file to debug");
  auto number = [&](const char* key, int64_t min, int64_t max) {
    return present(args, key) ? std::optional<uint64_t>(static_cast<uint64_t>(
                                    intField(args, key, 0, min, max)))
                              : std::nullopt;
  };
  out.ticks = number("ticks", 1, INT64_MAX);
  out.budget = number("budget", 1, UINT32_MAX);
  out.maxFibersPerTick = number("maxFibersPerTick", 1, UINT32_MAX);
  out.seed = number("seed", 0, INT64_MAX);
  if (present(args, "dt")) {
    const Json& dt = args["dt"];
    if (!dt.is_number() || !std::isfinite(dt.get<double>()) ||
        dt.get<double>() < 0)
      fail("'dt' must be a number of milliseconds >= 0");
    out.dt = dt.get<double>();
  }
  out.vars = assignments(args, "vars");
  out.env = assignments(args, "env");
  out.entry = stringField(args, "entry", "");
  out.stopOnEntry = boolField(args, "stopOnEntry", false);
  out.noDebug = boolField(args, "noDebug", false);
  for (const auto& [key, value] : args.items())
    if (!kOurs.count(key) && !kClients.count(key) && key.rfind("__", 0) != 0)
      out.unknown.push_back(key);
  return out;
}

SourceBreakpoints parseSetBreakpoints(const Json& args) {
  SourceBreakpoints out;
  if (!present(args, "source") || !args["source"].is_object())
    fail("'source' is required");
  out.path = stringField(args["source"], "path", "");
  if (out.path.empty()) fail("only sources with a 'path' are supported");
  if (present(args, "breakpoints")) {
    for (const Json& b : arrayField(args, "breakpoints")) {
      if (!b.is_object()) fail("'breakpoints' must hold objects");
      out.lines.push_back(requiredInt(b, "line", 0, INT32_MAX));
    }
  } else {
    for (const Json& l : arrayField(args, "lines")) {  // the deprecated form
      std::optional<int64_t> line = asInteger(l);
      if (!line || *line < 0 || *line > INT32_MAX)
        fail("'lines' must hold line numbers");
      out.lines.push_back(*line);
    }
  }
  return out;
}

std::vector<std::string> parseFunctionBreakpoints(const Json& args) {
  std::vector<std::string> out;
  for (const Json& b : arrayField(args, "breakpoints")) {
    if (!b.is_object()) fail("'breakpoints' must hold objects");
    out.push_back(stringField(b, "name", std::nullopt));
  }
  return out;
}

std::vector<std::string> parseExceptionFilters(const Json& args) {
  std::vector<std::string> out;
  for (const Json& f : arrayField(args, "filters")) {
    if (!f.is_string() ||
        (f.get<std::string>() != "uncaught" && f.get<std::string>() != "all"))
      fail("unknown exception filter " +
           f.dump(-1, ' ', false, Json::error_handler_t::replace) +
           " (filters: \"uncaught\", \"all\")");
    out.push_back(f.get<std::string>());
  }
  return out;
}

StepArguments parseStep(const Json& args) {
  StepArguments out;
  out.threadId = intField(args, "threadId", 0, 0, UINT32_MAX);
  const std::string g = stringField(args, "granularity", "statement");
  if (g != "statement" && g != "line" && g != "instruction")
    fail("'granularity' must be \"statement\", \"line\" or \"instruction\"");
  out.instruction = g == "instruction";
  return out;
}

StackTraceArguments parseStackTrace(const Json& args) {
  StackTraceArguments out;
  out.threadId = requiredInt(args, "threadId", 0, UINT32_MAX);
  out.startFrame = intField(args, "startFrame", 0, 0, INT32_MAX);
  out.levels = intField(args, "levels", 0, 0, INT32_MAX);
  return out;
}

VariablesArguments parseVariables(const Json& args) {
  VariablesArguments out;
  out.reference = requiredInt(args, "variablesReference", 0, INT32_MAX);
  const std::string filter = stringField(args, "filter", "");
  if (filter == "indexed")
    out.filter = VariablesArguments::Filter::Indexed;
  else if (filter == "named")
    out.filter = VariablesArguments::Filter::Named;
  else if (!filter.empty())
    fail("'filter' must be \"indexed\" or \"named\"");
  out.start = intField(args, "start", 0, 0, INT32_MAX);
  out.count = intField(args, "count", 0, 0, INT32_MAX);
  return out;
}

EvaluateArguments parseEvaluate(const Json& args) {
  EvaluateArguments out;
  out.expression = stringField(args, "expression", std::nullopt);
  if (present(args, "frameId"))
    out.frameId = intField(args, "frameId", 0, 0, INT32_MAX);
  return out;
}

DisassembleArguments parseDisassemble(const Json& args) {
  const std::string ref = stringField(args, "memoryReference", std::nullopt);
  // A decimal (or 0x hexadecimal) instruction index.
  const bool hex =
      ref.size() > 2 && ref[0] == '0' && (ref[1] == 'x' || ref[1] == 'X');
  const size_t from = hex ? 2 : 0;
  int64_t base = 0;
  bool ok = ref.size() > from && ref.size() - from <= 15;
  for (size_t i = from; ok && i < ref.size(); ++i) {
    const char c = ref[i];
    int digit = c >= '0' && c <= '9'          ? c - '0'
                : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                              : -1;
    if (digit < 0)
      ok = false;
    else
      base = base * (hex ? 16 : 10) + digit;
  }
  if (!ok || base > kMaxAddress)
    fail("'memoryReference' is not an instruction address: '" +
         ref.substr(0, 40) + "'");
  DisassembleArguments out;
  out.first = base + intField(args, "offset", 0, -kMaxAddress, kMaxAddress) +
              intField(args, "instructionOffset", 0, -kMaxAddress, kMaxAddress);
  out.count = requiredInt(args, "instructionCount", 0, kMaxDisassemble);
  return out;
}

void checkArguments(const Request& r) {
  const std::string& c = r.command;
  const Json& a = r.arguments;
  if (c == "initialize") {
    boolField(a, "linesStartAt1", true);
    boolField(a, "columnsStartAt1", true);
  } else if (c == "launch") {
    parseLaunch(a);
  } else if (c == "setBreakpoints") {
    parseSetBreakpoints(a);
  } else if (c == "setFunctionBreakpoints") {
    parseFunctionBreakpoints(a);
  } else if (c == "setExceptionBreakpoints") {
    parseExceptionFilters(a);
  } else if (c == "continue" || c == "next" || c == "stepIn" ||
             c == "stepOut" || c == "pause") {
    parseStep(a);
  } else if (c == "stackTrace") {
    parseStackTrace(a);
  } else if (c == "scopes") {
    requiredInt(a, "frameId", 0, INT32_MAX);
  } else if (c == "variables") {
    parseVariables(a);
  } else if (c == "evaluate") {
    parseEvaluate(a);
  } else if (c == "disassemble") {
    parseDisassemble(a);
  } else if (c == "exceptionInfo") {
    intField(a, "threadId", 0, 0, UINT32_MAX);
  }
}

}  // namespace brainvm::dap

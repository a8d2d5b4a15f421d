// The Debug Adapter Protocol's wire format for `brainvm dap`: Content-Length
// framing, requests parsed and their arguments checked, responses and events
// built. Depends on nlohmann/json only (library brainvm_dap_protocol), so
// that the fuzzer builds it without the rest of the command; nothing here
// needs a program.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace brainvm::dap {

using Json = nlohmann::json;

// Splits a byte stream into message bodies. A header block is lines ending in
// "\r\n" (or "\n") closed by an empty line; it must have a Content-Length
// (other headers are ignored). A bad block is skipped and reported, and
// parsing goes on after it.
class FrameParser {
 public:
  static constexpr size_t kMaxHeader = 8192;     // bytes of one header block
  static constexpr size_t kMaxBody = 64u << 20;  // bytes of one message

  void append(std::string_view bytes);

  enum class Result { Message, Incomplete, Error };
  // The next message body (Message), or nothing yet (Incomplete), or a
  // skipped bad header block (Error, with `error` saying why).
  Result next(std::string& body, std::string& error);

 private:
  std::string buffer_;
  size_t pos_ = 0;                    // bytes of buffer_ consumed
  std::optional<size_t> bodyLength_;  // set while waiting for a body
};

// A message framed for the wire. Strings that are not valid UTF-8 (a
// program's strings may be anything) are sent with U+FFFD in their place.
std::string frame(const Json& message);

struct Request {
  int64_t seq = 0;
  std::string command;
  Json arguments = Json::object();  // always an object
};

// A message body read as a request. When it is not a well-formed request,
// `error` says why, and `seq`/`command` are set if they could be read (so
// that the error can be answered).
struct Incoming {
  std::optional<Request> request;
  int64_t seq = 0;
  std::string command;
  std::string error;
};
Incoming parseMessage(std::string_view body);

// A request that cannot be served: answered with success false and this
// message.
struct RequestError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Json response(const Request& request, Json body = Json::object());
Json errorResponse(int64_t requestSeq, const std::string& command,
                   const std::string& message);
Json event(const std::string& name, Json body = Json::object());

// --- request arguments, checked (each throws RequestError naming the bad
// field) ---

// `launch`: the attributes of editors/vscode/package.json. Absent options
// keep `brainvm run`'s defaults.
struct LaunchArguments {
  std::string program;
  std::optional<uint64_t> ticks, budget, maxFibersPerTick, seed;
  std::optional<double> dt;
  std::vector<std::string> vars, env;  // NAME=JSON, sorted by NAME
  std::string entry;
  bool stopOnEntry = false;
  bool noDebug = false;              // "Run Without Debugging"
  std::vector<std::string> unknown;  // attributes that are not ours
};
LaunchArguments parseLaunch(const Json& args);

// `setBreakpoints`: the source's path and the lines asked for.
struct SourceBreakpoints {
  std::string path;
  std::vector<int64_t> lines;
};
SourceBreakpoints parseSetBreakpoints(const Json& args);
std::vector<std::string> parseFunctionBreakpoints(const Json& args);
std::vector<std::string> parseExceptionFilters(const Json& args);

// `continue`, `next`, `stepIn`, `stepOut`, `pause`: the thread and, for
// steps, whether one instruction was asked for.
struct StepArguments {
  int64_t threadId = 0;
  bool instruction = false;
};
StepArguments parseStep(const Json& args);

struct StackTraceArguments {
  int64_t threadId = 0;
  int64_t startFrame = 0;
  int64_t levels = 0;  // 0 = all
};
StackTraceArguments parseStackTrace(const Json& args);

struct VariablesArguments {
  int64_t reference = 0;
  enum class Filter { All, Indexed, Named } filter = Filter::All;
  int64_t start = 0;
  int64_t count = 0;  // 0 = all
};
VariablesArguments parseVariables(const Json& args);

struct EvaluateArguments {
  std::string expression;
  std::optional<int64_t> frameId;
};
EvaluateArguments parseEvaluate(const Json& args);

// `disassemble`: the first address asked for (memoryReference + offset +
// instructionOffset; may be negative) and how many instructions.
struct DisassembleArguments {
  int64_t first = 0;
  int64_t count = 0;
};
inline constexpr int64_t kMaxDisassemble = 10000;
DisassembleArguments parseDisassemble(const Json& args);

// Checks the arguments of any request this adapter knows, as the server
// would before serving it; unknown commands are fine here. Throws
// RequestError. (The fuzzer calls it on every message it decodes.)
void checkArguments(const Request& request);

// Field readers: absent (or null) gives the fallback; a wrong type or a
// value out of [min, max] throws.
int64_t intField(const Json& args, const char* key, int64_t fallback,
                 int64_t min = INT64_MIN, int64_t max = INT64_MAX);
bool boolField(const Json& args, const char* key, bool fallback);
std::string stringField(const Json& args, const char* key,
                        std::optional<std::string> fallback);

}  // namespace brainvm::dap

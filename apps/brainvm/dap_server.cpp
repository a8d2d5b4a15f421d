#include "dap_server.h"

#include <CLI/CLI.hpp>
#include <cctype>
#include <csignal>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>

#include "brainvm/builtins.h"
#include "brainvm/objects.h"
#include "dap_channel.h"
#include "dap_protocol.h"
#include "dap_variables.h"
#include "debug_session.h"

namespace brainvm::cli {

namespace {

using dap::Channel;
using dap::Json;
using dap::Request;
using dap::RequestError;
namespace fs = std::filesystem;

Json capabilities() {
  return Json{{"supportsConfigurationDoneRequest", true},
              {"supportsFunctionBreakpoints", true},
              {"supportsEvaluateForHovers", true},
              {"supportsSteppingGranularity", true},
              {"supportsDisassembleRequest", true},
              {"supportsTerminateRequest", true},
              {"supportsExceptionInfoRequest", true},
              {"supportsDelayedStackTraceLoading", true},
              {"exceptionBreakpointFilters",
               Json::array({{{"filter", "uncaught"},
                             {"label", "Uncaught errors"},
                             {"description",
                              "Stop when an error is thrown that nothing "
                              "catches (the fiber faults)"},
                             {"default", true}},
                            {{"filter", "all"},
                             {"label", "All errors"},
                             {"description",
                              "Stop whenever an error is thrown, caught or "
                              "not"},
                             {"default", false}}})}};
}

std::string firstLine(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

// A DAP breakpoint as the client set it, and where the engine put it.
struct ClientBreakpoint {
  int64_t id = 0;
  int64_t line = 0;       // source breakpoints: as the client numbers lines
  std::string function;   // function breakpoints
  uint32_t engineId = 0;  // 0 when not set
  uint32_t engineLine = 0;
  std::string message;  // why it is not set
};

class Server : public DebugFrontEnd {
 public:
  explicit Server(Channel& channel) : ch_(channel) {}

  int serve() {
    for (;;) {
      if (phase_ == Phase::Running && !started_) runProgram();
      if (disconnected_) return 0;
      Request r;
      if (ch_.next(r, /*wait=*/true) == Channel::Got::End) return 0;
      handle(r);
    }
  }

  // On the reader thread: `pause` is served there, so that it works while
  // a tick runs.
  bool intercept(const Request& r) {
    if (r.command != "pause") return false;
    std::lock_guard<std::mutex> lock(phaseMutex_);
    try {
      dap::parseStep(r.arguments);
      if (phase_ == Phase::Running)
        session_->requestPause();
      else if (phase_ != Phase::Stopped)
        throw RequestError("the program is not running");
      ch_.send(dap::response(r));
    } catch (const RequestError& e) {
      ch_.send(dap::errorResponse(r.seq, r.command, e.what()));
    }
    return true;
  }

  // --- the engine's calls ---
  Resume stopped(const StopInfo& stop) override {
    if (stop.reason == StopReason::Exited || stop.reason == StopReason::TickEnd)
      return Resume::Continue;
    setPhase(Phase::Stopped);
    lastStop_ = stop;
    ch_.send(stoppedEvent(stop));
    for (;;) {
      Request r;
      if (ch_.next(r, /*wait=*/true) == Channel::Got::End)
        return Resume::Terminate;
      switch (handle(r)) {
        case Flow::Stay: break;
        case Flow::Resume:
          refs_.clear();
          frameIds_.clear();
          frameById_.clear();
          lastStop_.reset();
          setPhase(Phase::Running);
          return resume_;
        case Flow::End: return Resume::Terminate;
      }
    }
  }

  bool idle() override {
    for (;;) {
      Request r;
      const Channel::Got got = ch_.next(r, /*wait=*/false);
      if (got == Channel::Got::Nothing) return true;
      if (got == Channel::Got::End || handle(r) == Flow::End) return false;
    }
  }

  void printed(std::string_view line) override {
    ch_.send(dap::event("output", {{"category", "stdout"},
                                   {"output", std::string(line) + "\n"}}));
  }
  void fiberStarted(FiberId id) override {
    ch_.send(dap::event("thread", {{"reason", "started"}, {"threadId", id}}));
  }
  void fiberEnded(FiberId id) override {
    ch_.send(dap::event("thread", {{"reason", "exited"}, {"threadId", id}}));
  }

 private:
  enum class Phase { Idle, Loaded, Running, Stopped, Ended };
  // What a request means for the one who waits for requests.
  enum class Flow { Stay, Resume, End };

  void setPhase(Phase p) {
    std::lock_guard<std::mutex> lock(phaseMutex_);
    phase_ = p;
  }

  // Answers one request (then sends the events it queued).
  Flow handle(const Request& r) {
    flow_ = Flow::Stay;
    try {
      ch_.send(dap::response(r, dispatch(r)));
    } catch (const RequestError& e) {
      ch_.send(dap::errorResponse(r.seq, r.command, e.what()));
    } catch (const std::exception& e) {  // e.g. a value too big to show
      ch_.send(dap::errorResponse(r.seq, r.command,
                                  std::string("internal error: ") + e.what()));
    }
    for (Json& e : after_) ch_.send(std::move(e));
    after_.clear();
    return flow_;
  }

  Json dispatch(const Request& r) {
    const std::string& c = r.command;
    const Json& a = r.arguments;
    if (c == "initialize") return initialize(a);
    if (c == "launch") return launch(a);
    if (c == "setBreakpoints") return setBreakpoints(a);
    if (c == "setFunctionBreakpoints") return setFunctionBreakpoints(a);
    if (c == "setExceptionBreakpoints") return setExceptionBreakpoints(a);
    if (c == "configurationDone") {
      configured_ = true;
      // Running from now on (the run starts right after this answer), so
      // that a `pause` that follows at once is taken.
      if (phase_ == Phase::Loaded) setPhase(Phase::Running);
      return Json::object();
    }
    if (c == "threads") return threads();
    if (c == "stackTrace") return stackTrace(a);
    if (c == "scopes") return scopes(a);
    if (c == "variables") return variables(a);
    if (c == "evaluate") return evaluate(a);
    if (c == "exceptionInfo") return exceptionInfo();
    if (c == "disassemble") return disassemble(a);
    if (c == "continue" || c == "next" || c == "stepIn" || c == "stepOut")
      return resume(c, a);
    if (c == "terminate") {
      if (started_ && (phase_ == Phase::Running || phase_ == Phase::Stopped)) {
        flow_ = Flow::End;  // the run ends: exited, terminated
      } else {
        // Not running (any more): the client may wait for this event.
        setPhase(Phase::Ended);
        after_.push_back(dap::event("terminated"));
      }
      return Json::object();
    }
    if (c == "disconnect") {
      disconnected_ = true;
      flow_ = Flow::End;
      return Json::object();
    }
    if (c == "attach")
      throw RequestError("brainvm dap cannot attach: use a launch request");
    throw RequestError("brainvm dap does not support the '" + c + "' request");
  }

  // --- set-up ---
  Json initialize(const Json& a) {
    linesStartAt1_ = dap::boolField(a, "linesStartAt1", true);
    columnsStartAt1_ = dap::boolField(a, "columnsStartAt1", true);
    return capabilities();
  }

  Json launch(const Json& args) {
    if (phase_ != Phase::Idle)
      throw RequestError("a program is already launched (one per session)");
    const dap::LaunchArguments a = dap::parseLaunch(args);
    RunCliOptions o;
    if (a.ticks) o.ticks = *a.ticks;
    if (a.budget) o.budget = static_cast<uint32_t>(*a.budget);
    if (a.maxFibersPerTick)
      o.maxFibersPerTick = static_cast<uint32_t>(*a.maxFibersPerTick);
    if (a.dt) o.dtMs = *a.dt;
    if (a.seed) o.seed = *a.seed;
    o.vars = a.vars;
    o.env = a.env;
    o.entry = a.entry;
    std::string diagnostics;
    int exitCode = 0;
    session_ = DebugSession::create(a.program, o, diagnostics, exitCode);
    if (!session_) {
      if (!diagnostics.empty())
        ch_.send(dap::event("output",
                            {{"category", "stderr"}, {"output", diagnostics}}));
      throw RequestError("cannot launch " + a.program + ": " +
                         (diagnostics.empty()
                              ? "exit code " + std::to_string(exitCode)
                              : firstLine(diagnostics)));
    }
    for (const std::string& key : a.unknown)
      console("brainvm: unknown launch attribute '" + key + "' ignored\n");
    noDebug_ = a.noDebug;
    session_->setStopOnEntry(a.stopOnEntry && !noDebug_);
    index_ = std::make_unique<CodeIndex>(session_->program());
    programSource_ = findSource(a.program);
    applyExceptionStops();
    // Breakpoints set before the launch are placed now; the client hears
    // where through `breakpoint` events.
    for (auto& [path, list] : sourceBreakpoints_)
      for (ClientBreakpoint& b : list) {
        placeLine(path, b);
        after_.push_back(breakpointEvent(b, &path));
      }
    for (ClientBreakpoint& b : functionBreakpoints_) {
      placeFunction(b);
      after_.push_back(breakpointEvent(b, nullptr));
    }
    setPhase(configured_ ? Phase::Running : Phase::Loaded);
    after_.push_back(dap::event("initialized"));
    return Json::object();
  }

  // The source file's absolute path: the debug info's name, as is or next
  // to the program (an image made elsewhere), else "" (no source to show).
  std::string findSource(const std::string& programPath) const {
    if (!session_->program().hasDebugInfo) return "";
    const fs::path named = session_->sourcePath();
    std::error_code ec;
    const fs::path dir = fs::absolute(programPath, ec).parent_path();
    for (const fs::path& p :
         {fs::absolute(named, ec), dir / named, dir / named.filename()})
      if (fs::is_regular_file(p, ec)) return p.lexically_normal().string();
    return "";
  }

  void applyExceptionStops() {
    if (!session_) return;
    if (noDebug_)
      session_->setExceptionStops(false, false);
    else
      session_->setExceptionStops(stopUncaught_ || stopAll_, stopAll_);
  }

  // --- breakpoints ---
  uint32_t engineLine(int64_t clientLine) const {
    return static_cast<uint32_t>(clientLine + (linesStartAt1_ ? 0 : 1));
  }
  int64_t clientLine(uint32_t line) const {
    return static_cast<int64_t>(line) - (linesStartAt1_ ? 0 : 1);
  }
  Json source() const {
    return Json{{"name", fs::path(programSource_).filename().string()},
                {"path", programSource_}};
  }
  bool isProgramSource(const std::string& path) const {
    if (programSource_.empty()) return false;
    std::error_code e1, e2;
    const fs::path a = fs::weakly_canonical(path, e1);
    const fs::path b = fs::weakly_canonical(programSource_, e2);
    return !e1 && !e2 ? a == b : path == programSource_;
  }

  void placeLine(const std::string& path, ClientBreakpoint& b) {
    b.engineId = 0;
    if (!session_) {
      b.message = "the program is not loaded yet";
    } else if (noDebug_) {
      b.message = "running without debugging";
    } else if (!isProgramSource(path)) {
      b.message = !session_->program().hasDebugInfo
                      ? "the program has no debug info: break at a function"
                  : programSource_.empty()
                      ? "the program's source " + session_->sourcePath() +
                            " is not found"
                      : "not the program's source (" + programSource_ + ")";
    } else if (engineLine(b.line) < 1) {
      b.message = "no code at line " + std::to_string(b.line);
    } else {
      Result<Breakpoint> set = session_->breakAtLine({}, engineLine(b.line));
      if (set) {
        b.engineId = set.value().id;
        b.engineLine = set.value().line;
      } else {
        b.message = errorText(set.error());
      }
    }
  }

  void placeFunction(ClientBreakpoint& b) {
    b.engineId = 0;
    if (!session_) {
      b.message = "the program is not loaded yet";
    } else if (noDebug_) {
      b.message = "running without debugging";
    } else {
      Result<Breakpoint> set = session_->breakAtFunction(b.function);
      if (set) {
        b.engineId = set.value().id;
        b.engineLine = set.value().line;
      } else {
        b.message = errorText(set.error());
      }
    }
  }

  static std::string errorText(const Error& e) {
    return e.diagnostics.empty() ? "cannot set the breakpoint"
                                 : e.diagnostics.front().message;
  }

  Json breakpointJson(const ClientBreakpoint& b,
                      const std::string* clientPath) const {
    Json out = {{"id", b.id}, {"verified", b.engineId != 0}};
    if (b.engineId != 0 && b.engineLine != 0) {
      out["line"] = clientLine(b.engineLine);
      out["source"] = source();
    } else if (clientPath) {
      out["line"] = b.line;
    }
    if (clientPath)
      out["source"] = Json{{"name", fs::path(*clientPath).filename().string()},
                           {"path", *clientPath}};
    if (!b.message.empty()) out["message"] = b.message;
    return out;
  }
  Json breakpointEvent(const ClientBreakpoint& b, const std::string* path) {
    return dap::event("breakpoint", {{"reason", "changed"},
                                     {"breakpoint", breakpointJson(b, path)}});
  }

  void removeFromEngine(std::vector<ClientBreakpoint>& list) {
    for (const ClientBreakpoint& b : list)
      if (b.engineId != 0) session_->deleteBreakpoint(b.engineId);
    list.clear();
  }

  Json setBreakpoints(const Json& args) {
    const dap::SourceBreakpoints asked = dap::parseSetBreakpoints(args);
    std::vector<ClientBreakpoint>& list = sourceBreakpoints_[asked.path];
    removeFromEngine(list);
    Json out = Json::array();
    for (int64_t line : asked.lines) {
      ClientBreakpoint b;
      b.id = nextBreakpointId_++;
      b.line = line;
      placeLine(asked.path, b);
      out.push_back(breakpointJson(b, &asked.path));
      list.push_back(std::move(b));
    }
    return Json{{"breakpoints", out}};
  }

  Json setFunctionBreakpoints(const Json& args) {
    const std::vector<std::string> names = dap::parseFunctionBreakpoints(args);
    removeFromEngine(functionBreakpoints_);
    Json out = Json::array();
    for (const std::string& name : names) {
      ClientBreakpoint b;
      b.id = nextBreakpointId_++;
      b.function = name;
      placeFunction(b);
      out.push_back(breakpointJson(b, nullptr));
      functionBreakpoints_.push_back(std::move(b));
    }
    return Json{{"breakpoints", out}};
  }

  Json setExceptionBreakpoints(const Json& args) {
    const std::vector<std::string> filters = dap::parseExceptionFilters(args);
    stopUncaught_ = stopAll_ = false;
    Json out = Json::array();
    for (const std::string& f : filters) {
      (f == "all" ? stopAll_ : stopUncaught_) = true;
      out.push_back({{"verified", true}});
    }
    applyExceptionStops();
    return Json{{"breakpoints", out}};
  }

  // --- stops ---
  Json stoppedEvent(const StopInfo& stop) {
    std::string reason(stopReasonName(stop.reason));
    Json body = {{"threadId", stop.fiber}, {"allThreadsStopped", true}};
    if (stop.reason == StopReason::Breakpoint) {
      Json ids = Json::array();
      bool functionsOnly = true;
      auto collect = [&](const std::vector<ClientBreakpoint>& list,
                         bool isFunction) {
        for (const ClientBreakpoint& b : list)
          for (uint32_t hit : stop.breakpoints)
            if (b.engineId == hit) {
              ids.push_back(b.id);
              functionsOnly = functionsOnly && isFunction;
            }
      };
      for (auto& [path, list] : sourceBreakpoints_) collect(list, false);
      collect(functionBreakpoints_, true);
      body["hitBreakpointIds"] = ids;
      if (functionsOnly && !ids.empty()) reason = "function breakpoint";
    } else if (stop.reason == StopReason::Exception) {
      body["description"] =
          stop.uncaught ? "Paused on an uncaught error" : "Paused on an error";
      body["text"] = toDisplayString(stop.error);
    } else if (stop.reason == StopReason::Entry) {
      body["description"] = "Paused on entry";
    }
    body["reason"] = reason;
    return dap::event("stopped", std::move(body));
  }

  void requireStopped() const {
    if (phase_ == Phase::Running)
      throw RequestError("the program is running: pause it first");
    if (phase_ != Phase::Stopped)
      throw RequestError("the program is not stopped");
  }

  Json resume(const std::string& command, const Json& args) {
    const dap::StepArguments a = dap::parseStep(args);
    requireStopped();
    if (command == "continue") {
      resume_ = Resume::Continue;
    } else {
      if (a.threadId != 0 && a.threadId != lastStop_->fiber) {
        if (session_->frames(static_cast<FiberId>(a.threadId)).empty())
          throw RequestError("no live fiber " + std::to_string(a.threadId));
        session_->stepFiber(static_cast<FiberId>(a.threadId));
      }
      resume_ = command == "stepOut"  ? Resume::StepOut
                : a.instruction       ? Resume::StepInstruction
                : command == "stepIn" ? Resume::StepIn
                                      : Resume::StepOver;
    }
    flow_ = Flow::Resume;
    return command == "continue" ? Json{{"allThreadsContinued", true}}
                                 : Json::object();
  }

  // --- inspection ---
  Json threads() const {
    Json out = Json::array();
    if (phase_ == Phase::Running || phase_ == Phase::Stopped)
      for (const DebugSession::FiberInfo& f : session_->fibers())
        out.push_back({{"id", f.id},
                       {"name", "fiber " + std::to_string(f.id) + " (" +
                                    f.function + ")"}});
    return Json{{"threads", out}};
  }

  int64_t frameId(FiberId fiber, size_t frame) {
    const auto key = std::make_pair(fiber, frame);
    if (auto it = frameById_.find(key); it != frameById_.end())
      return it->second;
    frameIds_.push_back(key);
    const auto id = static_cast<int64_t>(frameIds_.size());
    frameById_.emplace(key, id);
    return id;
  }
  std::pair<FiberId, size_t> frameOf(int64_t id) const {
    if (id < 1 || id > static_cast<int64_t>(frameIds_.size()))
      throw RequestError("unknown frameId " + std::to_string(id) +
                         " (frames last until the program resumes)");
    return frameIds_[static_cast<size_t>(id - 1)];
  }

  Json stackTrace(const Json& args) {
    const dap::StackTraceArguments a = dap::parseStackTrace(args);
    requireStopped();
    const auto fiber = static_cast<FiberId>(a.threadId);
    const std::vector<FrameInfo> stack = session_->frames(fiber);
    if (stack.empty())
      throw RequestError("no live fiber " + std::to_string(a.threadId));
    Json frames = Json::array();
    const size_t end = a.levels > 0
                           ? static_cast<size_t>(a.startFrame + a.levels)
                           : stack.size();
    for (size_t i = static_cast<size_t>(a.startFrame);
         i < stack.size() && i < end; ++i) {
      const FrameInfo& fr = stack[i];
      Json f = {{"id", frameId(fiber, i)},
                {"name", session_->functionName(fr.function)},
                {"line", 0},
                {"column", 0},
                {"instructionPointerReference",
                 std::to_string(index_->offset(fr.function) + fr.pc)}};
      if (fr.line != 0 && !programSource_.empty()) {
        f["source"] = source();
        f["line"] = clientLine(fr.line);
        f["column"] = columnsStartAt1_ ? 1 : 0;
      }
      frames.push_back(std::move(f));
    }
    return Json{{"stackFrames", frames}, {"totalFrames", stack.size()}};
  }

  Json scopes(const Json& args) {
    const int64_t id = dap::intField(args, "frameId", -1, -1, INT32_MAX);
    requireStopped();
    const auto [fiber, frame] = frameOf(id);
    using S = dap::VariableRefs::Scope;
    auto scope = [&](const char* name, S kind, size_t count) {
      return Json{{"name", name},
                  {"variablesReference", refs_.scope(kind, fiber, frame)},
                  {"namedVariables", count},
                  {"expensive", false}};
    };
    Json locals =
        scope("Locals", S::Locals, session_->locals(fiber, frame).size());
    locals["presentationHint"] = "locals";
    return Json{
        {"scopes",
         Json::array(
             {locals,
              scope("Operand stack", S::Operands,
                    session_->operandStack(fiber, frame).size()),
              scope("Variables", S::Shared, session_->variables().size())})}};
  }

  Json variables(const Json& args) {
    const dap::VariablesArguments a = dap::parseVariables(args);
    requireStopped();
    const dap::VariableRefs::Entry* e = refs_.find(a.reference);
    if (!e)
      throw RequestError("unknown variablesReference " +
                         std::to_string(a.reference) +
                         " (references last until the program resumes)");
    std::vector<std::pair<std::string, Value>> named;
    if (!e->isScope) {
      named = dap::children(e->value, a.filter, a.start, a.count);
    } else {
      using S = dap::VariableRefs::Scope;
      if (e->scope == S::Locals) {
        if (e->frame == 0 && lastStop_ && lastStop_->returned &&
            lastStop_->fiber == e->fiber)
          named.emplace_back("(return value)", *lastStop_->returned);
        for (NamedValue& nv : session_->locals(e->fiber, e->frame))
          named.emplace_back(std::move(nv.name), nv.value);
      } else if (e->scope == S::Operands) {
        // Top first: "[i]" counts from the bottom, as `info stack` does.
        std::vector<Value> stack = session_->operandStack(e->fiber, e->frame);
        for (size_t i = stack.size(); i-- > 0;)
          named.emplace_back("[" + std::to_string(i) + "]", stack[i]);
      } else {
        for (NamedValue& nv : session_->variables())
          named.emplace_back(std::move(nv.name), nv.value);
      }
      if (a.filter == dap::VariablesArguments::Filter::Indexed) named.clear();
      // Pages, as for containers.
      const size_t from = std::min(named.size(), static_cast<size_t>(a.start));
      const size_t to =
          a.count > 0
              ? std::min(named.size(), from + static_cast<size_t>(a.count))
              : named.size();
      named = {named.begin() + static_cast<ptrdiff_t>(from),
               named.begin() + static_cast<ptrdiff_t>(to)};
    }
    Json out = Json::array();
    for (const auto& [name, value] : named)
      out.push_back(dap::variableJson(name, value, refs_));
    return Json{{"variables", out}};
  }

  // An expression is the name of a local of the frame or of a variable as
  // load_var would find it; without a frame (or while not stopped), of a
  // shared variable.
  Json evaluate(const Json& args) {
    dap::EvaluateArguments a = dap::parseEvaluate(args);
    std::string_view name = a.expression;
    while (!name.empty() &&
           std::isspace(static_cast<unsigned char>(name.front())))
      name.remove_prefix(1);
    while (!name.empty() &&
           std::isspace(static_cast<unsigned char>(name.back())))
      name.remove_suffix(1);
    if (phase_ == Phase::Idle) throw RequestError("no program is launched");
    if (phase_ == Phase::Running)
      throw RequestError("the program is running: pause it first");
    std::optional<Value> v;
    if (a.frameId && phase_ == Phase::Stopped) {
      const auto [fiber, frame] = frameOf(*a.frameId);
      v = session_->lookup(fiber, frame, name);
    } else {
      for (const NamedValue& nv : session_->variables())
        if (nv.name == name) v = nv.value;
    }
    if (!v)
      throw RequestError("no local or variable named '" + std::string(name) +
                         "'");
    Json var = dap::variableJson(std::string(name), *v, refs_);
    Json out = {{"result", var["value"]},
                {"type", var["type"]},
                {"variablesReference", var["variablesReference"]}};
    for (const char* k : {"indexedVariables", "namedVariables"})
      if (var.contains(k)) out[k] = var[k];
    return out;
  }

  Json exceptionInfo() const {
    if (phase_ != Phase::Stopped || !lastStop_ ||
        lastStop_->reason != StopReason::Exception)
      throw RequestError("not stopped on an error");
    const Value& err = lastStop_->error;
    std::string id(kindName(err.kind())), message = toDisplayString(err);
    if (err.isError()) {
      id = std::string(errorTagName(err.asError()->tag()));
      message = std::string(err.asError()->message()->view());
    }
    return Json{{"exceptionId", id},
                {"description", message},
                {"breakMode", lastStop_->uncaught ? "unhandled" : "always"},
                {"details", {{"message", message}, {"typeName", id}}}};
  }

  // Addresses are flat instruction indexes (CodeIndex): function f's
  // instruction pc is at offset(f) + pc.
  Json disassemble(const Json& args) {
    const dap::DisassembleArguments a = dap::parseDisassemble(args);
    if (!session_) throw RequestError("no program is launched");
    const Program& p = session_->program();
    const auto size = static_cast<int64_t>(index_->size());
    Json out = Json::array();
    uint32_t f = 0;
    for (int64_t k = 0; k < a.count; ++k) {
      const int64_t at = a.first + k;
      Json ins = {{"address", std::to_string(at)}};
      if (at < 0 || at >= size) {
        ins["instruction"] = "";
        ins["presentationHint"] = "invalid";
      } else {
        const auto flat = static_cast<uint32_t>(at);
        while (f + 1 < index_->functions() && index_->offset(f + 1) <= flat)
          ++f;
        while (f > 0 && index_->offset(f) > flat) --f;
        const uint32_t pc = flat - index_->offset(f);
        ins["instruction"] = session_->instructionText(f, pc);
        ins["symbol"] = session_->functionName(f);
        const uint32_t line = p.lineOf(f, pc);
        if (line != 0 && !programSource_.empty()) {
          ins["location"] = source();
          ins["line"] = clientLine(line);
        }
      }
      out.push_back(std::move(ins));
    }
    return Json{{"instructions", out}};
  }

  // --- the run ---
  void runProgram() {
    started_ = true;
    const int exitCode = session_->run(*this);
    setPhase(Phase::Ended);
    if (disconnected_) return;
    RunReport r = session_->report();
    std::string summary =
        "[program ended: status " + std::string(runOutcomeName(r.status)) +
        ", " + std::to_string(r.ticks) + " tick" + (r.ticks == 1 ? "" : "s") +
        ", exit code " + std::to_string(exitCode) + "]\n";
    if (r.result) summary += "result: " + toDisplayString(*r.result) + "\n";
    for (const FiberRecord& fr : r.fibers)
      if (fr.state == FiberState::Fault && fr.error)
        summary += "fiber " + std::to_string(fr.id) + " (" + fr.function +
                   ") faulted: " + toDisplayString(*fr.error) + "\n";
    console(summary);
    ch_.send(dap::event("exited", {{"exitCode", exitCode}}));
    ch_.send(dap::event("terminated"));
  }

  void console(const std::string& text) {
    ch_.send(dap::event("output", {{"category", "console"}, {"output", text}}));
  }

  Channel& ch_;
  std::mutex phaseMutex_;  // phase_ and session_ as the reader thread sees them
  Phase phase_ = Phase::Idle;
  std::unique_ptr<DebugSession> session_;
  std::unique_ptr<CodeIndex> index_;
  std::string programSource_;
  bool linesStartAt1_ = true, columnsStartAt1_ = true;
  bool configured_ = false, started_ = false, disconnected_ = false,
       noDebug_ = false;
  bool stopUncaught_ = true, stopAll_ = false;
  Flow flow_ = Flow::Stay;
  Resume resume_ = Resume::Continue;
  std::vector<Json> after_;  // events to send after the current response
  std::map<std::string, std::vector<ClientBreakpoint>> sourceBreakpoints_;
  std::vector<ClientBreakpoint> functionBreakpoints_;
  int64_t nextBreakpointId_ = 1;
  // Per stop.
  std::optional<StopInfo> lastStop_;
  dap::VariableRefs refs_;
  std::vector<std::pair<FiberId, size_t>> frameIds_;  // id = index + 1
  std::map<std::pair<FiberId, size_t>, int64_t> frameById_;
};

}  // namespace

int runDapServer(int inFd, int outFd) {
  // A client that goes away must not kill us mid-write: write() fails
  // instead, and the session ends.
  std::signal(SIGPIPE, SIG_IGN);
  Channel channel(inFd, outFd);
  Server server(channel);
  channel.start([&server](const Request& r) { return server.intercept(r); });
  const int rc = server.serve();
  channel.stop();  // before `server` goes: the reader thread calls it
  return rc;
}

void addDapCommand(CLI::App& app, int& exitCode) {
  CLI::App* sub = app.add_subcommand(
      "dap",
      "Serve the Debug Adapter Protocol on stdin/stdout (for VS Code and "
      "other editors; see docs/debugging.md)");
  sub->footer(
      "The client sends a launch request with the program and brainvm run's "
      "options:\n"
      "  {\"program\": \"prog.bvasm\", \"ticks\": 100, \"stopOnEntry\": true}\n"
      "Logs go to stderr (-v for more); stdout carries only DAP messages.");
  sub->callback([&exitCode] { exitCode = runDapServer(0, 1); });
}

}  // namespace brainvm::cli

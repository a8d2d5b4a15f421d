#include "debug_session.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "brainvm/assembler.h"
#include "exit_codes.h"
#include "io.h"
#include "load.h"
#include "run_inputs.h"

namespace brainvm::cli {

std::string_view stopReasonName(StopReason r) {
  switch (r) {
    case StopReason::Entry: return "entry";
    case StopReason::Breakpoint: return "breakpoint";
    case StopReason::Step: return "step";
    case StopReason::Pause: return "pause";
    case StopReason::Exception: return "exception";
    case StopReason::TickEnd: return "tick";
    case StopReason::Exited: return "exited";
  }
  return "?";
}

// The runtime's debugger hooks: every stop candidate goes to the session.
class DebugSession::Hooks : public DebugHooks {
 public:
  Hooks(const Program& p, DebugSession& s) : DebugHooks(p), session_(s) {}
  DebugAction onStop(Runtime&, const DebugStop& stop) override {
    return session_.onStop(stop);
  }
  std::atomic<bool> pauseAsked{false};

 private:
  DebugSession& session_;
};

// Fiber lifecycle events for the front end (each fiber's end once).
class DebugSession::Observer : public RuntimeObserver {
 public:
  explicit Observer(DebugSession& s) : session_(s) {}
  void onFiberSpawned(FiberId id, uint32_t) override {
    if (session_.frontEnd_) session_.frontEnd_->fiberStarted(id);
  }
  void onSlice(FiberId id, const RunResult& r) override {
    if (r.status == RunStatus::Done || r.status == RunStatus::Fault ||
        r.status == RunStatus::Cancelled)
      ended(id);
  }
  void onFiberCancelled(FiberId id) override { ended(id); }

 private:
  void ended(FiberId id) {
    if (!ended_.insert(id).second) return;
    // A step whose fiber ended stops at the next instruction of any fiber.
    if (session_.step_.mode != Resume::Continue && session_.step_.fiber == id)
      session_.step_.anywhere = true;
    if (session_.frontEnd_) session_.frontEnd_->fiberEnded(id);
  }
  DebugSession& session_;
  std::set<FiberId> ended_;
};

DebugSession::~DebugSession() = default;

std::unique_ptr<DebugSession> DebugSession::create(const std::string& path,
                                                   const RunCliOptions& o,
                                                   std::string& diagnostics,
                                                   int& exitCode) {
  const std::string name = displayName(path);
  auto inputs = std::make_shared<RunInputs>();
  exitCode = collectRunInputs(o.vars, o.varsFile, o.env, *inputs, diagnostics);
  if (exitCode != kExitOk) return nullptr;
  std::string text;
  exitCode = readInput(path, text, diagnostics);
  if (exitCode != kExitOk) return nullptr;
  ProgramInput loaded = loadProgram(name, text, diagnostics);
  exitCode = loaded.exitCode;
  if (exitCode != kExitOk) return nullptr;
  Program& program = *loaded.program;

  std::unique_ptr<DebugSession> s(new DebugSession());
  RunOptions options;
  std::shared_ptr<std::string> setupError;
  exitCode = prepareRun(o, name, program, 0, inputs, options, setupError,
                        diagnostics);
  if (exitCode != kExitOk) return nullptr;
  DebugSession* self = s.get();
  options.echo = [self](std::string_view line) {
    if (self->frontEnd_) self->frontEnd_->printed(line);
  };
  s->observer_ = std::make_unique<Observer>(*s);
  options.observer = s->observer_.get();
  s->sourcePath_ = program.sourceName.empty() ? path : program.sourceName;

  auto created = Runner::create(std::move(program), std::move(options));
  if (!created) {
    diagnostics += formatError(created.error());
    exitCode = setupError && !setupError->empty()
                   ? kExitUsage
                   : exitCodeFor(created.error().code);
    return nullptr;
  }
  s->runner_ = std::move(created.value());
  s->hooks_ = std::make_unique<Hooks>(s->program(), *s);
  Instrumentation parts;
  parts.debug = s->hooks_.get();
  if (Status st = s->runtime().setInstrumentation(parts); !st) {
    diagnostics += formatError(st.error());
    exitCode = kExitFault;
    return nullptr;
  }

  // The source, for `list` and for showing the line at a stop.
  std::ifstream in(s->sourcePath_, std::ios::binary);
  if (in && s->program().hasDebugInfo) {
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      s->sourceLines_.push_back(line);
    }
  }
  return s;
}

const Program& DebugSession::program() const {
  return runner_->runtime().program();
}
Runtime& DebugSession::runtime() { return runner_->runtime(); }

std::string DebugSession::sourceLine(uint32_t line) const {
  return line >= 1 && line <= sourceLines_.size() ? sourceLines_[line - 1]
                                                  : std::string();
}
uint32_t DebugSession::sourceLineCount() const {
  return static_cast<uint32_t>(sourceLines_.size());
}

uint32_t DebugSession::lineOf(uint32_t function, uint32_t pc) const {
  return program().lineOf(function, pc);
}

// --- breakpoints ---------------------------------------------------------------

Result<Breakpoint> DebugSession::breakAtLine(std::string_view file,
                                             uint32_t line, bool temporary) {
  const Program& p = program();
  if (!p.hasDebugInfo)
    return Error(ErrorCode::InvalidArgument,
                 "the program has no debug info: break at a function");
  if (!file.empty()) {
    namespace fs = std::filesystem;
    const std::string base = fs::path(sourcePath_).filename().string();
    if (file != sourcePath_ && file != base &&
        fs::path(file).filename().string() != base)
      return Error(ErrorCode::InvalidArgument,
                   "no source file named '" + std::string(file) + "'");
  }
  // The first instruction of the smallest line >= `line` that has code;
  // every place that line starts gets the breakpoint.
  uint32_t best = 0;
  for (const Function& fn : p.functions)
    for (uint32_t l : fn.lines)
      if (l >= line && (best == 0 || l < best)) best = l;
  if (best == 0)
    return Error(ErrorCode::InvalidArgument,
                 "no code at or after line " + std::to_string(line));
  Breakpoint b;
  for (uint32_t f = 0; f < p.functions.size() && b.id == 0; ++f) {
    const Function& fn = p.functions[f];
    for (uint32_t pc = 0; pc < fn.lines.size(); ++pc)
      if (fn.lines[pc] == best && (pc == 0 || fn.lines[pc - 1] != best)) {
        b.function = f;
        b.pc = pc;
        b.id = nextBreakpointId_++;
        break;
      }
  }
  b.line = best;
  b.askedLine = line;
  b.temporary = temporary;
  hooks_->setBreak(b.function, b.pc, true);
  breakpoints_.push_back(b);
  return b;
}

Result<Breakpoint> DebugSession::breakAtFunction(std::string_view name,
                                                 bool temporary) {
  std::optional<uint32_t> f = program().findFunction(name);
  if (!f)
    return Error(ErrorCode::InvalidArgument,
                 "no function named '" + std::string(name) + "'");
  Breakpoint b;
  b.id = nextBreakpointId_++;
  b.function = *f;
  b.pc = 0;
  b.line = b.askedLine = lineOf(*f, 0);
  b.temporary = temporary;
  hooks_->setBreak(b.function, b.pc, true);
  breakpoints_.push_back(b);
  return b;
}

bool DebugSession::deleteBreakpoint(uint32_t id) {
  auto it = std::find_if(breakpoints_.begin(), breakpoints_.end(),
                         [id](const Breakpoint& b) { return b.id == id; });
  if (it == breakpoints_.end()) return false;
  const Breakpoint gone = *it;
  breakpoints_.erase(it);
  const bool stillSet = std::any_of(
      breakpoints_.begin(), breakpoints_.end(), [&](const Breakpoint& b) {
        return b.function == gone.function && b.pc == gone.pc;
      });
  if (!stillSet) hooks_->setBreak(gone.function, gone.pc, false);
  return true;
}

void DebugSession::deleteAllBreakpoints() {
  breakpoints_.clear();
  hooks_->clearBreaks();
}

void DebugSession::setExceptionStops(bool uncaught, bool caught) {
  hooks_->setStopOnUncaughtErrors(uncaught);
  hooks_->setStopOnCaughtErrors(caught);
}

void DebugSession::requestPause() {
  hooks_->pauseAsked.store(true, std::memory_order_relaxed);
  hooks_->requestPause();
}

// --- running ---------------------------------------------------------------------

DebugAction DebugSession::onStop(const DebugStop& stop) {
  StopInfo info;
  info.fiber = stop.fiber;
  if (stop.event != DebugEvent::Instruction) {
    info.reason = StopReason::Exception;
    info.error = stop.error;
    info.uncaught = stop.event == DebugEvent::UncaughtError;
    return stopHere(std::move(info));
  }
  std::vector<uint32_t> temporaries;
  for (Breakpoint& b : breakpoints_)
    if (b.function == stop.function && b.pc == stop.pc) {
      ++b.hits;
      info.breakpoints.push_back(b.id);
      if (b.temporary) temporaries.push_back(b.id);
    }
  for (uint32_t id : temporaries) deleteBreakpoint(id);
  if (!info.breakpoints.empty()) {
    info.reason = StopReason::Breakpoint;
    return stopHere(std::move(info));
  }
  if (hooks_->pauseAsked.exchange(false, std::memory_order_relaxed)) {
    info.reason = StopReason::Pause;
    return stopHere(std::move(info));
  }
  if (step_.mode == Resume::Continue && !step_.anywhere)
    return DebugAction::Continue;
  if (step_.anywhere) {
    info.reason = step_.mode == Resume::Continue ? StopReason::Entry
                                                 : StopReason::Step;
    return stopHere(std::move(info));
  }
  if (stop.fiber != step_.fiber) return DebugAction::Continue;
  // Without debug info every instruction is its own "line".
  const uint32_t line = program().hasDebugInfo
                            ? lineOf(stop.function, stop.pc)
                            : stop.pc + 1;
  const bool otherLine = line != step_.line || stop.function != step_.function;
  bool stopNow = false;
  switch (step_.mode) {
    case Resume::StepInstruction: stopNow = true; break;
    case Resume::StepIn: stopNow = stop.depth != step_.depth || otherLine; break;
    case Resume::StepOver:
      stopNow = stop.depth < step_.depth ||
                (stop.depth == step_.depth && otherLine);
      break;
    case Resume::StepOut:
      stopNow = stop.depth < step_.depth;
      if (stopNow) {
        std::vector<Value> operands = runtime().operandStack(stop.fiber, 0);
        if (!operands.empty()) info.returned = operands.back();
      }
      break;
    default: break;
  }
  if (!stopNow) return DebugAction::Continue;
  info.reason = StopReason::Step;
  return stopHere(std::move(info));
}

DebugAction DebugSession::stopHere(StopInfo info) {
  step_ = Step{};
  stepFiber_ = 0;
  hooks_->setStopEverywhere(false);
  // This stop answers a pause asked before it (the runtime's own flag is
  // cleared at every stop too): no second stop for it after resuming.
  hooks_->pauseAsked.store(false, std::memory_order_relaxed);
  const Resume resume = frontEnd_->stopped(info);
  if (stepFiber_ != 0 && stepFiber_ != info.fiber) {
    info.fiber = stepFiber_;
    info.reason = StopReason::Step;
  }
  apply(resume, info);
  return terminated_ ? DebugAction::Abort : DebugAction::Continue;
}

void DebugSession::apply(Resume resume, const StopInfo& from) {
  step_ = Step{};
  switch (resume) {
    case Resume::Continue: return;
    case Resume::Terminate: terminated_ = true; return;
    case Resume::RunToTickEnd: tickEndRequested_ = true; return;
    default: break;
  }
  step_.mode = resume;
  step_.fiber = from.fiber;
  const std::vector<FrameInfo> stack =
      from.fiber ? runtime().frames(from.fiber) : std::vector<FrameInfo>{};
  if (stack.empty() || from.reason == StopReason::Exception) {
    // No frame to step in (or one about to end): the next instruction of
    // any fiber.
    step_.anywhere = true;
  } else {
    step_.depth = static_cast<uint32_t>(stack.size());
    step_.function = stack[0].function;
    step_.line = program().hasDebugInfo ? stack[0].line : stack[0].pc + 1;
  }
  hooks_->setStopEverywhere(true);
}

int DebugSession::run(DebugFrontEnd& frontEnd) {
  frontEnd_ = &frontEnd;
  started_ = true;
  if (Status s = runner_->start(); !s) {
    finished_ = true;
    exitCode_ = s.error().code == ErrorCode::LimitExceeded ? kExitFault
                                                           : kExitUsage;
    StopInfo end;
    end.reason = StopReason::Exited;
    frontEnd.stopped(end);
    return exitCode_;
  }
  if (stopOnEntry_) {
    step_.anywhere = true;
    hooks_->setStopEverywhere(true);
  }
  for (;;) {
    Result<bool> more = runner_->step();
    if (!more || terminated_ || !more.value()) break;
    if (tickEndRequested_) {
      tickEndRequested_ = false;
      StopInfo tick;
      tick.reason = StopReason::TickEnd;
      apply(frontEnd.stopped(tick), tick);
      if (terminated_) break;
    }
    if (!frontEnd.idle()) {
      terminated_ = true;
      break;
    }
  }
  finished_ = true;
  hooks_->setStopEverywhere(false);
  RunReport rep = runner_->report();
  exitCode_ = (rep.faulted || rep.status == RunOutcome::Limit) ? kExitFault
                                                              : kExitOk;
  StopInfo end;
  end.reason = StopReason::Exited;
  frontEnd.stopped(end);
  return exitCode_;
}

RunReport DebugSession::report() { return runner_->report(); }

// --- inspection -------------------------------------------------------------------

std::vector<DebugSession::FiberInfo> DebugSession::fibers() const {
  std::vector<FiberInfo> out;
  Runtime& rt = runner_->runtime();
  for (FiberId id : rt.fiberIds()) {
    std::optional<FiberView> v = rt.fiber(id);
    if (!v || (v->state != FiberState::Runnable &&
               v->state != FiberState::Waiting))
      continue;
    FiberInfo info;
    info.id = id;
    info.function = functionName(v->function);
    info.state = v->state;
    std::vector<FrameInfo> stack = rt.frames(id);
    if (!stack.empty()) info.line = stack[0].line;
    out.push_back(std::move(info));
  }
  return out;
}

std::vector<FrameInfo> DebugSession::frames(FiberId fiber) const {
  return runner_->runtime().frames(fiber);
}

std::vector<NamedValue> DebugSession::locals(FiberId fiber,
                                             size_t frame) const {
  std::vector<NamedValue> out;
  std::vector<FrameInfo> stack = frames(fiber);
  if (frame >= stack.size()) return out;
  const Function& fn = program().functions[stack[frame].function];
  std::vector<Value> values = runner_->runtime().locals(fiber, frame);
  for (size_t i = 0; i < values.size(); ++i) {
    std::string name = i < fn.localNames.size() && !fn.localNames[i].empty()
                           ? fn.localNames[i]
                           : "local" + std::to_string(i);
    out.push_back(NamedValue{std::move(name), values[i]});
  }
  return out;
}

std::vector<Value> DebugSession::operandStack(FiberId fiber,
                                              size_t frame) const {
  return runner_->runtime().operandStack(fiber, frame);
}

std::vector<NamedValue> DebugSession::variables() const {
  std::vector<NamedValue> out;
  for (auto& [name, value] : runner_->runtime().sharedVariables())
    out.push_back(NamedValue{name, value});
  return out;
}

std::optional<Value> DebugSession::lookup(FiberId fiber, size_t frame,
                                          std::string_view name) const {
  for (const NamedValue& local : locals(fiber, frame))
    if (local.name == name) return local.value;
  return runner_->runtime().lookupVariable(fiber, name);
}

std::string DebugSession::functionName(uint32_t function) const {
  const Program& p = program();
  return function < p.functions.size() ? p.functions[function].name : "?";
}

std::string DebugSession::instructionText(uint32_t function,
                                          uint32_t pc) const {
  return formatInstruction(program(), function, pc);
}

}  // namespace brainvm::cli

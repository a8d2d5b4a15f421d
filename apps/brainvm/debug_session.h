// The debugger's engine, shared by `brainvm debug` (gdb-style commands) and
// `brainvm dap` (the Debug Adapter Protocol): a program run by a Runner
// with DebugHooks attached, breakpoints, stepping, and inspection of fibers,
// frames, locals, operand stacks and variables. The front end is called at
// every stop and says how to go on.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "brainvm/instrumentation.h"
#include "brainvm/runner.h"
#include "run_command.h"

namespace brainvm::cli {

enum class StopReason {
  Entry,       // before the first instruction (stop on entry)
  Breakpoint,  // before an instruction with a breakpoint
  Step,        // a step, next, finish or stepi completed
  Pause,       // asked to pause
  Exception,   // an error was thrown (uncaught, or caught with "all")
  TickEnd,     // the tick ended (the `tick` command)
  Exited,      // the program ended
};
std::string_view stopReasonName(StopReason r);  // "entry", "breakpoint", ...

struct StopInfo {
  StopReason reason = StopReason::Entry;
  FiberId fiber = 0;  // the fiber stopped in (0 for TickEnd and Exited)
  std::vector<uint32_t> breakpoints;  // ids, for Breakpoint
  Value error;        // Exception: the thrown value
  bool uncaught = false;
  std::optional<Value> returned;  // a finish: the value the frame returned
};

// How to go on after a stop.
enum class Resume {
  Continue,
  StepIn,           // to the next source line, into calls
  StepOver,         // to the next source line of this frame or a caller
  StepOut,          // until the frame returns
  StepInstruction,  // one instruction
  RunToTickEnd,     // to the end of the current tick
  Terminate,        // end the program now
};

struct Breakpoint {
  uint32_t id = 0;
  uint32_t function = 0;
  uint32_t pc = 0;
  uint32_t line = 0;       // 0 without debug info
  uint32_t askedLine = 0;  // the line asked for (moved when it has no code)
  bool temporary = false;  // deleted when hit (tbreak)
  uint64_t hits = 0;
};

// A named value of a frame or scope.
struct NamedValue {
  std::string name;
  Value value;
};

class DebugFrontEnd {
 public:
  virtual ~DebugFrontEnd() = default;
  // The program stopped (the session's inspection calls show its state):
  // say how to go on.
  virtual Resume stopped(const StopInfo& stop) = 0;
  // Between ticks while the program runs: false terminates it.
  virtual bool idle() { return true; }
  virtual void printed(std::string_view /*line*/) {}
  virtual void fiberStarted(FiberId) {}
  virtual void fiberEnded(FiberId) {}
};

class DebugSession {
 public:
  // Loads `path` (.bvasm or .bvm; the text when `source` is given) to run
  // with `brainvm run`'s options. Diagnostics and a `brainvm run` exit code
  // on failure.
  static std::unique_ptr<DebugSession> create(const std::string& path,
                                              const RunCliOptions& options,
                                              std::string& diagnostics,
                                              int& exitCode);
  ~DebugSession();

  const Program& program() const;
  Runtime& runtime();
  // The source file as named by the debug info (or the path given).
  const std::string& sourcePath() const { return sourcePath_; }
  // A line of the source file, if it can be read ("" otherwise).
  std::string sourceLine(uint32_t line) const;
  uint32_t sourceLineCount() const;

  // --- breakpoints ---
  // At a source line: the first instruction of the line, or of the next
  // line with code (Breakpoint::askedLine tells). `file` may be empty, the
  // source's path or its file name.
  Result<Breakpoint> breakAtLine(std::string_view file, uint32_t line,
                                 bool temporary = false);
  Result<Breakpoint> breakAtFunction(std::string_view name,
                                     bool temporary = false);
  bool deleteBreakpoint(uint32_t id);
  void deleteAllBreakpoints();
  const std::vector<Breakpoint>& breakpoints() const { return breakpoints_; }
  void setExceptionStops(bool uncaught, bool caught);
  void setStopOnEntry(bool on) { stopOnEntry_ = on; }
  // From any thread: stop at the next instruction.
  void requestPause();
  // From stopped(): the fiber that the step it returns applies to, when not
  // the one stopped in (a DAP client may step any fiber). Reset at each stop.
  void stepFiber(FiberId fiber) { stepFiber_ = fiber; }

  // Runs the program, calling the front end at every stop, until it ends
  // or the front end terminates it. Returns `brainvm run`'s exit code.
  int run(DebugFrontEnd& frontEnd);
  bool started() const { return started_; }
  bool finished() const { return finished_; }
  // The report so far (final once finished).
  RunReport report();

  // --- inspection (at stops) ---
  struct FiberInfo {
    FiberId id = 0;
    std::string function;
    FiberState state = FiberState::Runnable;
    uint32_t line = 0;
  };
  // Live fibers by id (rules included).
  std::vector<FiberInfo> fibers() const;
  std::vector<FrameInfo> frames(FiberId fiber) const;
  // Locals of frame `frame` (0 = innermost) with their names.
  std::vector<NamedValue> locals(FiberId fiber, size_t frame) const;
  std::vector<Value> operandStack(FiberId fiber, size_t frame) const;
  // The program's shared variables, sorted.
  std::vector<NamedValue> variables() const;
  // A local of the frame by name, else a variable as load_var would see it.
  std::optional<Value> lookup(FiberId fiber, size_t frame,
                              std::string_view name) const;
  std::string functionName(uint32_t function) const;
  std::string instructionText(uint32_t function, uint32_t pc) const;

 private:
  class Hooks;
  class Observer;
  DebugSession() = default;
  // The stepping anchor: where a step started.
  struct Step {
    Resume mode = Resume::Continue;
    FiberId fiber = 0;
    uint32_t depth = 0;
    uint32_t function = 0;
    uint32_t line = 0;
    bool anywhere = false;  // stop at the next instruction of any fiber
  };
  DebugAction onStop(const DebugStop& stop);
  DebugAction stopHere(StopInfo info);
  void apply(Resume resume, const StopInfo& from);
  uint32_t lineOf(uint32_t function, uint32_t pc) const;

  std::unique_ptr<Runner> runner_;
  std::unique_ptr<Hooks> hooks_;
  std::unique_ptr<Observer> observer_;
  DebugFrontEnd* frontEnd_ = nullptr;
  std::string sourcePath_;
  std::vector<std::string> sourceLines_;
  std::vector<Breakpoint> breakpoints_;
  uint32_t nextBreakpointId_ = 1;
  bool stopOnEntry_ = false;
  Step step_;
  FiberId stepFiber_ = 0;
  bool tickEndRequested_ = false;
  bool terminated_ = false;
  bool started_ = false;
  bool finished_ = false;
  int exitCode_ = 0;
};

}  // namespace brainvm::cli

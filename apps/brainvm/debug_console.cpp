#include "debug_console.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "brainvm/builtins.h"
#include "brainvm/objects.h"
#include "exit_codes.h"
#include "io.h"

namespace brainvm::cli {

namespace {

// A value as `print` shows it: to_string's text, with lists, maps and
// structs spread over indented lines (a container inside one being printed
// is <cycle>; deeper than 8 levels, to_string's one-line text).
void expand(const Value& v, int depth, std::vector<const Object*>& open,
            std::string& out) {
  const bool container = v.isList() || v.isMap() || v.isStruct();
  const bool empty = (v.isList() && v.asList()->size() == 0) ||
                     (v.isMap() && v.asMap()->size() == 0) ||
                     (v.isStruct() && v.asStruct()->fieldCount() == 0);
  if (!container || empty || depth >= 8) {
    // Strings inside containers are quoted, as to_string quotes them.
    if (depth > 0 && v.isString()) {
      appendQuotedString(out, v.stringView());
    } else {
      out += toDisplayString(v);
    }
    return;
  }
  const Object* self = v.asObject();
  if (std::find(open.begin(), open.end(), self) != open.end()) {
    out += "<cycle>";
    return;
  }
  open.push_back(self);
  const std::string indent(static_cast<size_t>(depth + 1) * 2, ' ');
  const std::string closing(static_cast<size_t>(depth) * 2, ' ');
  bool first = true;
  auto item = [&](const std::string& label, const Value& x) {
    out += first ? "\n" : ",\n";
    first = false;
    out += indent + label;
    expand(x, depth + 1, open, out);
  };
  if (v.isList()) {
    out += '[';
    const ListObject* l = v.asList();
    for (uint32_t i = 0; i < l->size(); ++i) item("", l->at(i));
    out += "\n" + closing + "]";
  } else if (v.isMap()) {
    out += '{';
    v.asMap()->forEach([&](const Value& k, const Value& x) {
      std::string key;
      std::vector<const Object*> none;
      expand(k, 1, none, key);
      item(key + ": ", x);
    });
    out += "\n" + closing + "}";
  } else {
    const StructObject* s = v.asStruct();
    out += s->typeName() ? std::string(s->typeName()->view()) : "struct";
    out += '{';
    for (uint32_t i = 0; i < s->fieldCount(); ++i)
      item(std::string(s->field(i).name->view()) + ": ", s->field(i).value);
    out += "\n" + closing + "}";
  }
  open.pop_back();
}

std::string expanded(const Value& v) {
  std::string out;
  std::vector<const Object*> open;
  expand(v, 0, open, out);
  return out;
}

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

bool parseNumber(const std::string& s, uint64_t& out) {
  if (s.empty() || s.size() > 18) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

// What the command loop decided.
enum class Next { Run, Resume, Quit };

class Console : public DebugFrontEnd {
 public:
  Console(std::istream& in, std::ostream& out, bool interactive)
      : in_(in), out_(out), interactive_(interactive) {}

  void attach(DebugSession* s) {
    s_ = s;
    fiber_ = 0;
    frame_ = 0;
    lastStopFunction_ = UINT32_MAX;
    lastStopFiber_ = 0;
  }

  // Commands before the program runs or after it ended: `run` starts it.
  Next topLevel() { return commandLoop(/*stopped=*/false); }

  Resume stopped(const StopInfo& stop) override {
    // A blank line sets off stops that interrupt a run, as gdb does.
    if (stop.reason != StopReason::Step) out_ << '\n';
    if (stop.reason == StopReason::Exited) {
      RunReport r = s_->report();
      out_ << "[program ended: status " << runOutcomeName(r.status) << ", "
           << r.ticks << " tick" << (r.ticks == 1 ? "" : "s")
           << ", exit code "
           << ((r.faulted || r.status == RunOutcome::Limit) ? 70 : 0) << "]\n";
      if (r.result) out_ << "result: " << toDisplayString(*r.result) << '\n';
      out_ << std::flush;
      ended_ = true;
      return Resume::Continue;
    }
    if (stop.reason == StopReason::TickEnd) {
      out_ << "[end of tick " << s_->runtime().currentTick() << "]\n";
      fiber_ = 0;
    } else {
      fiber_ = stop.fiber;
      frame_ = 0;
      describeStop(stop);
    }
    const Next next = commandLoop(/*stopped=*/true);
    return next == Next::Quit ? Resume::Terminate : resume_;
  }

  void printed(std::string_view line) override {
    out_ << line << '\n' << std::flush;
  }

  bool quitAsked() const { return quit_; }
  bool ended() const { return ended_; }
  // Breakpoint specs, to set again when the program is run again.
  const std::vector<std::pair<std::string, bool>>& breakSpecs() const {
    return specs_;
  }
  void reapply() {
    for (auto& [spec, temporary] : specs_) (void)setBreak(spec, temporary, false);
  }

 private:
  // --- describing where we are ---
  std::string frameLine(FiberId fiber, size_t index, const FrameInfo& fr) {
    std::string text = s_->functionName(fr.function) + " (";
    const Function& fn = s_->program().functions[fr.function];
    std::vector<NamedValue> locals = s_->locals(fiber, index);
    for (uint32_t i = 0; i < fn.numParams && i < locals.size(); ++i) {
      if (i) text += ", ";
      text += locals[i].name + "=" + toDisplayString(locals[i].value);
    }
    text += ")";
    if (fr.line)
      text += " at " + s_->sourcePath() + ":" + std::to_string(fr.line);
    else
      text += " at pc " + std::to_string(fr.pc);
    return text;
  }

  void showSourceLine(const FrameInfo& fr) {
    if (fr.line && !s_->sourceLine(fr.line).empty())
      out_ << fr.line << '\t' << s_->sourceLine(fr.line) << '\n';
    else
      out_ << "pc " << fr.pc << '\t'
           << s_->instructionText(fr.function, fr.pc) << '\n';
  }

  void describeStop(const StopInfo& stop) {
    std::vector<FrameInfo> stack = s_->frames(stop.fiber);
    if (stack.empty()) return;
    const FrameInfo& top = stack[0];
    switch (stop.reason) {
      case StopReason::Breakpoint:
        out_ << "Breakpoint " << stop.breakpoints.front() << ", "
             << frameLine(stop.fiber, 0, top) << '\n';
        break;
      case StopReason::Exception:
        out_ << "Fiber " << stop.fiber << " ("
             << s_->functionName(s_->frames(stop.fiber).back().function)
             << ") raised " << toDisplayString(stop.error)
             << (stop.uncaught ? " (uncaught: the fiber faults)" : " (caught)")
             << '\n';
        printBacktrace(stop.fiber);
        break;
      case StopReason::Pause:
        out_ << "Paused in fiber " << stop.fiber << ", "
             << frameLine(stop.fiber, 0, top) << '\n';
        break;
      case StopReason::Entry:
        out_ << "Fiber " << stop.fiber << ", " << frameLine(stop.fiber, 0, top)
             << '\n';
        break;
      default:
        if (stop.fiber != lastStopFiber_ || top.function != lastStopFunction_)
          out_ << frameLine(stop.fiber, 0, top) << '\n';
        if (stop.returned)
          out_ << "Value returned is $" << ++valueNumber_ << " = "
               << expanded(*stop.returned) << '\n';
        break;
    }
    showSourceLine(top);
    out_ << std::flush;
    lastStopFiber_ = stop.fiber;
    lastStopFunction_ = top.function;
  }

  void printBacktrace(FiberId fiber) {
    std::vector<FrameInfo> stack = s_->frames(fiber);
    for (size_t i = 0; i < stack.size(); ++i)
      out_ << (fiber == fiber_ && i == frame_ ? "#" : "#") << i << "  "
           << frameLine(fiber, i, stack[i]) << '\n';
  }

  // --- breakpoints ---
  bool setBreak(const std::string& spec, bool temporary, bool remember) {
    Result<Breakpoint> b = Error(ErrorCode::InvalidArgument, "");
    const size_t colon = spec.rfind(':');
    uint64_t line = 0;
    if (colon != std::string::npos &&
        parseNumber(spec.substr(colon + 1), line))
      b = s_->breakAtLine(spec.substr(0, colon), static_cast<uint32_t>(line),
                          temporary);
    else if (parseNumber(spec, line))
      b = s_->breakAtLine({}, static_cast<uint32_t>(line), temporary);
    else
      b = s_->breakAtFunction(spec, temporary);
    if (!b) {
      out_ << b.error().diagnostics.front().message << ".\n";
      return false;
    }
    if (remember) specs_.emplace_back(spec, temporary);
    const Breakpoint& bp = b.value();
    out_ << (temporary ? "Temporary breakpoint " : "Breakpoint ") << bp.id
         << " at " << s_->functionName(bp.function) << "+" << bp.pc;
    if (bp.line) out_ << ": file " << s_->sourcePath() << ", line " << bp.line;
    out_ << '.';
    if (bp.askedLine && bp.askedLine != bp.line)
      out_ << " (line " << bp.askedLine << " has no code: moved to line "
           << bp.line << ")";
    out_ << '\n';
    return true;
  }

  void infoBreakpoints() {
    if (s_->breakpoints().empty()) {
      out_ << "No breakpoints.\n";
      return;
    }
    out_ << "Num  Type        Where\n";
    for (const Breakpoint& b : s_->breakpoints()) {
      out_ << b.id << (b.id < 10 ? "    " : "   ")
           << (b.temporary ? "tbreakpoint " : "breakpoint  ")
           << s_->functionName(b.function) << "+" << b.pc;
      if (b.line) out_ << " at " << s_->sourcePath() << ":" << b.line;
      if (b.hits)
        out_ << " (hit " << b.hits << " time" << (b.hits == 1 ? "" : "s")
             << ")";
      out_ << '\n';
    }
  }

  // --- inspection ---
  bool needFiber() {
    if (fiber_ != 0 && !s_->frames(fiber_).empty()) return true;
    out_ << (s_->started() ? "No fiber selected (see info fibers, fiber N).\n"
                           : "The program is not running.\n");
    return false;
  }

  void infoFibers() {
    std::vector<DebugSession::FiberInfo> fibers = s_->fibers();
    if (fibers.empty()) {
      out_ << "No fibers.\n";
      return;
    }
    for (const auto& f : fibers) {
      out_ << (f.id == fiber_ ? "* " : "  ") << f.id << "  fiber " << f.id
           << " (" << f.function << ")  " << fiberStateName(f.state);
      if (f.line) out_ << "  at " << s_->sourcePath() << ":" << f.line;
      out_ << '\n';
    }
  }

  void list(const std::vector<std::string>& args) {
    uint32_t center = 0;
    uint64_t asked = 0;
    if (args.size() > 1 && parseNumber(args[1], asked)) {
      center = static_cast<uint32_t>(asked);
    } else if (fiber_ != 0 && !s_->frames(fiber_).empty()) {
      std::vector<FrameInfo> stack = s_->frames(fiber_);
      center = stack[std::min(frame_, stack.size() - 1)].line;
    } else if (listNext_ != 0) {
      center = listNext_ + 5;
    } else {
      center = 1;
    }
    if (s_->sourceLineCount() == 0) {
      out_ << "No source available: try disassemble.\n";
      return;
    }
    const uint32_t first = center > 5 ? center - 5 : 1;
    const uint32_t last = std::min(first + 9, s_->sourceLineCount());
    for (uint32_t l = first; l <= last; ++l)
      out_ << l << '\t' << s_->sourceLine(l) << '\n';
    listNext_ = last;
  }

  void disassemble() {
    if (!needFiber()) return;
    std::vector<FrameInfo> stack = s_->frames(fiber_);
    const FrameInfo& fr = stack[std::min(frame_, stack.size() - 1)];
    const Function& fn = s_->program().functions[fr.function];
    const uint32_t first = fr.pc > 5 ? fr.pc - 5 : 0;
    const uint32_t last =
        std::min<uint32_t>(first + 11, static_cast<uint32_t>(fn.code.size()));
    out_ << "Function " << fn.name << ":\n";
    for (uint32_t pc = first; pc < last; ++pc) {
      out_ << (pc == fr.pc ? "=> " : "   ") << pc << ":\t"
           << s_->instructionText(fr.function, pc);
      const uint32_t line = s_->program().lineOf(fr.function, pc);
      if (line) out_ << "\t; line " << line;
      out_ << '\n';
    }
  }

  void print(const std::vector<std::string>& args) {
    if (args.size() < 2) {
      out_ << "print NAME: a local or a variable.\n";
      return;
    }
    std::optional<Value> v;
    if (fiber_ != 0 && !s_->frames(fiber_).empty())
      v = s_->lookup(fiber_, frame_, args[1]);
    else
      for (const NamedValue& nv : s_->variables())
        if (nv.name == args[1]) v = nv.value;
    if (!v) {
      out_ << "No local or variable named '" << args[1] << "'.\n";
      return;
    }
    out_ << "$" << ++valueNumber_ << " = " << expanded(*v) << '\n';
  }

  // --- the command loop ---
  std::optional<std::string> readLine() {
    if (interactive_) out_ << "(bvmdb) " << std::flush;
    std::string line;
    if (!std::getline(in_, line)) return std::nullopt;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }

  Next commandLoop(bool stopped) {
    for (;;) {
      std::optional<std::string> line = readLine();
      if (!line) {
        quit_ = true;
        return Next::Quit;
      }
      std::vector<std::string> args = words(*line);
      if (args.empty()) {
        if (last_.empty()) continue;
        args = last_;  // Enter repeats the last command
      } else {
        last_ = args;
      }
      const std::string& c = args[0];
      const bool running = stopped;
      auto resumeWith = [&](Resume r) {
        if (!running) {
          out_ << "The program is not being run.\n";
          return false;
        }
        resume_ = r;
        return true;
      };
      if (c == "quit" || c == "q") {
        quit_ = true;
        return Next::Quit;
      } else if (c == "run" || c == "r") {
        if (running) {
          out_ << "The program is already running.\n";
          continue;
        }
        return Next::Run;
      } else if (c == "continue" || c == "c") {
        if (resumeWith(Resume::Continue)) return Next::Resume;
      } else if (c == "step" || c == "s") {
        if (resumeWith(Resume::StepIn)) return Next::Resume;
      } else if (c == "next" || c == "n") {
        if (resumeWith(Resume::StepOver)) return Next::Resume;
      } else if (c == "finish" || c == "fin") {
        if (running && fiber_ != 0)
          out_ << "Run till exit from #0  "
               << frameLine(fiber_, 0, s_->frames(fiber_)[0]) << '\n';
        if (resumeWith(Resume::StepOut)) return Next::Resume;
      } else if (c == "stepi" || c == "si") {
        if (resumeWith(Resume::StepInstruction)) return Next::Resume;
      } else if (c == "tick") {
        if (resumeWith(Resume::RunToTickEnd)) return Next::Resume;
      } else if (c == "break" || c == "b" || c == "tbreak") {
        if (args.size() < 2)
          out_ << "break FILE:LINE | LINE | FUNCTION\n";
        else
          setBreak(args[1], c == "tbreak", true);
      } else if (c == "delete" || c == "d") {
        uint64_t id = 0;
        if (args.size() < 2) {
          s_->deleteAllBreakpoints();
          specs_.clear();
          out_ << "Deleted all breakpoints.\n";
        } else if (!parseNumber(args[1], id) ||
                   !s_->deleteBreakpoint(static_cast<uint32_t>(id))) {
          out_ << "No breakpoint number " << args[1] << ".\n";
        } else {
          out_ << "Deleted breakpoint " << id << ".\n";
        }
      } else if (c == "info" || c == "i") {
        const std::string what = args.size() > 1 ? args[1] : "";
        if (what == "breakpoints" || what == "b" || what == "break") {
          infoBreakpoints();
        } else if (what == "locals") {
          if (needFiber()) {
            std::vector<NamedValue> locals = s_->locals(fiber_, frame_);
            if (locals.empty()) out_ << "No locals.\n";
            for (const NamedValue& nv : locals)
              out_ << nv.name << " = " << toDisplayString(nv.value) << '\n';
          }
        } else if (what == "stack") {
          if (needFiber()) {
            std::vector<Value> stack = s_->operandStack(fiber_, frame_);
            if (stack.empty()) out_ << "The operand stack is empty.\n";
            for (size_t i = stack.size(); i-- > 0;)
              out_ << "[" << i << "] " << toDisplayString(stack[i])
                   << (i + 1 == stack.size() ? "  <- top" : "") << '\n';
          }
        } else if (what == "fibers") {
          infoFibers();
        } else if (what == "variables") {
          for (const NamedValue& nv : s_->variables())
            out_ << nv.name << " = " << toDisplayString(nv.value) << '\n';
        } else {
          out_ << "info breakpoints | locals | stack | fibers | variables\n";
        }
      } else if (c == "backtrace" || c == "bt" || c == "where") {
        if (needFiber()) printBacktrace(fiber_);
      } else if (c == "frame" || c == "f") {
        uint64_t n = frame_;
        if (needFiber()) {
          std::vector<FrameInfo> stack = s_->frames(fiber_);
          if (args.size() > 1 && (!parseNumber(args[1], n) || n >= stack.size())) {
            out_ << "No frame " << args[1] << ".\n";
          } else {
            frame_ = static_cast<size_t>(n);
            out_ << "#" << frame_ << "  "
                 << frameLine(fiber_, frame_, stack[frame_]) << '\n';
            showSourceLine(stack[frame_]);
          }
        }
      } else if (c == "fiber") {
        uint64_t n = 0;
        if (args.size() < 2) {
          if (fiber_) out_ << "Current fiber is " << fiber_ << ".\n";
          else out_ << "No fiber selected.\n";
        } else if (!parseNumber(args[1], n) ||
                   s_->frames(static_cast<FiberId>(n)).empty()) {
          out_ << "No live fiber " << args[1] << ".\n";
        } else {
          fiber_ = static_cast<FiberId>(n);
          frame_ = 0;
          std::vector<FrameInfo> stack = s_->frames(fiber_);
          out_ << "[Switching to fiber " << fiber_ << "]\n#0  "
               << frameLine(fiber_, 0, stack[0]) << '\n';
          showSourceLine(stack[0]);
        }
      } else if (c == "print" || c == "p") {
        print(args);
      } else if (c == "list" || c == "l") {
        list(args);
      } else if (c == "disassemble" || c == "disas") {
        disassemble();
      } else if (c == "help" || c == "h") {
        out_ << kHelp;
      } else {
        out_ << "Undefined command: \"" << c << "\".  Try \"help\".\n";
      }
      out_ << std::flush;
    }
  }

  static constexpr const char* kHelp =
      "break|b FILE:LINE|LINE|FUNCTION, tbreak, delete|d [N], info "
      "breakpoints\n"
      "run|r, continue|c, step|s, next|n, finish, stepi|si, tick, quit|q\n"
      "backtrace|bt, frame|f N, info locals, info stack, info variables,\n"
      "print|p NAME, info fibers, fiber N, list|l [LINE], disassemble\n"
      "An empty line repeats the last command.\n";

  std::istream& in_;
  std::ostream& out_;
  bool interactive_;
  DebugSession* s_ = nullptr;
  FiberId fiber_ = 0;
  size_t frame_ = 0;
  Resume resume_ = Resume::Continue;
  std::vector<std::string> last_;
  std::vector<std::pair<std::string, bool>> specs_;
  uint64_t valueNumber_ = 0;
  uint32_t listNext_ = 0;
  FiberId lastStopFiber_ = 0;
  uint32_t lastStopFunction_ = UINT32_MAX;
  bool quit_ = false;
  bool ended_ = false;
};

}  // namespace

int runDebugConsole(const std::string& path, const RunCliOptions& options,
                    std::istream& in, std::ostream& out, std::ostream& err,
                    bool interactive) {
  Console console(in, out, interactive);
  int result = kExitOk;
  bool first = true;
  bool runNow = false;  // `run` after the program ended starts it again
  for (;;) {
    std::string diagnostics;
    int rc = kExitOk;
    std::unique_ptr<DebugSession> session =
        DebugSession::create(path, options, diagnostics, rc);
    err << diagnostics << std::flush;
    if (!session) return rc;
    console.attach(session.get());
    if (first) {
      out << "Reading " << session->sourcePath() << ": "
          << session->program().functions.size() << " functions"
          << (session->program().hasDebugInfo ? "" : " (no debug info)")
          << ".\n";
      first = false;
    } else {
      console.reapply();
    }
    if (!runNow && console.topLevel() == Next::Quit) return result;
    result = session->run(console);
    if (console.quitAsked()) return result;
    // The program ended: more commands, `run` starts it again.
    if (console.topLevel() == Next::Quit) return result;
    runNow = true;
  }
}

void addDebugCommand(CLI::App& app, int& exitCode) {
  struct State {
    RunCliOptions options;
    std::string input;
    std::string commands;
  };
  auto state = std::make_shared<State>();
  CLI::App* sub = app.add_subcommand(
      "debug", "Debug a program with gdb-style commands (see docs/debugging.md)");
  sub->add_option("IN", state->input, "Program to debug (.bvasm or .bvm)")
      ->required();
  sub->add_option("--commands,-x", state->commands,
                  "Read commands from FILE instead of the terminal")
      ->type_name("FILE");
  addRunOptions(*sub, state->options);
  sub->footer(
      "Examples:\n"
      "  brainvm debug prog.bvasm\n"
      "  brainvm debug prog.bvasm --commands session.gdb --ticks 5\n"
      "  printf 'break main\\nrun\\nbt\\nquit\\n' | brainvm debug prog.bvasm");
  sub->callback([state, &exitCode] {
    if (state->input == "-") {
      std::cerr << "error: debug reads commands from stdin: give the program "
                   "as a file\n";
      exitCode = kExitUsage;
      return;
    }
    if (!state->commands.empty()) {
      std::ifstream file(state->commands);
      if (!file) {
        std::cerr << "error: cannot read '" << state->commands << "'\n";
        exitCode = kExitNoInput;
        return;
      }
      exitCode = runDebugConsole(state->input, state->options, file,
                                 std::cout, std::cerr, false);
      return;
    }
    exitCode = runDebugConsole(state->input, state->options, std::cin,
                               std::cout, std::cerr, isatty(0) != 0);
  });
}

}  // namespace brainvm::cli

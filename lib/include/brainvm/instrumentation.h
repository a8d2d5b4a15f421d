// Looking inside a run: coverage counts, an instruction profile by call
// stack, and debugger stops. Attach them to a runtime with
// Runtime::setInstrumentation. A runtime with none attached runs its plain
// dispatch loop and pays nothing for them; with any attached it runs a
// second copy of the loop that feeds them, over the program's code without
// superinstructions, so that every instruction is seen. Results, errors,
// traces and budgets are the same either way.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "brainvm/program.h"
#include "brainvm/value.h"

namespace brainvm {

class Runtime;
using FiberId = uint32_t;

// Every instruction of a program numbered in one flat range: function f's
// instruction pc is index offset(f) + pc. Coverage and debugger breakpoints
// are kept in arrays of this shape.
class CodeIndex {
 public:
  explicit CodeIndex(const Program& program);
  uint32_t offset(uint32_t function) const { return offsets_[function]; }
  uint32_t size() const { return offsets_.back(); }
  uint32_t functions() const {
    return static_cast<uint32_t>(offsets_.size() - 1);
  }

 private:
  std::vector<uint32_t> offsets_;  // functions + 1 entries
};

// Counts per instruction, for line, function and branch coverage.
class CoverageCounts {
 public:
  explicit CoverageCounts(const Program& program);
  const CodeIndex& index() const { return index_; }
  // Times the instruction started (a fiber that faults in it counts it).
  uint64_t executed(uint32_t f, uint32_t pc) const;
  // Times control arrived at it other than by falling through from the
  // instruction before: a jump, a branch taken, a catch landing.
  uint64_t arrivals(uint32_t f, uint32_t pc) const;
  // For a conditional jump (jmp_if_false, jmp_if_true, when_end): times it
  // jumped. It fell through executed - taken times.
  uint64_t taken(uint32_t f, uint32_t pc) const;
  // Times function f was entered: calls, spawns (rules' runs, entries).
  uint64_t entered(uint32_t f) const { return entered_[f]; }

 private:
  friend class RuntimeImpl;
  static constexpr uint32_t kNone = UINT32_MAX;
  // Per instruction (CodeIndex): counted one by one.
  CodeIndex index_;
  std::vector<uint64_t> executed_, arrivals_, taken_;
  std::vector<uint64_t> entered_;
  // A superinstruction that runs as one step counts once, at its first
  // instruction (fusedRuns_, and fusedTaken_ when its tail branch jumped);
  // the getters spread that over the instructions it covers, from the
  // layout the runtime recorded when it attached the counts.
  struct FusedSpan {
    uint32_t first, length;
    uint32_t branch = kNone, branchTarget = kNone;  // its conditional jump
    uint32_t jump = kNone, jumpTarget = kNone;      // its unconditional one
  };
  std::vector<uint64_t> fusedRuns_, fusedTaken_;
  std::vector<FusedSpan> spans_;  // by first instruction
  // Per instruction, the spans that cover it after their first instruction
  // (spans may nest: a superinstruction can start inside another), and the
  // spans whose branch or jump lands on it: lists in CSR form.
  std::vector<uint32_t> coverBegin_, coverSpans_;
  std::vector<uint32_t> landingBegin_, landingSpans_;
};

// Instructions executed per call stack. A stack is a path in a tree whose
// root is a fiber's own function (an entry, a spawned function, a rule's
// run) and whose other nodes are called functions, or host functions as
// leaves. Every budget unit a fiber is charged is counted at its stack, so
// the counts sum to RuntimeStats::instructions exactly.
class ProfileCounts {
 public:
  // What a node stands for: a function id (>= 0) or host import i (-(i+1)).
  struct Node {
    uint32_t parent;  // kRoot for a fiber's root function
    int32_t frame;
    uint64_t instructions;  // counted at this exact stack
    uint64_t hostNanoseconds;  // host leaves with measureHostTime
  };
  static constexpr uint32_t kRoot = UINT32_MAX;

  explicit ProfileCounts(bool measureHostTime = false)
      : measureHostTime_(measureHostTime) {}
  bool measuresHostTime() const { return measureHostTime_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  uint64_t totalInstructions() const;

 private:
  friend class RuntimeImpl;
  // The child of `parent` (kRoot for a root) for `frame`, created if new.
  uint32_t child(uint32_t parent, int32_t frame);
  // The same for the call or host call at CodeIndex `at`, remembering the
  // last answer per call site (a site is mostly reached from one stack).
  uint32_t childAt(uint32_t at, uint32_t parent, int32_t frame) {
    auto& [from, to] = siteCache_[at];
    if (from != parent) {
      from = parent;
      to = child(parent, frame);
    }
    return to;
  }
  bool measureHostTime_;
  std::vector<std::pair<uint32_t, uint32_t>> siteCache_;  // sized on attach
  std::vector<Node> nodes_;
  // Children of each node (and of the root) as a linked list, for lookups.
  std::vector<uint32_t> firstChild_, nextSibling_;
  uint32_t firstRoot_ = kRoot;
};

// Why a debugger is called.
enum class DebugEvent : uint8_t {
  Instruction,   // before an instruction runs (breakpoint or stepping)
  CaughtError,   // an error was thrown and a handler will catch it
  UncaughtError, // an error was thrown and nothing catches it: the fiber faults
};

enum class DebugAction : uint8_t {
  Continue,  // go on
  Abort,     // end the slice now (the instruction does not run) and stop
             // scheduling: the runtime's abortRequested() turns true
};

// Where a debugger is called: the fiber's state is saved (Runtime's
// inspection calls show it), `pc` is the instruction about to run or the
// one that raised `error`.
struct DebugStop {
  DebugEvent event = DebugEvent::Instruction;
  FiberId fiber = 0;
  uint32_t function = 0;
  uint32_t pc = 0;
  uint32_t depth = 0;  // frames of the fiber
  Value error;         // the thrown value, for the error events
};

// A debugger's hooks. The per-instruction test is cheap and inline: the
// runtime calls onStop only where breakAt is set, while stopEverywhere is
// true, or once pauseRequested is set (from any thread).
class DebugHooks {
 public:
  explicit DebugHooks(const Program& program);
  virtual ~DebugHooks() = default;
  const CodeIndex& index() const { return index_; }

  virtual DebugAction onStop(Runtime& runtime, const DebugStop& stop) = 0;

  void setBreak(uint32_t f, uint32_t pc, bool on) {
    breakAt_[index_.offset(f) + pc] = on ? 1 : 0;
  }
  bool breakAt(uint32_t f, uint32_t pc) const {
    return breakAt_[index_.offset(f) + pc] != 0;
  }
  void clearBreaks();
  // Every instruction is a stop candidate (stepping).
  void setStopEverywhere(bool on) { stopEverywhere_ = on; }
  // Report thrown errors: uncaught ones always, caught ones when asked.
  void setStopOnCaughtErrors(bool on) { stopOnCaught_ = on; }
  void setStopOnUncaughtErrors(bool on) { stopOnUncaught_ = on; }
  // The next instruction of any fiber stops (a "pause" from another thread).
  void requestPause() { pauseRequested_.store(true, std::memory_order_relaxed); }

 private:
  friend class RuntimeImpl;
  CodeIndex index_;
  std::vector<uint8_t> breakAt_;
  bool stopEverywhere_ = false;
  bool stopOnCaught_ = false;
  bool stopOnUncaught_ = true;
  std::atomic<bool> pauseRequested_{false};
};

// What Runtime::setInstrumentation attaches; each part may be null. They
// must outlive their attachment, and be made for the runtime's program.
struct Instrumentation {
  CoverageCounts* coverage = nullptr;
  ProfileCounts* profile = nullptr;
  DebugHooks* debug = nullptr;
  bool any() const { return coverage || profile || debug; }
};

}  // namespace brainvm

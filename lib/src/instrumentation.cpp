// Instrumentation: the counters' shapes, attaching them to a runtime, and
// the helpers the instrumented copy of the interpreter loop calls.
#include "brainvm/instrumentation.h"

#include <chrono>

#include "linked_code.h"
#include "runtime_impl.h"

namespace brainvm {

CodeIndex::CodeIndex(const Program& program) {
  offsets_.reserve(program.functions.size() + 1);
  uint32_t at = 0;
  for (const Function& f : program.functions) {
    offsets_.push_back(at);
    at += static_cast<uint32_t>(f.code.size());
  }
  offsets_.push_back(at);
}

CoverageCounts::CoverageCounts(const Program& program)
    : index_(program),
      executed_(index_.size()),
      arrivals_(index_.size()),
      taken_(index_.size()),
      entered_(program.functions.size()) {}

uint64_t ProfileCounts::totalInstructions() const {
  uint64_t total = 0;
  for (const Node& n : nodes_) total += n.instructions;
  return total;
}

uint32_t ProfileCounts::child(uint32_t parent, int32_t frame) {
  const uint32_t first = parent == kRoot ? firstRoot_ : firstChild_[parent];
  for (uint32_t c = first; c != kRoot; c = nextSibling_[c])
    if (nodes_[c].frame == frame) return c;
  const auto id = static_cast<uint32_t>(nodes_.size());
  nodes_.push_back(Node{parent, frame, 0, 0});
  firstChild_.push_back(kRoot);
  nextSibling_.push_back(first);
  (parent == kRoot ? firstRoot_ : firstChild_[parent]) = id;
  return id;
}

DebugHooks::DebugHooks(const Program& program)
    : index_(program), breakAt_(index_.size()) {}

void DebugHooks::clearBreaks() {
  std::fill(breakAt_.begin(), breakAt_.end(), 0);
}

Status RuntimeImpl::attach(const Instrumentation& parts) {
  if (running)
    return Error(ErrorCode::InvalidArgument,
                 "instrumentation cannot change inside a slice");
  const CodeIndex index(program);
  auto fits = [&](const CodeIndex& other) {
    return other.size() == index.size() &&
           other.functions() == index.functions();
  };
  if ((parts.coverage && !fits(parts.coverage->index())) ||
      (parts.debug && !fits(parts.debug->index())))
    return Error(ErrorCode::InvalidArgument,
                 "instrumentation made for another program");
  if (!plainLinked) plainLinked = linked;
  instrumentation = parts;
  if (!parts.any()) {
    linked = plainLinked;
    return Ok{};
  }
  // Unfused code: the instrumented loop sees every instruction.
  if (unfusedLinked.empty() && !program.functions.empty()) {
    std::vector<uint8_t> intrinsics;
    for (const HostFunction& h : imports) intrinsics.push_back(h.intrinsic_);
    unfusedLinked = linkProgram(program, intrinsics, /*fuse=*/false);
  }
  linked = &unfusedLinked;
  instrumentedOffsets.resize(index.functions());
  for (uint32_t f = 0; f < index.functions(); ++f)
    instrumentedOffsets[f] = index.offset(f);
  return Ok{};
}

DebugAction RuntimeImpl::debugStop(Fiber& f, DebugEvent event, uint32_t pc,
                                   const Value& error) {
  DebugHooks& dbg = *instrumentation.debug;
  dbg.pauseRequested_.store(false, std::memory_order_relaxed);
  DebugStop stop;
  stop.event = event;
  stop.fiber = f.id;
  stop.function = f.frames.back().function;
  stop.pc = pc;
  stop.depth = static_cast<uint32_t>(f.frames.size());
  stop.error = error;
  return dbg.onStop(*facade, stop);
}

uint32_t RuntimeImpl::profileNodeOf(const Fiber& f) {
  ProfileCounts& prof = *instrumentation.profile;
  uint32_t node = ProfileCounts::kRoot;
  for (const Frame& fr : f.frames)
    node = prof.child(node, static_cast<int32_t>(fr.function));
  return node;
}

uint32_t RuntimeImpl::profileHostCall(uint32_t node, int32_t import) {
  ProfileCounts& prof = *instrumentation.profile;
  const uint32_t host = prof.child(node, -(import + 1));
  --prof.nodes_[node].instructions;
  ++prof.nodes_[host].instructions;
  return host;
}

namespace {
uint64_t nowNanoseconds() {
  using namespace std::chrono;
  return static_cast<uint64_t>(
      duration_cast<nanoseconds>(steady_clock::now().time_since_epoch())
          .count());
}
}  // namespace

uint64_t RuntimeImpl::hostClockStart() const {
  return instrumentation.profile->measureHostTime_ ? nowNanoseconds() : 0;
}

void RuntimeImpl::hostClockStop(uint32_t hostNode, uint64_t start) {
  ProfileCounts& prof = *instrumentation.profile;
  if (prof.measureHostTime_)
    prof.nodes_[hostNode].hostNanoseconds += nowNanoseconds() - start;
}

}  // namespace brainvm

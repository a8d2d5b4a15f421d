// Instrumentation: the counters' shapes, attaching them to a runtime, and
// the helpers the instrumented copy of the interpreter loop calls.
#include "brainvm/instrumentation.h"

#include <algorithm>
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
      entered_(program.functions.size()),
      fusedRuns_(index_.size()),
      fusedTaken_(index_.size()),
      coverBegin_(index_.size() + 1),
      landingBegin_(index_.size() + 1) {}

uint64_t CoverageCounts::executed(uint32_t f, uint32_t pc) const {
  const uint32_t at = index_.offset(f) + pc;
  uint64_t n = executed_[at];
  for (uint32_t i = coverBegin_[at]; i < coverBegin_[at + 1]; ++i)
    n += fusedRuns_[spans_[coverSpans_[i]].first];
  return n;
}

uint64_t CoverageCounts::taken(uint32_t f, uint32_t pc) const {
  const uint32_t at = index_.offset(f) + pc;
  uint64_t n = taken_[at];
  for (uint32_t i = coverBegin_[at]; i < coverBegin_[at + 1]; ++i) {
    const FusedSpan& s = spans_[coverSpans_[i]];
    if (s.branch == at) n += fusedTaken_[s.first];
  }
  return n;
}

uint64_t CoverageCounts::arrivals(uint32_t f, uint32_t pc) const {
  const uint32_t at = index_.offset(f) + pc;
  uint64_t n = arrivals_[at];
  for (uint32_t i = landingBegin_[at]; i < landingBegin_[at + 1]; ++i) {
    const FusedSpan& s = spans_[landingSpans_[i]];
    if (s.branchTarget == at) n += fusedTaken_[s.first];
    if (s.jumpTarget == at) n += fusedRuns_[s.first];
  }
  return n;
}

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
  if (parts.coverage) {
    if (Status s = recordFusedLayout(*parts.coverage); !s) return s;
  }
  if (parts.profile)
    parts.profile->siteCache_.assign(
        index.size(), {ProfileCounts::kRoot, ProfileCounts::kRoot});
  instrumentation = parts;
  std::vector<uint32_t>& offsets = extras().instrumentedOffsets;
  offsets.resize(index.functions());
  for (uint32_t f = 0; f < index.functions(); ++f)
    offsets[f] = index.offset(f);
  return Ok{};
}

Status RuntimeImpl::recordFusedLayout(CoverageCounts& cov) {
  using Span = CoverageCounts::FusedSpan;
  std::vector<Span> spans;
  for (uint32_t f = 0; f < program.functions.size(); ++f) {
    const std::vector<Instr>& code = (*linked)[f];
    const std::vector<Instr>& orig = program.functions[f].code;
    const uint32_t off = cov.index_.offset(f);
    for (uint32_t pc = 0; pc < code.size(); ++pc) {
      const uint8_t op = code[pc].op;
      if (op < kDenseFusedBase) continue;
      Span s{off + pc, 0};
      if (op < kDenseListGetLocals) {
        const FusedMeta::Tail tail = FusedMeta::tail(code[pc].b);
        s.length = FusedMeta::length(tail);
        if (tail == FusedMeta::BranchFalse) {
          s.branch = off + pc + 3;
          s.branchTarget = off + pc + 3 + static_cast<uint32_t>(orig[pc + 3].a);
        } else if (tail == FusedMeta::StoreLocalJump ||
                   tail == FusedMeta::StoreVarJump) {
          s.jump = off + pc + 4;
          s.jumpTarget = off + pc + 4 + static_cast<uint32_t>(orig[pc + 4].a);
        }
      } else {
        s.length = op == kDenseListGetLocals       ? 3
                   : op == kDenseListPushLocalsPop ? 4
                                                   : 2;  // AddStoreLocal
      }
      spans.push_back(s);
    }
  }
  auto same = [](const Span& a, const Span& b) {
    return a.first == b.first && a.length == b.length &&
           a.branchTarget == b.branchTarget && a.jumpTarget == b.jumpTarget;
  };
  if (!cov.spans_.empty() || spans.empty()) {
    const bool equal =
        cov.spans_.size() == spans.size() &&
        std::equal(spans.begin(), spans.end(), cov.spans_.begin(), same);
    if (equal) return Ok{};
    bool used = false;
    for (uint64_t n : cov.fusedRuns_) used = used || n != 0;
    if (used)
      return Error(ErrorCode::InvalidArgument,
                   "coverage counts in use with other linked code");
  }
  cov.spans_ = std::move(spans);
  // Per-instruction lists in CSR form.
  auto build = [&cov](auto&& spansOf, std::vector<uint32_t>& begin,
                      std::vector<uint32_t>& items) {
    std::vector<std::vector<uint32_t>> lists(cov.index_.size());
    for (uint32_t i = 0; i < cov.spans_.size(); ++i)
      spansOf(cov.spans_[i], [&](uint32_t at) { lists[at].push_back(i); });
    items.clear();
    for (uint32_t at = 0; at < lists.size(); ++at) {
      begin[at] = static_cast<uint32_t>(items.size());
      items.insert(items.end(), lists[at].begin(), lists[at].end());
    }
    begin[lists.size()] = static_cast<uint32_t>(items.size());
  };
  build(
      [](const Span& s, auto&& add) {
        for (uint32_t k = 1; k < s.length; ++k) add(s.first + k);
      },
      cov.coverBegin_, cov.coverSpans_);
  build(
      [](const Span& s, auto&& add) {
        if (s.branchTarget != CoverageCounts::kNone) add(s.branchTarget);
        if (s.jumpTarget != CoverageCounts::kNone) add(s.jumpTarget);
      },
      cov.landingBegin_, cov.landingSpans_);
  return Ok{};
}

bool RuntimeImpl::debugStopsInside(uint32_t at, uint32_t extra) const {
  const DebugHooks& dbg = *instrumentation.debug;
  if (dbg.stopEverywhere_ || dbg.pauseRequested_.load(std::memory_order_relaxed))
    return true;
  for (uint32_t k = 1; k <= extra; ++k)
    if (dbg.breakAt_[at + k]) return true;
  return false;
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

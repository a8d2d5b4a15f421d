// The built-in library's part of a saved state: printed output, the random
// generator and the pending timers of sleep, delay and fail_after.
#include <algorithm>
#include <set>

#include "brainvm/builtins.h"

namespace brainvm {

std::vector<HandleId> BuiltinHost::pendingHandles() const {
  std::vector<HandleId> out;
  for (size_t i = timersDone_; i < timers_.size(); ++i)
    out.push_back(timers_[i].handle);
  return out;
}

void BuiltinHost::save(StateWriter& out) const {
  out.u64(output_.size());
  for (const std::string& line : output_) out.str(line);
  for (uint64_t s : rng_) out.u64(s);
  // In the order they were made (they wait in due order).
  std::vector<const Timer*> pending;
  for (size_t i = timersDone_; i < timers_.size(); ++i)
    pending.push_back(&timers_[i]);
  std::sort(pending.begin(), pending.end(),
            [](const Timer* a, const Timer* b) { return a->seq < b->seq; });
  out.u64(timerSeq_);
  out.u64(pending.size());
  for (const Timer* t : pending) {
    out.u64(t->due);
    out.u64(t->seq);
    out.u64(t->handle);
    out.u8(static_cast<uint8_t>(t->action));
    out.u64(t->value);
    out.str(t->message);
  }
}

Status BuiltinHost::restore(StateReader& in, Runtime& rt) {
  uint64_t n;
  if (!in.count(n, 1, "output line")) return Ok{};
  output_.clear();
  for (uint64_t i = 0; i < n; ++i) {
    std::string line;
    if (!in.str(line, "output line")) return Ok{};
    output_.push_back(std::move(line));
  }
  for (uint64_t& s : rng_)
    if (!in.u64(s, "random state")) return Ok{};
  if (!in.u64(timerSeq_, "timer sequence") || !in.count(n, 6, "timer"))
    return Ok{};
  timers_.clear();
  timersDone_ = 0;
  std::set<HandleId> handles;
  std::set<PinId> pins;
  for (uint64_t i = 0; i < n; ++i) {
    Timer t;
    uint8_t action;
    if (!in.u64(t.due, "timer tick") || !in.u64(t.seq, "timer order") ||
        !in.u32(t.handle, "timer handle") || !in.u8(action, "timer action") ||
        !in.u32(t.value, "timer value") || !in.str(t.message, "timer message"))
      return Ok{};
    if (action > static_cast<uint8_t>(TimerAction::Reject)) {
      in.fail("unknown timer action");
      return Ok{};
    }
    t.action = static_cast<TimerAction>(action);
    if (t.seq >= timerSeq_ || !handles.insert(t.handle).second ||
        rt.handleState(t.handle) != HandleState::Pending) {
      in.fail("timer of handle " + std::to_string(t.handle) +
              " does not hold a pending handle of its own");
      return Ok{};
    }
    // Saved in the order they were made (a state lists each timer once, and
    // timers due at one tick complete in this order).
    if (!timers_.empty() && t.seq <= timers_.back().seq) {
      in.fail("timers out of the order they were made in");
      return Ok{};
    }
    const bool pinsValue = t.action == TimerAction::ResolveValue;
    if (pinsValue ? !rt.isPinned(t.value) || !pins.insert(t.value).second
                  : t.value != 0) {
      in.fail("timer of handle " + std::to_string(t.handle) +
              " has a bad value pin");
      return Ok{};
    }
    timers_.push_back(std::move(t));
  }
  // Pending timers wait in (due, seq) order.
  std::stable_sort(timers_.begin(), timers_.end(),
                   [](const Timer& a, const Timer& b) { return a.due < b.due; });
  return Ok{};
}

}  // namespace brainvm

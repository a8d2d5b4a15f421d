// The Runner's state between ticks (runner.cpp) and its part of a saved
// state (runner_state.cpp).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "brainvm/runner.h"
#include "brainvm/state.h"

namespace brainvm {

// Collects ended fibers as their slices end them, and forwards events to
// the user's observer.
// A list in fixed blocks: it grows without copying its items or touching
// twice their memory (a run of 100,000 short fibers), and costs nothing
// while empty (std::deque allocates on construction; a game's runners
// record no fibers).
template <class T, size_t kBlock = 128>
class BlockList {
 public:
  size_t size() const { return size_; }
  T& operator[](size_t i) { return blocks_[i / kBlock][i % kBlock]; }
  const T& operator[](size_t i) const { return blocks_[i / kBlock][i % kBlock]; }
  void push_back(T v) {
    if (size_ == blocks_.size() * kBlock)
      blocks_.push_back(std::make_unique<T[]>(kBlock));
    (*this)[size_++] = std::move(v);
  }
  void clear() {
    blocks_.clear();
    size_ = 0;
  }

 private:
  std::vector<std::unique_ptr<T[]>> blocks_;
  size_t size_ = 0;
};

class RunnerObserver : public RuntimeObserver {
 public:
  RunnerObserver(Runner& runner, RuntimeObserver* next)
      : runner_(runner), next_(next) {}

  void onFiberSpawned(FiberId id, uint32_t fn) override {
    if (next_) next_->onFiberSpawned(id, fn);
  }
  void onSlice(FiberId id, const RunResult& r) override {
    if (next_) next_->onSlice(id, r);
    // Collect a fiber as soon as its slice ends it, so that the fibers of a
    // busy tick reuse each other's memory (the runtime allows it here: the
    // scheduler no longer holds the fiber).
    if (r.status == RunStatus::Done || r.status == RunStatus::Fault ||
        r.status == RunStatus::Cancelled)
      runner_.reapEnded();
  }
  void onHandleSettled(HandleId id, HandleState s) override {
    if (next_) next_->onHandleSettled(id, s);
  }
  void onFiberCancelled(FiberId id) override {
    if (next_) next_->onFiberCancelled(id);
  }
  RuntimeObserver* next() const { return next_; }

 private:
  Runner& runner_;
  RuntimeObserver* next_;
};

// Everything the run loop keeps between ticks.
struct Runner::State {
  State(Runner& runner, RuntimeObserver* next) : tracker(runner, next) {}
  // A rule's counters; report() makes its RuleRecord (the name is the
  // program's, not copied per runner).
  struct Rule {
    explicit Rule(uint32_t fn) : function(fn) {}
    uint32_t function;
    std::optional<FiberId> fiber;  // the live run, if any
    uint64_t runs = 0;
    uint64_t fired = 0;
    uint64_t faults = 0;
    std::optional<Value> firstError;
  };
  // What a tick touches first.
  RunnerObserver tracker;
  std::vector<Rule> rules;
  uint64_t ticks = 0;  // ticks run
  bool faulted = false;
  bool started = false;
  bool finished = false;
  RunOutcome status = RunOutcome::Ticks;
  std::optional<FiberId> entryFiber;
  // A collected non-rule fiber: report() makes its FiberRecord (the name
  // is the program's, not copied per record). `value` is the result of a
  // DONE fiber, the error of a FAULT or CANCELLED one.
  struct Record {
    FiberId id;
    uint32_t function;
    FiberState state;
    Value value;
  };
  // Non-rule fibers in the order they ended; sorted by id in the report.
  BlockList<Record> records;
  std::vector<PinId> pins;  // values the records hold
  // Variables' values the last report() handed out; released by the next
  // report() or saveState(), so that reporting every tick pins nothing new.
  std::vector<PinId> reportPins;
  std::optional<Value> result;
};

// The Runner's part of a saved state: its options that shape execution,
// progress, rules' counters and the records the report will list.
class Runner::Hook : public StateHook {
 public:
  explicit Hook(Runner& r) : runner_(r) {}
  std::vector<HandleId> pendingHandles() const override { return {}; }
  void save(StateWriter& out) const override;
  Status restore(StateReader& in, Runtime& runtime) override;

 private:
  Runner& runner_;
};


}  // namespace brainvm

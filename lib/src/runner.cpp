// The run loop of `brainvm run` (contract section 6).
#include "brainvm/runner.h"

#include <algorithm>
#include <map>
#include <vector>

namespace brainvm {

std::string_view runOutcomeName(RunOutcome o) {
  switch (o) {
    case RunOutcome::Done: return "done";
    case RunOutcome::Ticks: return "ticks";
    case RunOutcome::Limit: return "limit";
  }
  return "?";
}

namespace {

// Tracks spawned non-rule fibers and forwards events to the user's observer.
class SpawnTracker : public RuntimeObserver {
 public:
  explicit SpawnTracker(RuntimeObserver* next) : next_(next) {}
  std::vector<FiberId> spawned;

  void onFiberSpawned(FiberId id, uint32_t fn) override {
    spawned.push_back(id);
    if (next_) next_->onFiberSpawned(id, fn);
  }
  void onSlice(FiberId id, const RunResult& r) override {
    if (next_) next_->onSlice(id, r);
    // Collect a fiber as soon as its slice ends it, so that the fibers of a
    // busy tick reuse each other's memory (the runtime allows gc() here:
    // the scheduler no longer holds the fiber).
    if (reap && (r.status == RunStatus::Done || r.status == RunStatus::Fault ||
                 r.status == RunStatus::Cancelled))
      reap();
  }
  std::function<void()> reap;
  void onHandleSettled(HandleId id, HandleState s) override {
    if (next_) next_->onHandleSettled(id, s);
  }
  void onFiberCancelled(FiberId id) override {
    if (next_) next_->onFiberCancelled(id);
  }

 private:
  RuntimeObserver* next_;
};

// Sorts fiber records by id in place. Ids are dense (every spawn takes the
// next one), so usually a bucket per id in the records' range gives each
// record's rank in linear time; the records are then permuted cycle by cycle
// (no second copy of them).
void sortById(std::vector<FiberRecord>& records) {
  if (records.empty()) return;
  FiberId lo = records.front().id, hi = lo;
  for (const FiberRecord& r : records) {
    lo = std::min(lo, r.id);
    hi = std::max(hi, r.id);
  }
  const size_t n = records.size();
  std::vector<uint32_t> rank(n);  // final position of records[i]
  const uint64_t span = uint64_t(hi) - lo + 1;
  if (span <= 4 * uint64_t(n)) {
    constexpr uint32_t kNone = UINT32_MAX;
    std::vector<uint32_t> at(span, kNone);
    for (size_t i = 0; i < n; ++i)
      at[records[i].id - lo] = static_cast<uint32_t>(i);
    uint32_t next = 0;
    for (uint32_t i : at)
      if (i != kNone) rank[i] = next++;
  } else {
    std::vector<std::pair<FiberId, uint32_t>> order(n);
    for (size_t i = 0; i < n; ++i)
      order[i] = {records[i].id, static_cast<uint32_t>(i)};
    std::sort(order.begin(), order.end());
    for (size_t k = 0; k < n; ++k) rank[order[k].second] = static_cast<uint32_t>(k);
  }
  for (size_t i = 0; i < n; ++i) {
    while (rank[i] != i) {
      const uint32_t j = rank[i];
      std::swap(records[i], records[j]);
      std::swap(rank[i], rank[j]);
    }
  }
}

}  // namespace

Runner::~Runner() = default;

Result<std::unique_ptr<Runner>> Runner::create(Program program,
                                               RunOptions options) {
  std::unique_ptr<Runner> r(new Runner());
  r->builtins_ = std::make_unique<BuiltinHost>(options.seed);
  if (options.echo) r->builtins_->setEcho(options.echo);
  HostRegistry registry;
  if (Status s = r->builtins_->registerInto(registry); !s) return s.takeError();
  RuntimeConfig config = options.runtime;
  if (options.entry) {
    config.entrySuppliedExternally = true;
    std::optional<uint32_t> id = program.findFunction(*options.entry);
    if (!id)
      return Error(ErrorCode::InvalidArgument,
                   "--entry: no function named '" + *options.entry + "'");
    if (program.functions[*id].numParams != 0)
      return Error(ErrorCode::InvalidArgument,
                   "--entry: function '" + *options.entry +
                       "' takes parameters; an entry function takes none");
    program.entry = *id;
  }
  Result<std::unique_ptr<Runtime>> rt =
      Runtime::create(std::move(program), registry, config);
  if (!rt) return rt.takeError();
  r->runtime_ = std::move(rt.value());
  r->options_ = std::move(options);
  return r;
}

Result<RunReport> Runner::run() {
  Runtime& rt = *runtime_;
  const Program& program = rt.program();
  RunReport report;
  SpawnTracker tracker(options_.observer);
  rt.setObserver(&tracker);
  struct Cleanup {
    Runtime& rt;
    ~Cleanup() { rt.setObserver(nullptr); }
  } cleanup{rt};

  if (options_.setup) {
    if (Status s = options_.setup(rt); !s) return s.takeError();
  }

  // Values the report holds must survive later collections; scalars need no
  // pin.
  auto keep = [&](const Value& v) {
    if (v.isObject() || v.isHandle()) pins_.push_back(rt.pin(v));
    return v;
  };

  // Start-up: entry (fiber 1), then spawns, then rules.
  std::optional<FiberId> entryFiber;
  if (program.entry) {
    Result<FiberId> id = rt.spawn(*program.entry);
    if (!id) return id.takeError();
    entryFiber = id.value();
  }
  for (uint32_t fn : program.spawns) {
    Result<FiberId> id = rt.spawn(fn);
    if (!id) return id.takeError();
  }
  struct RuleState {
    uint32_t function;
    std::optional<FiberId> fiber;  // the live run, if any
    RuleRecord record;
  };
  std::vector<RuleState> rules;
  std::map<FiberId, size_t> ruleOfFiber;
  auto spawnRule = [&](size_t i) -> Status {
    Result<FiberId> id = rt.spawn(rules[i].function);
    if (!id) return id.takeError();
    rt.markRule(id.value());
    rules[i].fiber = id.value();
    rules[i].record.runs++;
    ruleOfFiber[id.value()] = i;
    return Ok{};
  };
  for (uint32_t fn : program.rules) {
    rules.push_back(RuleState{fn, std::nullopt, {}});
    rules.back().record.function = program.functions[fn].name;
    if (Status s = spawnRule(rules.size() - 1); !s) return s.takeError();
  }

  // Non-rule fibers in the order they ended; sorted by id at the end.
  std::vector<FiberRecord> records;
  auto recordEnded = [&](const FiberView& v) {
    if (v.isRule) {
      auto it = ruleOfFiber.find(v.id);
      if (it == ruleOfFiber.end()) return;
      RuleState& rs = rules[it->second];
      if (v.fired) rs.record.fired++;
      if (v.state == FiberState::Fault) {
        rs.record.faults++;
        if (!rs.record.firstError) rs.record.firstError = keep(v.error);
        report.faulted = true;
      }
      rs.fiber.reset();
      ruleOfFiber.erase(it);
      return;
    }
    FiberRecord rec;
    rec.id = v.id;
    rec.function = program.functions[v.function].name;
    rec.state = v.state;
    if (v.state == FiberState::Done) rec.result = keep(v.result);
    if (v.state == FiberState::Fault || v.state == FiberState::Cancelled)
      rec.error = keep(v.error);
    if (v.state == FiberState::Fault) report.faulted = true;
    if (entryFiber && v.id == *entryFiber && v.state == FiberState::Done)
      report.result = rec.result;
    records.push_back(std::move(rec));
  };

  tracker.reap = [&] { rt.gc(recordEnded); };

  report.status = RunOutcome::Ticks;
  report.ticks = options_.maxTicks;
  for (uint64_t t = 1; t <= options_.maxTicks; ++t) {
    if (options_.onTickStart) options_.onTickStart(t);
    rt.setClock(static_cast<double>(t - 1) * options_.dtMs, options_.dtMs, t);
    builtins_->completeTimersDue(rt, t);
    if (t > 1)
      for (size_t i = 0; i < rules.size(); ++i)
        if (!rules[i].fiber)
          if (Status s = spawnRule(i); !s) return s.takeError();
    rt.tick();
    rt.gc(recordEnded);
    // The cap ends the run only if it cut something short: a run whose
    // fibers all finished within it goes on as it would without it (rules
    // re-spawned at the next tick are live and end it then).
    if (rt.instructionLimitReached() && rt.liveFibers() > 0) {
      rt.faultAll(ErrorTag::Timeout,
                  "instruction limit " +
                      std::to_string(rt.config().maxInstructions) +
                      " reached");
      rt.gc(recordEnded);
      report.status = RunOutcome::Limit;
      report.ticks = t;
      break;
    }
    if (rules.empty() && rt.liveFibers() == 0 &&
        !builtins_->hasPendingTimers()) {
      report.status = RunOutcome::Done;
      report.ticks = t;
      break;
    }
  }

  // Fibers still live at the end are reported in their current state (ended
  // ones were collected by the last gc and have their records).
  for (FiberId id : tracker.spawned) {
    std::optional<FiberView> v = rt.fiber(id);
    if (!v) continue;
    if (v->isRule) {
      auto it = ruleOfFiber.find(id);
      if (it != ruleOfFiber.end() && v->fired) rules[it->second].record.fired++;
      continue;
    }
    FiberRecord rec;
    rec.id = id;
    rec.function = program.functions[v->function].name;
    rec.state = v->state;
    records.push_back(std::move(rec));
  }
  sortById(records);
  report.fibers = std::move(records);
  for (RuleState& rs : rules) report.rules.push_back(std::move(rs.record));
  for (auto& [name, v] : rt.sharedVariables())
    report.variables.emplace_back(name, keep(v));
  report.output = builtins_->output();
  RuntimeStats stats = rt.stats();
  report.instructions = stats.instructions;
  report.slices = stats.slices;
  report.handles = stats.handlesCreated;
  if (report.status == RunOutcome::Limit) report.faulted = true;
  return report;
}

}  // namespace brainvm

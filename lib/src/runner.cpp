// The run loop of the contract (section 6).
#include "brainvm/runner.h"

#include "runner_state.h"
#include "runtime_impl.h"

#include <algorithm>
#include <unordered_map>
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

// The indexes 0..n-1 of fibers in the order of their ids (idAt(i)). Ids
// are dense (every spawn takes the next one), so usually a bucket per id in
// their range orders them in linear time; repeated ids (never made by a run)
// take the general sort.
template <class IdAt>
std::vector<uint32_t> orderById(size_t n, IdAt idAt) {
  std::vector<uint32_t> order;
  if (n == 0) return order;
  order.reserve(n);
  FiberId lo = idAt(0), hi = lo;
  for (size_t i = 0; i < n; ++i) {
    const FiberId id = idAt(i);
    lo = std::min(lo, id);
    hi = std::max(hi, id);
  }
  const uint64_t span = uint64_t(hi) - lo + 1;
  if (span <= 4 * uint64_t(n)) {
    constexpr uint32_t kNone = UINT32_MAX;
    std::vector<uint32_t> at(span, kNone);
    bool unique = true;
    for (size_t i = 0; i < n && unique; ++i) {
      uint32_t& slot = at[idAt(i) - lo];
      unique = slot == kNone;
      slot = static_cast<uint32_t>(i);
    }
    if (unique) {
      for (uint32_t i : at)
        if (i != kNone) order.push_back(i);
      return order;
    }
  }
  std::vector<std::pair<FiberId, uint32_t>> byId(n);
  for (size_t i = 0; i < n; ++i)
    byId[i] = {idAt(i), static_cast<uint32_t>(i)};
  std::sort(byId.begin(), byId.end());
  for (const auto& [id, i] : byId) order.push_back(i);
  return order;
}

}  // namespace

Runner::Runner() = default;

Runner::~Runner() {
  if (runtime_) runtime_->setObserver(nullptr);
}

Result<std::unique_ptr<Runner>> Runner::create(Program program,
                                               RunOptions options) {
  LoadOptions lo;
  lo.maxStackSize = options.runtime.maxStackSize;
  lo.requireRunnable = !options.entry;
  auto loaded = LoadedProgram::load(std::move(program), lo);
  if (!loaded) return loaded.takeError();
  return create(std::move(loaded.value()), std::move(options));
}

Result<std::unique_ptr<Runner>> Runner::create(
    std::shared_ptr<const LoadedProgram> program, RunOptions options) {
  if (!program) return Error(ErrorCode::InvalidArgument, "no program");
  std::unique_ptr<Runner> r(new Runner());
  const Program& p = program->program();
  if (options.entry) {
    std::optional<uint32_t> id = program->findFunction(*options.entry);
    if (!id)
      return Error(ErrorCode::InvalidArgument,
                   "no function named '" + *options.entry + "'");
    if (p.functions[*id].numParams != 0)
      return Error(ErrorCode::InvalidArgument,
                   "function '" + *options.entry +
                       "' takes parameters; an entry function takes none");
    r->entry_ = *id;
  } else {
    r->entry_ = p.entry;
    if (!p.entry && p.spawns.empty() && p.rules.empty())
      return Error(ErrorCode::InvalidArgument,
                   "nothing to run: the program has no entry (.entry or "
                   "main), .spawn or .rule");
  }

  Result<HostRegistry> registry = r->hostsFor(program->program(), options);
  if (!registry) return registry.takeError();
  Result<std::unique_ptr<Runtime>> rt =
      Runtime::create(std::move(program), registry.value(), options.runtime);
  if (!rt) return rt.takeError();
  r->runtime_ = std::move(rt.value());
  r->keepSettings(options);
  r->attachState(options.observer);
  return r;
}

void Runner::keepSettings(RunOptions& options) {
  settings_.maxTicks = options.maxTicks;
  settings_.dtMs = options.dtMs;
  settings_.seed = options.seed;
  settings_.onTick = std::move(options.onTick);
  settings_.setup = std::move(options.setup);
}

RunOptions Runner::options() const {
  RunOptions o;
  o.maxTicks = settings_.maxTicks;
  o.dtMs = settings_.dtMs;
  o.seed = settings_.seed;
  o.runtime = runtime_->config();
  if (entry_) o.entry = runtime_->program().functions[*entry_].name;
  o.builtins = builtins_ != nullptr;
  o.onTick = settings_.onTick;
  o.observer = state_->tracker.next();
  return o;
}

bool Runner::finished() const {
  return state_->finished || state_->ticks >= settings_.maxTicks;
}
uint64_t Runner::ticksRun() const { return state_->ticks; }

Status Runner::start() {
  State& st = *state_;
  if (st.started) return Ok{};
  st.started = true;
  Runtime& rt = *runtime_;
  const Program& program = rt.program();
  if (auto setup = std::move(settings_.setup)) {
    settings_.setup = nullptr;
    if (Status s = setup(rt); !s) {
      st.finished = true;
      return s;
    }
  }
  auto failed = [&st](Error e) -> Status {
    st.finished = true;
    return e;
  };

  // Start-up: entry (fiber 1), then spawns, then rules.
  if (entry_) {
    Result<FiberId> id = rt.spawn(*entry_);
    if (!id) return failed(id.takeError());
    st.entryFiber = id.value();
  }
  for (uint32_t fn : program.spawns) {
    Result<FiberId> id = rt.spawn(fn);
    if (!id) return failed(id.takeError());
  }
  st.rules.reserve(program.rules.size());  // held for the whole run
  for (uint32_t fn : program.rules) {
    st.rules.push_back(State::Rule(fn));
    if (Status s = spawnRule(st.rules.size() - 1); !s)
      return failed(s.takeError());
  }
  return Ok{};
}

// Values the report holds must survive later collections; scalars need no
// pin.
Value Runner::keep(const Value& v) {
  if (v.isObject() || v.isHandle()) state_->pins.push_back(runtime_->pin(v));
  return v;
}

void Runner::releaseReportPins() {
  for (PinId id : state_->reportPins) runtime_->unpin(id);
  state_->reportPins.clear();
}

void Runner::ruleRunEnded(FiberId id, uint16_t hint, bool fired,
                          FiberState state, const Value& error) {
  State& st = *state_;
  State::Rule* rule = nullptr;
  if (hint < st.rules.size() && st.rules[hint].fiber == id) {
    rule = &st.rules[hint];
  } else {
    // No hint (a restored run): rules are few, a scan finds the run's rule.
    auto it = std::find_if(st.rules.begin(), st.rules.end(),
                           [&](const State::Rule& r) { return r.fiber == id; });
    if (it == st.rules.end()) return;
    rule = &*it;
  }
  if (fired) rule->fired++;
  if (state == FiberState::Fault) {
    rule->faults++;
    if (!rule->firstError) rule->firstError = keep(error);
    st.faulted = true;
  }
  rule->fiber.reset();
}

// A collected fiber that is not a rule run (those: ruleRunEnded).
void Runner::recordEnded(const FiberView& v) {
  State& st = *state_;
  // Collected fibers have ended: DONE, FAULT or CANCELLED.
  const Value& value = v.state == FiberState::Done ? v.result : v.error;
  st.records.push_back(State::Record{v.id, v.function, v.state, keep(value)});
  if (v.state == FiberState::Fault) st.faulted = true;
  if (st.entryFiber && v.id == *st.entryFiber && v.state == FiberState::Done)
    st.result = value;
}

void Runner::attachState(RuntimeObserver* observer) {
  if (!state_) state_ = std::make_unique<State>(*this, observer);
  runtime_->setObserver(&state_->tracker);
}

void Runner::reapEnded() {
  RuntimeImpl& impl = *runtime_->impl_;
  impl.collectEnded([this, &impl](const Fiber& f) {
    if (f.isRule)
      ruleRunEnded(f.id, f.ruleHint, f.fired, f.state, f.error);
    else
      recordEnded(impl.view(f));
  });
}

Result<HostRegistry> Runner::hostsFor(const Program& program,
                                      const RunOptions& options) {
  HostRegistry registry;
  if (options.builtins) {
    builtins_ = std::make_unique<BuiltinHost>(options.seed);
    if (options.echo) builtins_->setEcho(options.echo);
    if (Status s = builtins_->registerInto(registry, &program); !s)
      return s.takeError();
  }
  registry.merge(options.hosts);
  return registry;
}

Status Runner::spawnRule(size_t i) {
  State& st = *state_;
  Result<FiberId> id =
      runtime_->impl_->spawn(st.rules[i].function, {}, /*rule=*/true,
                             i < Fiber::kNoRuleHint ? static_cast<uint16_t>(i)
                                                    : Fiber::kNoRuleHint);
  if (!id) return id.takeError();
  st.rules[i].fiber = id.value();
  st.rules[i].runs++;
  return Ok{};
}

Result<bool> Runner::step() {
  State& st = *state_;
  if (!st.started) {
    if (Status s = start(); !s) return s.takeError();
  }
  // Reaching maxTicks ends a run without finishing it for good: a run
  // restored from a state saved there goes on with a larger maxTicks.
  if (st.finished || st.ticks >= settings_.maxTicks) return false;
  Runtime& rt = *runtime_;
  const uint64_t t = st.ticks + 1;
  rt.setClock(static_cast<double>(t - 1) * settings_.dtMs, settings_.dtMs, t);
  if (settings_.onTick && !settings_.onTick(rt, t)) {
    st.finished = true;
    st.status = RunOutcome::Ticks;
    return false;
  }
  st.ticks = t;
  if (builtins_) builtins_->completeTimersDue(rt, t);
  if (t > 1)
    for (size_t i = 0; i < st.rules.size(); ++i)
      if (!st.rules[i].fiber)
        if (Status s = spawnRule(i); !s) {
          st.finished = true;
          return s.takeError();
        }
  rt.tick();
  reapEnded();
  // The cap ends the run only if it cut something short: a run whose
  // fibers all finished within it goes on as it would without it (rules
  // re-spawned at the next tick are live and end it then).
  if (rt.instructionLimitReached() && rt.liveFibers() > 0) {
    rt.faultAll(ErrorTag::Timeout,
                "instruction limit " +
                    std::to_string(rt.config().maxInstructions) + " reached");
    reapEnded();
    st.status = RunOutcome::Limit;
    st.faulted = true;
    st.finished = true;
    return false;
  }
  if (st.rules.empty() && rt.liveFibers() == 0 &&
      !(builtins_ && builtins_->hasPendingTimers())) {
    st.status = RunOutcome::Done;
    st.finished = true;
    return false;
  }
  return t < settings_.maxTicks;
}

Result<RunReport> Runner::run(ReportFibers fibers) {
  if (Status s = start(); !s) return s.takeError();
  for (;;) {
    Result<bool> more = step();
    if (!more) return more.takeError();
    if (!more.value()) break;
  }
  return report(fibers);
}

void Runner::forEachFiberRecord(
    const std::function<void(const FiberRecord&)>& visit) const {
  const State& st = *state_;
  const Program& program = runtime_->program();
  // The collected fibers' records, then the live fibers (in their current
  // state; rules' runs are reported with their rule), ordered by id first
  // so that one FiberRecord serves them all.
  std::vector<const Fiber*> live;
  runtime_->impl_->fibers.forEach([&](const Fiber& f) {
    if (!f.isRule) live.push_back(&f);
  });
  const size_t recorded = st.records.size();
  const std::vector<uint32_t> order =
      orderById(recorded + live.size(), [&](size_t i) {
        return i < recorded ? st.records[i].id : live[i - recorded]->id;
      });
  FiberRecord rec;
  for (uint32_t i : order) {
    rec.result.reset();
    rec.error.reset();
    if (i < recorded) {
      const State::Record& r = st.records[i];
      rec.id = r.id;
      rec.function = program.functions[r.function].name;
      rec.state = r.state;
      if (r.state == FiberState::Done)
        rec.result = r.value;
      else
        rec.error = r.value;
    } else {
      const Fiber& f = *live[i - recorded];
      rec.id = f.id;
      rec.function = program.functions[f.function].name;
      rec.state = f.state;
    }
    visit(rec);
  }
}

RunReport Runner::report(ReportFibers fibers) {
  State& st = *state_;
  Runtime& rt = *runtime_;
  const Program& program = rt.program();
  RunReport report;
  report.status = st.finished ? st.status : RunOutcome::Ticks;
  report.ticks = st.ticks;
  report.result = st.result;
  report.faulted = st.faulted;
  if (fibers == ReportFibers::Included) {
    report.fibers.reserve(st.records.size() + rt.impl_->fibers.size());
    forEachFiberRecord(
        [&](const FiberRecord& f) { report.fibers.push_back(f); });
  }
  // A live run that fired counts, however it will end.
  for (const State::Rule& rule : st.rules) {
    RuleRecord rec;
    rec.function = program.functions[rule.function].name;
    rec.runs = rule.runs;
    rec.fired = rule.fired;
    rec.faults = rule.faults;
    rec.firstError = rule.firstError;
    if (rule.fiber)
      if (std::optional<FiberView> v = rt.fiber(*rule.fiber); v && v->fired)
        rec.fired++;
    report.rules.push_back(std::move(rec));
  }
  releaseReportPins();
  for (auto& [name, v] : rt.sharedVariables()) {
    if (v.isObject() || v.isHandle()) st.reportPins.push_back(rt.pin(v));
    report.variables.emplace_back(name, v);
  }
  if (builtins_) report.output = builtins_->output();
  RuntimeStats stats = rt.stats();
  report.instructions = stats.instructions;
  report.slices = stats.slices;
  report.handles = stats.handlesCreated;
  return report;
}

}  // namespace brainvm

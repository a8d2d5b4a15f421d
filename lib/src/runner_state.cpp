// The Runner's part of a saved state, and saving and restoring whole runs.
#include <algorithm>
#include <set>

#include "brainvm/runner.h"
#include "runner_state.h"

namespace brainvm {

namespace {

void optionalValue(StateWriter& out, const std::optional<Value>& v) {
  out.u8(v ? 1 : 0);
  if (v) out.value(*v);
}

bool optionalValue(StateReader& in, std::optional<Value>& v,
                   const char* what) {
  uint8_t has;
  if (!in.u8(has, what)) return false;
  if (has > 1) return in.fail(std::string("bad ") + what + " flag");
  v.reset();
  if (has) {
    Value x;
    if (!in.value(x, what)) return false;
    v = x;
  }
  return true;
}

}  // namespace

void Runner::Hook::save(StateWriter& out) const {
  const Runner& r = runner_;
  const State& st = *r.state_;
  out.u8(r.builtins_ ? 1 : 0);
  out.f64(r.settings_.dtMs);
  out.u64(r.settings_.seed);
  out.u64(r.entry_ ? uint64_t(*r.entry_) + 1 : 0);
  out.u64(st.entryFiber.value_or(0));
  out.u8(static_cast<uint8_t>(st.started | st.finished << 1 | st.faulted << 2));
  out.u8(static_cast<uint8_t>(st.status));
  out.u64(st.ticks);
  optionalValue(out, st.result);
  out.u64(st.rules.size());
  for (const State::Rule& rule : st.rules) {
    out.u64(rule.fiber.value_or(0));
    out.u64(rule.runs);
    out.u64(rule.fired);
    out.u64(rule.faults);
    optionalValue(out, rule.firstError);
  }
  out.u64(st.records.size());
  const Program& program = r.runtime_->program();
  for (size_t i = 0; i < st.records.size(); ++i) {
    const State::Record& rec = st.records[i];
    const bool done = rec.state == FiberState::Done;
    out.u64(rec.id);
    out.str(program.functions[rec.function].name);
    out.u8(static_cast<uint8_t>(rec.state));
    optionalValue(out, done ? std::optional<Value>(rec.value) : std::nullopt);
    optionalValue(out, done ? std::nullopt : std::optional<Value>(rec.value));
  }
  out.u64(st.pins.size());
  for (PinId p : st.pins) out.u64(p);
}

Status Runner::Hook::restore(StateReader& in, Runtime& rt) {
  Runner& r = runner_;
  State& st = *r.state_;
  const Program& p = rt.program();
  uint8_t builtins, flags, status;
  uint64_t entry, entryFiber, n;
  if (!in.u8(builtins, "built-ins flag")) return Ok{};
  if ((builtins == 1) != (r.builtins_ != nullptr)) {
    in.fail(builtins ? "the state was saved with the built-in library"
                     : "the state was saved without the built-in library");
    return Ok{};
  }
  if (!in.f64(r.settings_.dtMs, "dt") || !in.u64(r.settings_.seed, "seed") ||
      !in.u64(entry, "entry function") || !in.u64(entryFiber, "entry fiber") ||
      !in.u8(flags, "run flags") || !in.u8(status, "run status") ||
      !in.u64(st.ticks, "ticks") || !optionalValue(in, st.result, "result"))
    return Ok{};
  if (entry > p.functions.size() || flags > 7 ||
      status > static_cast<uint8_t>(RunOutcome::Limit)) {
    in.fail("the run's entry, flags or status are out of range");
    return Ok{};
  }
  r.entry_.reset();
  if (entry) r.entry_ = static_cast<uint32_t>(entry - 1);
  st.entryFiber.reset();
  if (entryFiber) st.entryFiber = static_cast<FiberId>(entryFiber);
  st.started = flags & 1;
  st.finished = flags & 2;
  st.faulted = flags & 4;
  st.status = static_cast<RunOutcome>(status);

  if (!in.count(n, 5, "rule")) return Ok{};
  if (n != (st.started ? p.rules.size() : 0)) {
    in.fail("the state's rules do not match the program");
    return Ok{};
  }
  st.rules.clear();
  st.rules.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    State::Rule rule(p.rules[i]);
    uint64_t fiber;
    if (!in.u64(fiber, "rule fiber") || !in.u64(rule.runs, "rule runs") ||
        !in.u64(rule.fired, "rule fired") ||
        !in.u64(rule.faults, "rule faults") ||
        !optionalValue(in, rule.firstError, "rule error"))
      return Ok{};
    if (fiber) {
      std::optional<FiberView> v = rt.fiber(static_cast<FiberId>(fiber));
      if (!v || !v->isRule || v->function != rule.function ||
          std::any_of(st.rules.begin(), st.rules.end(),
                      [&](const State::Rule& o) { return o.fiber == v->id; })) {
        in.fail("rule '" + p.functions[rule.function].name +
                "' runs in a fiber that is not its own");
        return Ok{};
      }
      rule.fiber = v->id;
    }
    st.rules.push_back(std::move(rule));
  }
  if (!in.count(n, 6, "fiber record")) return Ok{};
  st.records.clear();
  for (uint64_t i = 0; i < n; ++i) {
    FiberId id;
    std::string function;
    uint8_t state;
    std::optional<Value> result, error;
    if (!in.u32(id, "record id") || !in.str(function, "record function") ||
        !in.u8(state, "record state") ||
        !optionalValue(in, result, "record result") ||
        !optionalValue(in, error, "record error"))
      return Ok{};
    std::optional<uint32_t> fn = p.findFunction(function);
    if (!fn) {
      in.fail("a fiber record names no function of the program");
      return Ok{};
    }
    // Records are of collected fibers: a DONE one with its result, a FAULT
    // or CANCELLED one with its error.
    const bool done = state == static_cast<uint8_t>(FiberState::Done);
    const bool failed = state == static_cast<uint8_t>(FiberState::Fault) ||
                        state == static_cast<uint8_t>(FiberState::Cancelled);
    if (!(done && result && !error) && !(failed && error && !result)) {
      in.fail("a fiber record's state and values do not agree");
      return Ok{};
    }
    st.records.push_back(State::Record{id, *fn, static_cast<FiberState>(state),
                                       done ? *result : *error});
  }
  // A record is written when its fiber is collected: one per fiber, and never
  // for a fiber the runtime still holds.
  {
    std::vector<FiberId> ids = rt.fiberIds();
    std::sort(ids.begin(), ids.end());
    std::set<FiberId> recorded;
    for (size_t i = 0; i < st.records.size(); ++i) {
      const State::Record& rec = st.records[i];
      if (!recorded.insert(rec.id).second ||
          std::binary_search(ids.begin(), ids.end(), rec.id)) {
        in.fail("fiber " + std::to_string(rec.id) +
                " has a second record, or a record while it is still held");
        return Ok{};
      }
    }
  }
  if (!in.count(n, 1, "pin")) return Ok{};
  std::set<PinId> seen;
  st.pins.clear();
  for (uint64_t i = 0; i < n; ++i) {
    uint32_t pin;
    if (!in.u32(pin, "pin")) return Ok{};
    if (!rt.isPinned(pin) || !seen.insert(pin).second) {
      in.fail("the run holds pin " + std::to_string(pin) + ", not a pin of its own");
      return Ok{};
    }
    st.pins.push_back(pin);
  }
  return Ok{};
}

Result<std::vector<uint8_t>> Runner::saveState(
    std::span<StateHook* const> extra) {
  // The last report's pins are not part of the run: a restored runner would
  // not know them. Nothing is collected before the next tick, so that
  // report's values stay readable until then.
  releaseReportPins();
  Hook hook(*this);
  std::vector<StateHook*> hooks{&hook};
  if (builtins_) hooks.push_back(builtins_.get());
  hooks.insert(hooks.end(), extra.begin(), extra.end());
  return runtime_->saveState(hooks);
}

Result<std::unique_ptr<Runner>> Runner::restoreState(
    std::shared_ptr<const LoadedProgram> program, RunOptions options,
    std::span<const uint8_t> state, std::span<StateHook* const> extra) {
  if (!program) return Error(ErrorCode::InvalidArgument, "no program");
  std::unique_ptr<Runner> r(new Runner());
  Result<HostRegistry> registry = r->hostsFor(program->program(), options);
  if (!registry) return registry.takeError();
  r->keepSettings(options);
  r->state_ = std::make_unique<State>(*r, options.observer);
  Hook hook(*r);
  std::vector<StateHook*> hooks{&hook};
  if (r->builtins_) hooks.push_back(r->builtins_.get());
  hooks.insert(hooks.end(), extra.begin(), extra.end());
  auto rt = Runtime::restoreState(std::move(program), registry.value(), state, hooks);
  if (!rt) return rt.takeError();
  r->runtime_ = std::move(rt.value());
  r->attachState(options.observer);
  return r;
}

}  // namespace brainvm

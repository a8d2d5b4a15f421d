// Runners (the run loop of `brainvm run`) and their reports, whose JSON is
// written by the `brainvm` command's own report writer (compiled in from
// apps/brainvm), so that the bytes are the same.
#include <cstring>

#include "capi_internal.h"
#include "report_writer.h"

using brainvm::Value;

namespace bvm {

namespace {

constexpr size_t kRunOptionsV1Size = sizeof(bvm_run_options);

bvm_status checkRunner(const bvm_runner* r) {
  return r && r->core && r->core->runner ? BVM_OK
                                         : badArgument("runner is NULL");
}

// A handle the report owns (released by bvm_report_free).
bvm_value lasting(bvm_runtime* w, const Value& v) {
  return kindOf(v) == BVM_KIND_NIL ? BVM_NIL : w->values.addLasting(*w->rt, v);
}

}  // namespace

bvm_status readRunOptions(const bvm_run_options* in, bvm_run_options& out) {
  bvm_run_options_init(&out);
  if (!in) return BVM_OK;
  if (in->struct_size < kRunOptionsV1Size)
    return badArgument("bvm_run_options: struct_size too small");
  std::memcpy(&out, in, std::min(in->struct_size, sizeof out));
  out.struct_size = sizeof out;
  if (!(out.dt_ms >= 0)) return badArgument("dt_ms must be >= 0");
  return BVM_OK;
}

bvm_status newRunnerCore(const bvm_runtime_config& c, const bvm_run_options& o,
                         const bvm_hosts* hosts, brainvm::RunOptions& run,
                         std::shared_ptr<RunnerCore>& out) {
  auto core = std::make_shared<RunnerCore>();
  if (bvm_status s =
          newRuntimeWrapper(c, hosts, true, run.hosts, core->wrapper))
    return s;
  bvm_runtime* w = core->wrapper.get();
  core->onTick = o.on_tick;
  core->tickUser = o.tick_user;
  run.maxTicks = o.max_ticks;
  run.dtMs = o.dt_ms;
  run.seed = c.seed;
  run.runtime = runtimeConfigFrom(c);
  if (o.entry) run.entry = std::string(o.entry);
  run.builtins = c.builtins != 0;
  if (c.on_print)
    run.echo = [w](std::string_view line) {
      w->onPrint(line.data(), line.size(), w->printUser);
    };
  if (o.on_tick) {
    RunnerCore* raw = core.get();
    run.onTick = [raw](brainvm::Runtime&, uint64_t tick) {
      bvm_runtime* rt = raw->wrapper.get();
      CallbackScope scope(rt);
      return raw->onTick(rt, tick, raw->tickUser) != 0;
    };
  }
  out = std::move(core);
  return BVM_OK;
}

bvm_runner* wrapRunner(std::shared_ptr<RunnerCore> core,
                       std::unique_ptr<brainvm::Runner> runner) {
  core->runner = std::move(runner);
  core->wrapper->rt = &core->runner->runtime();
  core->wrapper->builtinHost = core->runner->builtins();
  auto r = std::make_unique<bvm_runner>();
  r->core = std::move(core);
  return r.release();
}

}  // namespace bvm

RunnerCore::~RunnerCore() {
  // The runner (and its runtime) first: the wrapper's host entries are the
  // user data of its functions. Handles need no unpinning then.
  if (wrapper) wrapper->values.clear();
  runner.reset();
  wrapper.reset();
}

bvm_report::~bvm_report() {
  bvm_runtime* w = core->wrapper.get();
  auto release = [w](bvm_value h) { w->values.release(*w->rt, h); };
  try {
    if (result) release(*result);
    for (const bvm_fiber_info& f : fibers) {
      release(f.result);
      release(f.error);
    }
    for (const bvm_rule_info& r : rules) release(r.first_error);
    for (bvm_value h : variables) release(h);
  } catch (...) {
    // Unpinning cannot fail in a way that matters here.
  }
}

using namespace bvm;

extern "C" {

BVM_API void bvm_run_options_init(bvm_run_options* o) {
  if (!o) return;
  const brainvm::RunOptions d;
  *o = bvm_run_options{};
  o->struct_size = sizeof(bvm_run_options);
  o->max_ticks = d.maxTicks;
  o->dt_ms = d.dtMs;
  o->entry = nullptr;
  o->on_tick = nullptr;
  o->tick_user = nullptr;
}

BVM_API bvm_status bvm_runner_create(bvm_program* program,
                                     const bvm_hosts* hosts,
                                     const bvm_runtime_config* config,
                                     const bvm_run_options* options,
                                     bvm_runner** out) {
  return guard([&] {
    if (bvm_status s = checkOut(out)) return s;
    if (!program) return badArgument("program is NULL");
    bvm_runtime_config c;
    if (bvm_status s = readRuntimeConfig(config, c)) return s;
    bvm_run_options o;
    if (bvm_status s = readRunOptions(options, o)) return s;
    auto loaded = loadedOf(program);
    if (!loaded) return fail(loaded.error());

    std::shared_ptr<RunnerCore> core;
    brainvm::RunOptions run;
    if (bvm_status s = newRunnerCore(c, o, hosts, run, core)) return s;
    auto created = brainvm::Runner::create(std::move(loaded.value()),
                                           std::move(run));
    if (!created) return fail(created.error());
    *out = wrapRunner(std::move(core), std::move(created.value()));
    return BVM_OK;
  });
}

BVM_API void bvm_runner_free(bvm_runner* runner) { delete runner; }

BVM_API bvm_runtime* bvm_runner_runtime(bvm_runner* runner) {
  return runner && runner->core ? runner->core->wrapper.get() : nullptr;
}

BVM_API bvm_status bvm_runner_step(bvm_runner* runner, int* more) {
  return guard([&] {
    if (bvm_status s = checkRunner(runner)) return s;
    if (bvm_status s =
            checkNotInCallback(runner->core->wrapper.get(), "bvm_runner_step"))
      return s;
    brainvm::Result<bool> r = runner->core->runner->step();
    if (!r) return fail(r.error());
    if (more) *more = r.value() ? 1 : 0;
    return BVM_OK;
  });
}

BVM_API bvm_status bvm_runner_run(bvm_runner* runner) {
  return guard([&] {
    if (bvm_status s = checkRunner(runner)) return s;
    if (bvm_status s =
            checkNotInCallback(runner->core->wrapper.get(), "bvm_runner_run"))
      return s;
    for (;;) {
      brainvm::Result<bool> r = runner->core->runner->step();
      if (!r) return fail(r.error());
      if (!r.value()) return BVM_OK;
    }
  });
}

BVM_API int bvm_runner_finished(const bvm_runner* runner) {
  return runner && runner->core && runner->core->runner->finished() ? 1 : 0;
}

BVM_API uint64_t bvm_runner_ticks(const bvm_runner* runner) {
  return runner && runner->core ? runner->core->runner->ticksRun() : 0;
}

BVM_API bvm_status bvm_runner_set_max_ticks(bvm_runner* runner,
                                            uint64_t max_ticks) {
  return guard([&] {
    if (bvm_status s = checkRunner(runner)) return s;
    runner->core->runner->setMaxTicks(max_ticks);
    return BVM_OK;
  });
}

BVM_API bvm_status bvm_runner_report(bvm_runner* runner, bvm_report** out) {
  return guard([&] {
    if (bvm_status s = checkRunner(runner)) return s;
    if (bvm_status s = checkOut(out)) return s;
    auto rep = std::make_unique<bvm_report>();
    rep->core = runner->core;
    rep->report = runner->core->runner->report();
    bvm_runtime* w = runner->core->wrapper.get();
    const brainvm::RunReport& r = rep->report;
    // Reserve everything first: the destructor releases what was made.
    rep->fibers.reserve(r.fibers.size());
    rep->rules.reserve(r.rules.size());
    rep->variables.reserve(r.variables.size());
    if (r.result) rep->result = lasting(w, *r.result);
    for (const brainvm::FiberRecord& f : r.fibers) {
      bvm_fiber_info info{};
      info.id = f.id;
      info.state = fiberStateOf(f.state);
      info.function = f.function.c_str();
      rep->fibers.push_back(info);
      if (f.result) rep->fibers.back().result = lasting(w, *f.result);
      if (f.error) rep->fibers.back().error = lasting(w, *f.error);
    }
    for (const brainvm::RuleRecord& rule : r.rules) {
      rep->rules.push_back(bvm_rule_info{rule.function.c_str(), rule.runs,
                                         rule.fired, rule.faults, BVM_NIL});
      if (rule.firstError)
        rep->rules.back().first_error = lasting(w, *rule.firstError);
    }
    for (const auto& [name, value] : r.variables)
      rep->variables.push_back(lasting(w, value));
    *out = rep.release();
    return BVM_OK;
  });
}

BVM_API void bvm_report_free(bvm_report* report) { delete report; }

BVM_API bvm_runtime* bvm_report_runtime(bvm_report* report) {
  return report ? report->core->wrapper.get() : nullptr;
}

BVM_API bvm_run_status bvm_report_status(const bvm_report* report) {
  if (!report) return BVM_RUN_TICKS;
  switch (report->report.status) {
    case brainvm::RunOutcome::Done: return BVM_RUN_DONE;
    case brainvm::RunOutcome::Ticks: return BVM_RUN_TICKS;
    case brainvm::RunOutcome::Limit: return BVM_RUN_LIMIT;
  }
  return BVM_RUN_TICKS;
}

BVM_API const char* bvm_run_status_name(bvm_run_status status) {
  switch (status) {
    case BVM_RUN_DONE: return "done";
    case BVM_RUN_TICKS: return "ticks";
    case BVM_RUN_LIMIT: return "limit";
  }
  return "?";
}

BVM_API uint64_t bvm_report_ticks(const bvm_report* report) {
  return report ? report->report.ticks : 0;
}

BVM_API int bvm_report_faulted(const bvm_report* report) {
  return report && report->report.faulted ? 1 : 0;
}

BVM_API int bvm_report_result(const bvm_report* report, bvm_value* out) {
  if (!report || !report->result) return 0;
  if (out) *out = *report->result;
  return 1;
}

BVM_API size_t bvm_report_fiber_count(const bvm_report* report) {
  return report ? report->fibers.size() : 0;
}

BVM_API const bvm_fiber_info* bvm_report_fiber(const bvm_report* report,
                                               size_t i) {
  return report && i < report->fibers.size() ? &report->fibers[i] : nullptr;
}

BVM_API size_t bvm_report_rule_count(const bvm_report* report) {
  return report ? report->rules.size() : 0;
}

BVM_API const bvm_rule_info* bvm_report_rule(const bvm_report* report,
                                             size_t i) {
  return report && i < report->rules.size() ? &report->rules[i] : nullptr;
}

BVM_API size_t bvm_report_var_count(const bvm_report* report) {
  return report ? report->variables.size() : 0;
}

BVM_API const char* bvm_report_var(const bvm_report* report, size_t i,
                                   bvm_value* value) {
  if (!report || i >= report->variables.size()) return nullptr;
  if (value) *value = report->variables[i];
  return report->report.variables[i].first.c_str();
}

BVM_API size_t bvm_report_output_count(const bvm_report* report) {
  return report ? report->report.output.size() : 0;
}

BVM_API const char* bvm_report_output(const bvm_report* report, size_t i,
                                      size_t* length) {
  if (!report || i >= report->report.output.size()) return nullptr;
  const std::string& line = report->report.output[i];
  if (length) *length = line.size();
  return line.c_str();
}

BVM_API bvm_status bvm_report_stats(const bvm_report* report,
                                    uint64_t* instructions, uint64_t* slices,
                                    uint64_t* handles) {
  return guard([&] {
    if (!report) return badArgument("report is NULL");
    if (instructions) *instructions = report->report.instructions;
    if (slices) *slices = report->report.slices;
    if (handles) *handles = report->report.handles;
    return BVM_OK;
  });
}

BVM_API bvm_status bvm_report_json(const bvm_report* report, int pretty,
                                   char** json, size_t* length) {
  return guard([&] {
    if (!report) return badArgument("report is NULL");
    std::string text;
    brainvm::cli::writeReportJson(report->report,
                                  report->core->wrapper->rt->program(),
                                  pretty != 0, text);
    return giveBuffer(text, json, length);
  });
}

}  // extern "C"

// Runners through the C API: the run loop, the per-tick callback, the
// structured report, and the JSON report byte for byte against
// `brainvm run` for every sample and golden program.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "capi_test_util.h"

using namespace capi_test;

namespace {

const char* kBrain = R"(
.var position 0
.var food 4

.rule think
.func think()
  when_start
  load_var position
  load_var food
  host_call_args lt 2
  when_end done
  do_start
  load_var position
  push_const 1
  host_call_args add 2
  store_var position
  do_end
done:
  push_const nil
  ret
.end

.spawn scout
.func scout()
  push_const "north"
  host_call_args_async look 1
  await
  ret
.end

.func main()
  push_const "hello"
  host_call_args print 1
  pop
  push_const 42
  ret
.end
)";

struct Game {
  std::vector<uint32_t> pending;
  std::vector<uint64_t> ticks;
  uint64_t stopAt = 0;
};

void look(bvm_call*, uint32_t handle, void* user) {
  static_cast<Game*>(user)->pending.push_back(handle);
}

// Answers the scout two ticks after it asked.
int onTick(bvm_runtime* rt, uint64_t tick, void* user) {
  auto* game = static_cast<Game*>(user);
  game->ticks.push_back(tick);
  if (tick == 3)
    for (uint32_t h : game->pending) {
      bvm_value v = BVM_NIL;
      if (bvm_value_new_string(rt, "food", 4, &v) ||
          bvm_runtime_resolve(rt, h, v))
        return 0;
    }
  return game->stopAt == 0 || tick < game->stopAt;
}

Runner runnerOf(const char* text, Game& game, bvm_run_options* options) {
  Program p = assemble(text, "brain.bvasm");
  bvm_hosts* h = nullptr;
  EXPECT_EQ(bvm_hosts_new(&h), BVM_OK);
  Hosts hosts(h);
  EXPECT_EQ(bvm_hosts_add_async(h, "look", look, &game), BVM_OK);
  options->on_tick = onTick;
  options->tick_user = &game;
  bvm_runner* r = nullptr;
  EXPECT_EQ(bvm_runner_create(p.get(), h, nullptr, options, &r), BVM_OK)
      << bvm_last_error_message();
  return Runner(r);
}

std::string reportJson(bvm_report* report, bool pretty) {
  char* json = nullptr;
  size_t length = 0;
  EXPECT_EQ(bvm_report_json(report, pretty ? 1 : 0, &json, &length), BVM_OK);
  std::string out(json ? json : "", length);
  bvm_free(json);
  return out;
}

}  // namespace

TEST(CapiRunner, RunsToCompletionWithARichReport) {
  Game game;
  bvm_run_options o;
  bvm_run_options_init(&o);
  EXPECT_EQ(o.max_ticks, 1000u);
  EXPECT_EQ(o.dt_ms, 16.0);
  o.max_ticks = 8;
  Runner runner = runnerOf(kBrain, game, &o);
  ASSERT_EQ(bvm_runner_run(runner.get()), BVM_OK) << bvm_last_error_message();
  EXPECT_TRUE(bvm_runner_finished(runner.get()));
  EXPECT_EQ(bvm_runner_ticks(runner.get()), 8u);
  EXPECT_EQ(game.ticks, (std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7, 8}));

  bvm_report* r = nullptr;
  ASSERT_EQ(bvm_runner_report(runner.get(), &r), BVM_OK);
  Report report(r);
  bvm_runtime* rt = bvm_report_runtime(r);
  EXPECT_EQ(bvm_report_status(r), BVM_RUN_TICKS);  // the rule never ends
  EXPECT_STREQ(bvm_run_status_name(bvm_report_status(r)), "ticks");
  EXPECT_EQ(bvm_report_ticks(r), 8u);
  EXPECT_FALSE(bvm_report_faulted(r));
  bvm_value result = BVM_NIL;
  ASSERT_TRUE(bvm_report_result(r, &result));
  EXPECT_EQ(numberOf(rt, result), 42);
  ASSERT_EQ(bvm_report_fiber_count(r), 2u);
  const bvm_fiber_info* scout = bvm_report_fiber(r, 1);
  EXPECT_EQ(scout->id, 2u);
  EXPECT_STREQ(scout->function, "scout");
  EXPECT_EQ(scout->state, BVM_FIBER_DONE);
  EXPECT_EQ(stringOf(rt, scout->result), "food");
  EXPECT_EQ(bvm_report_fiber(r, 2), nullptr);
  ASSERT_EQ(bvm_report_rule_count(r), 1u);
  const bvm_rule_info* rule = bvm_report_rule(r, 0);
  EXPECT_STREQ(rule->function, "think");
  EXPECT_EQ(rule->runs, 8u);
  EXPECT_EQ(rule->fired, 4u);
  EXPECT_EQ(rule->faults, 0u);
  ASSERT_EQ(bvm_report_var_count(r), 2u);
  bvm_value v = BVM_NIL;
  EXPECT_STREQ(bvm_report_var(r, 1, &v), "position");
  EXPECT_EQ(numberOf(rt, v), 4);
  ASSERT_EQ(bvm_report_output_count(r), 1u);
  EXPECT_STREQ(bvm_report_output(r, 0, nullptr), "hello");
  uint64_t instructions = 0, slices = 0, handles = 0;
  ASSERT_EQ(bvm_report_stats(r, &instructions, &slices, &handles), BVM_OK);
  EXPECT_GT(instructions, 0u);
  EXPECT_EQ(handles, 1u);
  const std::string json = reportJson(r, false);
  EXPECT_EQ(json.rfind(R"({"brainvm":"run/1","status":"ticks","ticks":8,"result":42,)", 0),
            0u)
      << json;
  EXPECT_EQ(json.back(), '\n');

  // The report outlives its runner.
  runner.reset();
  EXPECT_EQ(numberOf(rt, v), 4);
  EXPECT_EQ(reportJson(r, false), json);
}

TEST(CapiRunner, StepsAndStopsFromTheTickCallback) {
  Game game;
  game.stopAt = 3;
  bvm_run_options o;
  bvm_run_options_init(&o);
  Runner runner = runnerOf(kBrain, game, &o);
  bvm_runtime* rt = bvm_runner_runtime(runner.get());
  ASSERT_EQ(bvm_runtime_set_var(rt, "food", number(rt, 2)), BVM_OK);
  int more = 1, steps = 0;
  while (more) {
    ASSERT_EQ(bvm_runner_step(runner.get(), &more), BVM_OK);
    ++steps;
  }
  EXPECT_EQ(steps, 3);
  EXPECT_EQ(bvm_runner_ticks(runner.get()), 2u);
  bvm_runtime_free(rt);  // the runner's: ignored
  bvm_value pos = BVM_NIL;
  ASSERT_EQ(bvm_runtime_get_var(rt, "position", &pos, nullptr), BVM_OK);
  EXPECT_EQ(numberOf(rt, pos), 2);
  EXPECT_EQ(bvm_runner_run(runner.get()), BVM_OK);  // finished: nothing to do
}

TEST(CapiRunner, InstructionCapAndEntryAndErrors) {
  bvm_runtime_config c;
  bvm_runtime_config_init(&c);
  c.max_instructions = 50;
  Program p = assemble(".func main()\nloop:\n  yield\n  jmp loop\n.end\n"
                       ".func other()\n  push_const 5\n  ret\n.end\n");
  bvm_runner* r = nullptr;
  ASSERT_EQ(bvm_runner_create(p.get(), nullptr, &c, nullptr, &r), BVM_OK);
  Runner capped(r);
  ASSERT_EQ(bvm_runner_run(capped.get()), BVM_OK);
  bvm_report* rep = nullptr;
  ASSERT_EQ(bvm_runner_report(capped.get(), &rep), BVM_OK);
  Report report(rep);
  EXPECT_EQ(bvm_report_status(rep), BVM_RUN_LIMIT);
  EXPECT_TRUE(bvm_report_faulted(rep));
  EXPECT_EQ(bvm_report_fiber(rep, 0)->state, BVM_FIBER_FAULT);

  bvm_run_options o;
  bvm_run_options_init(&o);
  o.entry = "other";
  ASSERT_EQ(bvm_runner_create(p.get(), nullptr, nullptr, &o, &r), BVM_OK);
  Runner entry(r);
  ASSERT_EQ(bvm_runner_run(entry.get()), BVM_OK);
  ASSERT_EQ(bvm_runner_report(entry.get(), &rep), BVM_OK);
  Report entryReport(rep);
  bvm_value result = BVM_NIL;
  ASSERT_TRUE(bvm_report_result(rep, &result));
  EXPECT_EQ(numberOf(bvm_report_runtime(rep), result), 5);
  EXPECT_EQ(bvm_report_status(rep), BVM_RUN_DONE);

  o.entry = "nosuch";
  EXPECT_EQ(bvm_runner_create(p.get(), nullptr, nullptr, &o, &r),
            BVM_ERR_INVALID_ARGUMENT);
  Program nothing = assemble(".func helper()\n  push_const 1\n  ret\n.end\n");
  EXPECT_EQ(bvm_runner_create(nothing.get(), nullptr, nullptr, nullptr, &r),
            BVM_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(bvm_last_error_message(), "nothing to run"), nullptr);
  EXPECT_EQ(bvm_runner_step(nullptr, nullptr), BVM_ERR_INVALID_ARGUMENT);
}

#ifdef BRAINVM_CLI

namespace {

// `brainvm run FILE ARGS...`'s standard output, or nullopt when it printed
// no report (the program does not assemble or verify).
std::optional<std::string> cliReport(const std::string& file,
                                     const std::string& args) {
  const std::string command = std::string(BRAINVM_CLI) + " run '" + file +
                              "' " + args + " 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return std::nullopt;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  const int rc = pclose(pipe);
  if (out.empty()) return std::nullopt;
  (void)rc;  // 0 or 70: a report either way
  return out;
}

struct Case {
  std::string args;
  bvm_runtime_config config;
  bvm_run_options options;
  bool pretty = false;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  Case plain;
  bvm_runtime_config_init(&plain.config);
  bvm_run_options_init(&plain.options);
  out.push_back(plain);
  Case pretty = plain;
  pretty.args = "--pretty";
  pretty.pretty = true;
  out.push_back(pretty);
  Case tuned = plain;
  tuned.args =
      "--ticks 5 --budget 7 --max-fibers-per-tick 3 --dt 10 --seed 9 "
      "--max-instructions 400 --max-memory 1000000";
  tuned.options.max_ticks = 5;
  tuned.options.dt_ms = 10;
  tuned.config.budget = 7;
  tuned.config.max_fibers_per_tick = 3;
  tuned.config.seed = 9;
  tuned.config.max_instructions = 400;
  tuned.config.max_heap_bytes = 1000000;
  out.push_back(tuned);
  return out;
}

}  // namespace

TEST(CapiRunner, ReportJsonIsByteIdenticalToBrainvmRun) {
  std::vector<std::string> files;
  for (const char* dir : {"samples", "tests/golden", "bench"})
    for (const auto& e : std::filesystem::recursive_directory_iterator(
             std::filesystem::path(BRAINVM_SOURCE_DIR) / dir))
      if (e.path().extension() == ".bvasm") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  ASSERT_GT(files.size(), 20u);
  size_t compared = 0;
  for (const std::string& file : files) {
    for (Case& c : cases()) {
      // Long benchmarks only with the capped case.
      if (file.find("/bench/") != std::string::npos &&
          c.config.max_instructions == 0)
        continue;
      std::optional<std::string> expected = cliReport(file, c.args);
      bvm_program* p = nullptr;
      if (bvm_program_load_file(file.c_str(), &p) != BVM_OK) {
        EXPECT_FALSE(expected) << file;
        continue;
      }
      Program program(p);
      bvm_runner* r = nullptr;
      if (bvm_runner_create(p, nullptr, &c.config, &c.options, &r) != BVM_OK) {
        EXPECT_FALSE(expected) << file << ": " << bvm_last_error_message();
        continue;
      }
      Runner runner(r);
      ASSERT_EQ(bvm_runner_run(r), BVM_OK) << file;
      bvm_report* rep = nullptr;
      ASSERT_EQ(bvm_runner_report(r, &rep), BVM_OK);
      Report report(rep);
      ASSERT_TRUE(expected) << file << " " << c.args;
      EXPECT_EQ(reportJson(rep, c.pretty), *expected) << file << " " << c.args;
      ++compared;
    }
  }
  EXPECT_GT(compared, 40u);
}

#endif

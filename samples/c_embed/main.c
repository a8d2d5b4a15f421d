/* A tiny "game" in C driven by a brainvm brain, through the C API
 * (brainvm.h, docs/c-api.md): a bot walks towards food while a scout asks
 * the game, asynchronously, what lies ahead. It shows assembling a program
 * with diagnostics, host functions (sync and async) with a user pointer,
 * settling handles from the per-tick callback, reading variables, values
 * and the report, a runtime driven by hand, and a game saved mid-run and
 * loaded again (with the host's own part). Exits 0 when everything went as
 * expected. */
#include <brainvm.h>
#include <stdio.h>
#include <string.h>

static const char* kBrain =
    ".var position 0\n"
    ".var food 4\n"
    "\n"
    ".rule think\n"
    ".func think()\n"
    "  when_start\n"
    "  load_var position\n"
    "  load_var food\n"
    "  host_call_args lt 2          ; built-in: position < food\n"
    "  when_end done\n"
    "  do_start\n"
    "  push_const 1\n"
    "  host_call_args step 1        ; ours (sync): move, returns the position\n"
    "  store_var position\n"
    "  do_end\n"
    "done:\n"
    "  push_const nil\n"
    "  ret\n"
    ".end\n"
    "\n"
    ".spawn scout\n"
    ".func scout()\n"
    "  push_const \"north\"\n"
    "  host_call_args_async look 1  ; ours (async): the game answers later\n"
    "  await\n"
    "  host_call_args print 1\n"
    "  ret\n"
    ".end\n"
    "\n"
    ".func distance(a, b)\n"
    "  load_local b\n"
    "  load_local a\n"
    "  host_call_args sub 2\n"
    "  ret\n"
    ".end\n";

/* The game state the host functions touch (their user pointer). */
typedef struct Bot {
  int position;
  uint32_t pending[8]; /* async requests waiting for an answer */
  int pending_count;
  int steps;
} Bot;

#define CHECK(call)                                                   \
  do {                                                                \
    bvm_status check_status_ = (call);                                \
    if (check_status_ != BVM_OK) {                                    \
      fprintf(stderr, "%s failed: %s\n%s\n", #call,                   \
              bvm_status_name(check_status_), bvm_last_error_message()); \
      return 1;                                                       \
    }                                                                 \
  } while (0)

/* step(n): moves the bot n cells and returns its new position. */
static bvm_status step(bvm_call* call, void* user) {
  Bot* bot = user;
  bvm_runtime* rt = bvm_call_runtime(call);
  bvm_value arg, result;
  double n;
  if (bvm_call_argc(call) != 1)
    return bvm_call_fail(call, "step: expected 1 argument");
  if (bvm_call_arg(call, 0, &arg) != BVM_OK ||
      bvm_value_get_number(rt, arg, &n) != BVM_OK)
    return bvm_call_fail(call, "step: the argument must be a number");
  bot->position += (int)n;
  bot->steps++;
  if (bvm_value_new_number(rt, bot->position, &result) != BVM_OK)
    return BVM_ERR_LIMIT; /* the error names the memory cap */
  return bvm_call_return(call, result);
}

/* look(direction): remembers the handle; the tick callback answers. */
static void look(bvm_call* call, uint32_t handle, void* user) {
  Bot* bot = user;
  if (bot->pending_count == 8) {
    bvm_call_fail(call, "look: too many questions");
    return;
  }
  bot->pending[bot->pending_count++] = handle;
}

/* Every tick: the game answers the scout's questions at tick 3. */
static int on_tick(bvm_runtime* rt, uint64_t tick, void* user) {
  Bot* bot = user;
  int i;
  if (tick != 3) return 1;
  for (i = 0; i < bot->pending_count; ++i) {
    bvm_value answer; /* released when the callback returns */
    const char* text = "food to the north";
    if (bvm_value_new_string(rt, text, strlen(text), &answer) != BVM_OK ||
        bvm_runtime_resolve(rt, bot->pending[i], answer) != BVM_OK)
      return 0; /* stops the run */
  }
  bot->pending_count = 0;
  return 1;
}

/* The host's part of a saved game: the scout's questions in flight (claimed,
 * so that the state may hold them) and the bot itself. */
static bvm_status save_bot(bvm_runtime* rt, bvm_state_out* out, void* user) {
  Bot* bot = user;
  int i;
  (void)rt;
  for (i = 0; i < bot->pending_count; ++i) {
    bvm_status s = bvm_state_claim(out, bot->pending[i]);
    if (s != BVM_OK) return s;
  }
  return bvm_state_write(out, bot, sizeof *bot);
}

static bvm_status load_bot(bvm_runtime* rt, const uint8_t* bytes,
                           size_t length, void* user) {
  (void)rt;
  if (length != sizeof(Bot)) return BVM_ERR_INVALID_STATE;
  memcpy(user, bytes, length);
  return BVM_OK;
}

static bvm_status make_hosts(Bot* bot, bvm_hosts** hosts) {
  bvm_status s = bvm_hosts_new(hosts);
  if (s == BVM_OK) s = bvm_hosts_add_sync(*hosts, "step", step, bot);
  if (s == BVM_OK) s = bvm_hosts_add_async(*hosts, "look", look, bot);
  return s;
}

/* 6. The game saved at tick 2, while the scout's question is in flight, and
 * loaded into a new runner with a new bot (as after a restart): the rest of
 * the run goes as it would have, to the same report. Returns 0 if so. */
static int save_and_load(bvm_program* program, const char* expected) {
  Bot before = {0, {0}, 0, 0}, after = {0, {0}, 0, 0};
  bvm_state_hook hook = {sizeof(bvm_state_hook), save_bot, load_bot, NULL};
  bvm_runtime_config config;
  bvm_run_options options;
  bvm_hosts* hosts = NULL;
  bvm_runner* runner = NULL;
  bvm_report* report = NULL;
  uint8_t* state = NULL;
  size_t length = 0;
  char* json = NULL;
  int same;

  bvm_runtime_config_init(&config);
  config.budget = 500;
  config.max_heap_bytes = 8u << 20;
  config.state_hook = &hook;
  bvm_run_options_init(&options);
  options.on_tick = on_tick;

  hook.user = options.tick_user = &before;
  options.max_ticks = 2;
  CHECK(make_hosts(&before, &hosts));
  CHECK(bvm_runner_create(program, hosts, &config, &options, &runner));
  CHECK(bvm_runner_run(runner));
  CHECK(bvm_runner_save_state(runner, &state, &length));
  bvm_runner_free(runner);
  bvm_hosts_free(hosts);
  printf("saved %zu bytes after tick 2: bot at %d, %d question in flight\n",
         length, before.position, before.pending_count);

  hook.user = options.tick_user = &after;
  options.max_ticks = 8; /* counted from the run's first tick */
  CHECK(make_hosts(&after, &hosts));
  CHECK(bvm_runner_restore_state(program, hosts, &config, &options, state,
                                 length, &runner));
  bvm_free(state);
  CHECK(bvm_runner_run(runner));
  CHECK(bvm_runner_report(runner, &report));
  CHECK(bvm_report_json(report, 0, &json, NULL));
  same = strcmp(json, expected) == 0;
  printf("loaded and played on: bot at %d after tick %llu, %s report\n",
         after.position, (unsigned long long)bvm_runner_ticks(runner),
         same ? "the same" : "ANOTHER");
  bvm_free(json);
  bvm_report_free(report);
  bvm_runner_free(runner);
  bvm_hosts_free(hosts);
  return same && after.position == 4 ? 0 : 1;
}

static int show_diagnostics(void) {
  size_t i;
  for (i = 0; i < bvm_last_error_diagnostic_count(); ++i) {
    const bvm_diagnostic* d = bvm_last_error_diagnostic(i);
    printf("  %s:%u:%u: %s\n", d->file, (unsigned)d->line, (unsigned)d->column,
           d->message);
  }
  return (int)i;
}

int main(void) {
  bvm_program* program = NULL;
  bvm_hosts* hosts = NULL;
  bvm_runner* runner = NULL;
  bvm_report* report = NULL;
  bvm_runtime_config config;
  bvm_run_options options;
  Bot bot = {0, {0}, 0, 0};
  const char* broken = ".func main()\n  push_cnst 1\n  ret\n.end\n";
  char* json = NULL;
  size_t i;
  int ok = 1;

  printf("brainvm %s\n", bvm_version());

  /* 1. Diagnostics: file, line, column and message of every error. */
  if (bvm_program_assemble(broken, strlen(broken), "broken.bvasm", &program) !=
      BVM_ERR_ASSEMBLY)
    return 1;
  printf("assembling broken.bvasm failed as it should:\n");
  ok = ok && show_diagnostics() == 1;

  /* 2. The brain, host functions and a runner with limits. */
  CHECK(bvm_program_assemble(kBrain, strlen(kBrain), "brain.bvasm", &program));
  CHECK(bvm_hosts_new(&hosts));
  CHECK(bvm_hosts_add_sync(hosts, "step", step, &bot));
  CHECK(bvm_hosts_add_async(hosts, "look", look, &bot));
  bvm_runtime_config_init(&config);
  config.budget = 500;
  config.max_heap_bytes = 8u << 20;
  bvm_run_options_init(&options);
  options.max_ticks = 8;
  options.on_tick = on_tick;
  options.tick_user = &bot;
  CHECK(bvm_runner_create(program, hosts, &config, &options, &runner));

  /* 3. One tick per game frame. */
  for (;;) {
    int more = 0;
    CHECK(bvm_runner_step(runner, &more));
    printf("frame %llu: bot at %d\n",
           (unsigned long long)bvm_runner_ticks(runner), bot.position);
    if (!more) break;
  }

  /* 4. The report: rules, fibers, printed lines, variables, JSON. */
  CHECK(bvm_runner_report(runner, &report));
  {
    bvm_runtime* rt = bvm_report_runtime(report);
    const bvm_rule_info* rule = bvm_report_rule(report, 0);
    printf("status %s after %llu ticks\n",
           bvm_run_status_name(bvm_report_status(report)),
           (unsigned long long)bvm_report_ticks(report));
    printf("rule %s ran %llu times and fired %llu\n", rule->function,
           (unsigned long long)rule->runs, (unsigned long long)rule->fired);
    for (i = 0; i < bvm_report_fiber_count(report); ++i) {
      const bvm_fiber_info* f = bvm_report_fiber(report, i);
      printf("fiber %u (%s): %s\n", (unsigned)f->id, f->function,
             bvm_fiber_state_name(f->state));
      ok = ok && f->state == BVM_FIBER_DONE;
    }
    for (i = 0; i < bvm_report_output_count(report); ++i)
      printf("printed: %s\n", bvm_report_output(report, i, NULL));
    for (i = 0; i < bvm_report_var_count(report); ++i) {
      bvm_value value;
      char* text = NULL;
      const char* name = bvm_report_var(report, i, &value);
      CHECK(bvm_value_to_json(rt, value, &text, NULL));
      printf("variable %s = %s\n", name, text);
      bvm_free(text);
    }
    ok = ok && rule->fired == 4 && bvm_report_output_count(report) == 1;
  }
  CHECK(bvm_report_json(report, 0, &json, NULL));
  printf("report: %s", json);
  bvm_report_free(report);
  bvm_runner_free(runner);

  /* 5. A runtime driven by hand: spawn a function with arguments. */
  {
    bvm_runtime* rt = NULL;
    bvm_value args[2], result;
    uint32_t fiber;
    double d = 0;
    CHECK(bvm_runtime_create(program, hosts, NULL, &rt));
    CHECK(bvm_value_new_number(rt, 3, &args[0]));
    CHECK(bvm_value_new_number(rt, 10, &args[1]));
    CHECK(bvm_runtime_spawn(rt, "distance", args, 2, &fiber));
    CHECK(bvm_runtime_tick(rt, NULL));
    CHECK(bvm_runtime_fiber_result(rt, fiber, &result));
    CHECK(bvm_value_get_number(rt, result, &d));
    printf("distance(3, 10) = %g\n", d);
    ok = ok && d == 7;
    bvm_value_release(rt, result);
    bvm_value_release(rt, args[0]);
    bvm_value_release(rt, args[1]);
    ok = ok && bvm_runtime_value_count(rt) == 0;
    bvm_runtime_free(rt);
  }

  ok = ok && save_and_load(program, json) == 0;
  bvm_free(json);
  bvm_hosts_free(hosts);
  bvm_program_free(program);
  ok = ok && bot.position == 4 && bot.steps == 4 &&
       bvm_debug_live_objects() == 0;
  printf("%s\n", ok ? "c_embed: ok" : "c_embed: FAILED");
  return ok ? 0 : 1;
}

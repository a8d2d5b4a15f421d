// Runtimes through the C API: spawning with arguments, ticks, ended
// fibers, shared variables, the clock and built-in timers, limits.
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "capi_test_util.h"

using namespace capi_test;

namespace {

const char* kProgram = R"(
.var counter 1
.var label "start"

.func add3(a, b, c)
  load_local a
  load_local b
  host_call_args add 2
  load_local c
  host_call_args add 2
  ret
.end

.func bump()
  load_var counter
  push_const 1
  host_call_args add 2
  store_var counter
  push_const "bumped"
  host_call_args print 1
  ret
.end

.func divide()
  push_const 1
  push_const 0
  host_call_args div 2
  ret
.end

.func forever()
loop:
  yield
  jmp loop
.end

.func deep(n)
  load_local n
  push_const 1
  host_call_args add 2
  call deep
  ret
.end

.func nap()
  push_const 2
  host_call_args_async sleep 1
  await
  host_call_args tick 0
  ret
.end
)";

struct Ended {
  std::vector<uint32_t> ids;
  std::vector<bvm_fiber_state> states;
  std::vector<std::string> functions;
  std::vector<std::string> json;
};

void onEnded(bvm_runtime* rt, const bvm_fiber_info* f, void* user) {
  auto* e = static_cast<Ended*>(user);
  e->ids.push_back(f->id);
  e->states.push_back(f->state);
  e->functions.push_back(f->function);
  e->json.push_back(jsonOf(rt, f->state == BVM_FIBER_DONE ? f->result : f->error));
}

}  // namespace

TEST(CapiRuntime, SpawnTickAndCollectEndedFibers) {
  Runtime rt = runtimeOf(kProgram);
  bvm_value args[3] = {number(rt.get(), 1), number(rt.get(), 2),
                       number(rt.get(), 39)};
  uint32_t a = 0, b = 0, c = 0;
  ASSERT_EQ(bvm_runtime_spawn(rt.get(), "add3", args, 3, &a), BVM_OK);
  ASSERT_EQ(bvm_runtime_spawn(rt.get(), "divide", nullptr, 0, &b), BVM_OK);
  ASSERT_EQ(bvm_runtime_spawn(rt.get(), "forever", nullptr, 0, &c), BVM_OK);
  EXPECT_EQ(bvm_runtime_spawn(rt.get(), "add3", args, 2, nullptr),
            BVM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bvm_runtime_spawn(rt.get(), "nosuch", nullptr, 0, nullptr),
            BVM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bvm_runtime_live_fibers(rt.get()), 3u);
  uint32_t slices = 0;
  ASSERT_EQ(bvm_runtime_tick(rt.get(), &slices), BVM_OK);
  EXPECT_GE(slices, 3u);
  const char* fn = nullptr;
  ASSERT_EQ(bvm_runtime_fiber_function(rt.get(), c, &fn), BVM_OK);
  EXPECT_STREQ(fn, "forever");
  int cancelled = 0;
  ASSERT_EQ(bvm_runtime_cancel_fiber(rt.get(), c, &cancelled), BVM_OK);
  EXPECT_EQ(cancelled, 1);

  Ended ended;
  size_t count = 0;
  ASSERT_EQ(bvm_runtime_collect_ended_fibers(rt.get(), onEnded, &ended, &count),
            BVM_OK);
  EXPECT_EQ(count, 3u);
  EXPECT_EQ(ended.ids, (std::vector<uint32_t>{a, b, c}));
  EXPECT_EQ(ended.states, (std::vector<bvm_fiber_state>{
                              BVM_FIBER_DONE, BVM_FIBER_FAULT,
                              BVM_FIBER_CANCELLED}));
  EXPECT_EQ(ended.functions,
            (std::vector<std::string>{"add3", "divide", "forever"}));
  EXPECT_EQ(ended.json[0], "42");
  EXPECT_NE(ended.json[1].find(R"("tag":"HostError","message":"division by zero")"),
            std::string::npos)
      << ended.json[1];
  EXPECT_NE(ended.json[1].find(R"("trace":[{"function":"divide","pc":2)"),
            std::string::npos)
      << ended.json[1];
  EXPECT_NE(ended.json[2].find("Cancelled"), std::string::npos);
  bvm_fiber_state state;
  EXPECT_EQ(bvm_runtime_fiber_state(rt.get(), a, &state),
            BVM_ERR_INVALID_ARGUMENT);  // forgotten
  EXPECT_EQ(bvm_runtime_live_fibers(rt.get()), 0u);
  EXPECT_STREQ(bvm_fiber_state_name(BVM_FIBER_WAITING), "WAITING");
}

namespace {

int collectVar(bvm_runtime* rt, const char* name, size_t length,
               bvm_value value, void* user) {
  auto* vars = static_cast<std::map<std::string, std::string>*>(user);
  (*vars)[std::string(name, length)] = jsonOf(rt, value);
  return 1;
}

struct Lines {
  std::vector<std::string> lines;
};

void onPrint(const char* line, size_t length, void* user) {
  static_cast<Lines*>(user)->lines.emplace_back(line, length);
}

}  // namespace

TEST(CapiRuntime, SharedVariablesAndPrintedLines) {
  Lines printed;
  bvm_runtime_config c;
  bvm_runtime_config_init(&c);
  c.on_print = onPrint;
  c.print_user = &printed;
  Runtime rt = runtimeOf(kProgram, nullptr, &c);
  bvm_value v = BVM_NIL;
  int found = 0;
  ASSERT_EQ(bvm_runtime_get_var(rt.get(), "counter", &v, &found), BVM_OK);
  EXPECT_TRUE(found);
  EXPECT_EQ(numberOf(rt.get(), v), 1);
  ASSERT_EQ(bvm_runtime_set_var(rt.get(), "counter", number(rt.get(), 41)),
            BVM_OK);
  ASSERT_EQ(bvm_runtime_set_var(rt.get(), "extra", string(rt.get(), "x")),
            BVM_OK);
  spawnAndRun(rt.get(), "bump");
  ASSERT_EQ(bvm_runtime_get_var(rt.get(), "counter", &v, &found), BVM_OK);
  EXPECT_EQ(numberOf(rt.get(), v), 42);
  ASSERT_EQ(bvm_runtime_get_var(rt.get(), "nosuch", &v, &found), BVM_OK);
  EXPECT_FALSE(found);
  EXPECT_EQ(v, BVM_NIL);

  const size_t handles = bvm_runtime_value_count(rt.get());
  std::map<std::string, std::string> vars;
  ASSERT_EQ(bvm_runtime_each_var(rt.get(), collectVar, &vars), BVM_OK);
  EXPECT_EQ(vars, (std::map<std::string, std::string>{
                      {"counter", "42"}, {"extra", "\"x\""}, {"label", "\"start\""}}));
  EXPECT_EQ(bvm_runtime_value_count(rt.get()), handles);

  EXPECT_EQ(printed.lines, std::vector<std::string>{"bumped"});
  ASSERT_EQ(bvm_runtime_output_count(rt.get()), 1u);
  size_t length = 0;
  EXPECT_STREQ(bvm_runtime_output_line(rt.get(), 0, &length), "bumped");
  EXPECT_EQ(length, 6u);
  EXPECT_EQ(bvm_runtime_output_line(rt.get(), 1, &length), nullptr);
}

TEST(CapiRuntime, ClockAndBuiltinTimers) {
  Runtime rt = runtimeOf(kProgram);
  uint32_t fiber = 0;
  ASSERT_EQ(bvm_runtime_spawn(rt.get(), "nap", nullptr, 0, &fiber), BVM_OK);
  uint64_t tick = 0;
  for (tick = 1; tick <= 10 && bvm_runtime_live_fibers(rt.get()) > 0; ++tick) {
    ASSERT_EQ(bvm_runtime_set_clock(rt.get(), (tick - 1) * 16.0, 16, tick),
              BVM_OK);
    ASSERT_EQ(bvm_runtime_complete_timers(rt.get(), tick), BVM_OK);
    if (tick == 1) {
      EXPECT_FALSE(bvm_runtime_has_pending_timers(rt.get()));
    }
    ASSERT_EQ(bvm_runtime_tick(rt.get(), nullptr), BVM_OK);
    if (tick == 1) {
      EXPECT_TRUE(bvm_runtime_has_pending_timers(rt.get()));
    }
  }
  bvm_value r = BVM_NIL;
  ASSERT_EQ(bvm_runtime_fiber_result(rt.get(), fiber, &r), BVM_OK);
  EXPECT_EQ(numberOf(rt.get(), r), 3);  // sleep 2 at tick 1 wakes at tick 3
  bvm_stats stats;
  stats.struct_size = sizeof stats;
  ASSERT_EQ(bvm_runtime_stats(rt.get(), &stats), BVM_OK);
  EXPECT_GT(stats.instructions, 0u);
  EXPECT_EQ(stats.handles_created, 1u);
  EXPECT_EQ(stats.live_fibers, 0u);
  stats.struct_size = 1;
  EXPECT_EQ(bvm_runtime_stats(rt.get(), &stats), BVM_ERR_INVALID_ARGUMENT);
}

TEST(CapiRuntime, LimitsAreErrorsInsideTheProgram) {
  bvm_runtime_config c;
  bvm_runtime_config_init(&c);
  EXPECT_EQ(c.budget, 1000u);
  EXPECT_EQ(c.max_frame_depth, 256u);
  c.max_frame_depth = 10;
  c.max_fibers = 2;
  Runtime rt = runtimeOf(kProgram, nullptr, &c);
  bvm_value zero = number(rt.get(), 0);
  uint32_t fiber = 0;
  ASSERT_EQ(bvm_runtime_spawn(rt.get(), "deep", &zero, 1, &fiber), BVM_OK);
  ASSERT_EQ(bvm_runtime_spawn(rt.get(), "forever", nullptr, 0, nullptr),
            BVM_OK);
  EXPECT_EQ(bvm_runtime_spawn(rt.get(), "forever", nullptr, 0, nullptr),
            BVM_ERR_LIMIT);
  ASSERT_EQ(bvm_runtime_tick(rt.get(), nullptr), BVM_OK);
  bvm_value e = BVM_NIL;
  ASSERT_EQ(bvm_runtime_fiber_error(rt.get(), fiber, &e), BVM_OK);
  bvm_error_tag tag;
  ASSERT_EQ(bvm_value_error_tag(rt.get(), e, &tag), BVM_OK);
  EXPECT_EQ(tag, BVM_TAG_STACK_OVERFLOW);
  ASSERT_EQ(bvm_runtime_fault_all(rt.get(), BVM_TAG_TIMEOUT, "enough"), BVM_OK);
  EXPECT_EQ(bvm_runtime_live_fibers(rt.get()), 0u);

  c.budget = 0;
  Program p = assemble(kProgram);
  bvm_runtime* none = nullptr;
  EXPECT_EQ(bvm_runtime_create(p.get(), nullptr, &c, &none),
            BVM_ERR_INVALID_ARGUMENT);
  c.budget = 10;
  c.struct_size = 8;
  EXPECT_EQ(bvm_runtime_create(p.get(), nullptr, &c, &none),
            BVM_ERR_INVALID_ARGUMENT);
}

TEST(CapiRuntime, GarbageCollectionKeepsHandledValues) {
  Runtime rt = runtimeOf(kProgram);
  bvm_value list = BVM_NIL;
  ASSERT_EQ(bvm_value_from_json(rt.get(), "[\"kept\", [1, 2]]", 16, &list),
            BVM_OK);
  for (int i = 0; i < 1000; ++i) {
    bvm_value garbage = string(rt.get(), std::string(100, 'g'));
    bvm_value_release(rt.get(), garbage);
  }
  bvm_stats before;
  before.struct_size = sizeof before;
  ASSERT_EQ(bvm_runtime_stats(rt.get(), &before), BVM_OK);
  ASSERT_EQ(bvm_runtime_collect_garbage(rt.get()), BVM_OK);
  bvm_stats after;
  after.struct_size = sizeof after;
  ASSERT_EQ(bvm_runtime_stats(rt.get(), &after), BVM_OK);
  EXPECT_LT(after.heap_bytes, before.heap_bytes);
  EXPECT_EQ(jsonOf(rt.get(), list), R"(["kept",[1,2]])");
}

TEST(CapiRuntime, FreeingIsSafeWithHandlesLeft) {
  const uint64_t live = bvm_debug_live_objects();
  {
    Runtime rt = runtimeOf(kProgram);
    number(rt.get(), 1);
    string(rt.get(), "left behind");
    EXPECT_GE(bvm_debug_live_objects(), live + 3);
  }
  EXPECT_EQ(bvm_debug_live_objects(), live);
  bvm_runtime_free(nullptr);
}

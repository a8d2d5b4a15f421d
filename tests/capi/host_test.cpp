// Host functions written in C: sync results and failures, async handles
// settled later, call-scoped handles, link errors.
#include <cstring>
#include <string>
#include <vector>

#include "capi_test_util.h"

using namespace capi_test;

namespace {

// scale(x, k) = x * k, through a C host function.
bvm_status scale(bvm_call* call, void* user) {
  auto* calls = static_cast<int*>(user);
  ++*calls;
  bvm_runtime* rt = bvm_call_runtime(call);
  if (bvm_call_argc(call) != 2) return bvm_call_fail(call, "scale: 2 arguments");
  bvm_value a = BVM_NIL, b = BVM_NIL;
  double x = 0, k = 0;
  if (bvm_call_arg(call, 0, &a) || bvm_call_arg(call, 1, &b))
    return BVM_ERR_INVALID_ARGUMENT;
  // A failure of the API inside the callback names itself in the error.
  if (bvm_value_get_number(rt, a, &x)) return BVM_ERR_INVALID_ARGUMENT;
  if (bvm_value_get_number(rt, b, &k)) return BVM_ERR_INVALID_ARGUMENT;
  bvm_value r = BVM_NIL;
  if (bvm_value_new_number(rt, x * k, &r)) return BVM_ERR_LIMIT;
  return bvm_call_return(call, r);
}

bvm_status failing(bvm_call* call, void*) {
  return bvm_call_fail_tag(call, BVM_TAG_SCRIPT_ERROR, "no can do");
}

bvm_status silentFailure(bvm_call*, void*) { return BVM_ERR_LIMIT; }

// Builds ["name", argc, fiber id] with handles made inside the callback.
bvm_status describe(bvm_call* call, void* user) {
  auto* handlesSeen = static_cast<size_t*>(user);
  bvm_runtime* rt = bvm_call_runtime(call);
  bvm_value list = BVM_NIL, name = BVM_NIL, argc = BVM_NIL, fiber = BVM_NIL;
  const char* fn = bvm_call_function_name(call);
  if (bvm_value_new_list(rt, &list) ||
      bvm_value_new_string(rt, fn, std::strlen(fn), &name) ||
      bvm_value_new_number(rt, bvm_call_argc(call), &argc) ||
      bvm_value_new_number(rt, bvm_call_fiber(call), &fiber) ||
      bvm_value_list_push(rt, list, name) ||
      bvm_value_list_push(rt, list, argc) ||
      bvm_value_list_push(rt, list, fiber))
    return BVM_ERR_INTERNAL;
  *handlesSeen = bvm_runtime_value_count(rt);
  return bvm_call_return(call, list);
}

struct Pending {
  std::vector<uint32_t> handles;
  std::vector<std::string> args;
};

void lookAsync(bvm_call* call, uint32_t handle, void* user) {
  auto* p = static_cast<Pending*>(user);
  bvm_value a = BVM_NIL;
  const char* data = nullptr;
  size_t n = 0;
  if (bvm_call_arg(call, 0, &a) ||
      bvm_value_get_string(bvm_call_runtime(call), a, &data, &n)) {
    bvm_call_fail(call, "look: a direction");
    return;
  }
  p->args.emplace_back(data, n);
  p->handles.push_back(handle);
}

void nowAsync(bvm_call* call, uint32_t handle, void*) {
  bvm_runtime* rt = bvm_call_runtime(call);
  bvm_value v = BVM_NIL;
  if (bvm_value_new_number(rt, 7, &v) || bvm_runtime_resolve(rt, handle, v))
    bvm_call_fail(call, "could not resolve");
}

Hosts hostsWith(std::initializer_list<std::pair<const char*, bvm_sync_fn>> sync,
                std::initializer_list<std::pair<const char*, bvm_async_fn>> async,
                void* user) {
  bvm_hosts* h = nullptr;
  EXPECT_EQ(bvm_hosts_new(&h), BVM_OK);
  for (auto [name, fn] : sync)
    EXPECT_EQ(bvm_hosts_add_sync(h, name, fn, user), BVM_OK);
  for (auto [name, fn] : async)
    EXPECT_EQ(bvm_hosts_add_async(h, name, fn, user), BVM_OK);
  return Hosts(h);
}

}  // namespace

TEST(CapiHost, ASyncFunctionGetsArgumentsAndReturnsAValue) {
  int calls = 0;
  Hosts hosts = hostsWith({{"scale", scale}}, {}, &calls);
  Runtime rt = runtimeOf(R"(.func triple(x)
  load_local x
  push_const 3
  host_call_args scale 2
  ret
.end
)", hosts.get());
  bvm_value arg = number(rt.get(), 14);
  uint32_t fiber = 0;
  ASSERT_EQ(bvm_runtime_spawn(rt.get(), "triple", &arg, 1, &fiber), BVM_OK);
  ASSERT_EQ(bvm_runtime_tick(rt.get(), nullptr), BVM_OK);
  EXPECT_EQ(calls, 1);
  bvm_fiber_state state;
  ASSERT_EQ(bvm_runtime_fiber_state(rt.get(), fiber, &state), BVM_OK);
  EXPECT_EQ(state, BVM_FIBER_DONE);
  bvm_value result = BVM_NIL;
  ASSERT_EQ(bvm_runtime_fiber_result(rt.get(), fiber, &result), BVM_OK);
  EXPECT_EQ(numberOf(rt.get(), result), 42);
}

TEST(CapiHost, FailuresAreCatchableHostErrors) {
  int calls = 0;
  Hosts hosts = hostsWith(
      {{"scale", scale}, {"failing", failing}, {"silent", silentFailure}}, {},
      &calls);
  Runtime rt = runtimeOf(R"(
.func caught()
  try handler
  push_const "not a number"
  push_const 2
  host_call_args scale 2
  ret
handler:
  host_call_args error_message 1
  ret
.end
.func scripted()
  host_call_args failing 0
  ret
.end
.func silent()
  host_call_args silent 0
  ret
.end
)", hosts.get());
  uint32_t a = spawnAndRun(rt.get(), "caught");
  bvm_value r = BVM_NIL;
  ASSERT_EQ(bvm_runtime_fiber_result(rt.get(), a, &r), BVM_OK);
  // The API failure inside the callback became the message.
  EXPECT_EQ(stringOf(rt.get(), r), "scale: expected a number, got string");

  uint32_t b = spawnAndRun(rt.get(), "scripted");
  bvm_fiber_state state;
  ASSERT_EQ(bvm_runtime_fiber_state(rt.get(), b, &state), BVM_OK);
  EXPECT_EQ(state, BVM_FIBER_FAULT);
  bvm_value e = BVM_NIL;
  ASSERT_EQ(bvm_runtime_fiber_error(rt.get(), b, &e), BVM_OK);
  bvm_error_tag tag;
  ASSERT_EQ(bvm_value_error_tag(rt.get(), e, &tag), BVM_OK);
  EXPECT_EQ(tag, BVM_TAG_SCRIPT_ERROR);
  EXPECT_EQ(jsonOf(rt.get(), e).find(R"("message":"no can do")") !=
                std::string::npos,
            true)
      << jsonOf(rt.get(), e);
  size_t frames = 0;
  ASSERT_EQ(bvm_value_error_trace_length(rt.get(), e, &frames), BVM_OK);
  ASSERT_EQ(frames, 1u);
  const char* fn = nullptr;
  uint32_t pc = 9, line = 0;
  ASSERT_EQ(bvm_value_error_trace_frame(rt.get(), e, 0, &fn, &pc, &line),
            BVM_OK);
  EXPECT_STREQ(fn, "scripted");
  EXPECT_EQ(pc, 0u);
  EXPECT_EQ(line, 13u);

  uint32_t c = spawnAndRun(rt.get(), "silent");
  ASSERT_EQ(bvm_runtime_fiber_error(rt.get(), c, &e), BVM_OK);
  const char* msg = nullptr;
  size_t n = 0;
  ASSERT_EQ(bvm_value_error_message(rt.get(), e, &msg, &n), BVM_OK);
  EXPECT_EQ(std::string(msg, n), "silent: failed (BVM_ERR_LIMIT)");
}

TEST(CapiHost, HandlesMadeInACallbackAreReleasedWhenItReturns) {
  size_t seen = 0;
  Hosts hosts = hostsWith({{"describe", describe}}, {}, &seen);
  Runtime rt = runtimeOf(R"(.func main()
  push_const 1
  push_const 2
  host_call_args describe 2
  ret
.end
)", hosts.get());
  const size_t before = bvm_runtime_value_count(rt.get());
  uint32_t fiber = spawnAndRun(rt.get(), "main");
  EXPECT_EQ(seen, before + 4);
  EXPECT_EQ(bvm_runtime_value_count(rt.get()), before);
  bvm_value r = BVM_NIL;
  ASSERT_EQ(bvm_runtime_fiber_result(rt.get(), fiber, &r), BVM_OK);
  EXPECT_EQ(jsonOf(rt.get(), r), R"(["describe",2,1])");
  bvm_value_release(rt.get(), r);
  EXPECT_EQ(bvm_runtime_value_count(rt.get()), before);
}

TEST(CapiHost, AsyncHandlesAreSettledLater) {
  Pending pending;
  Hosts hosts = hostsWith({}, {{"look", lookAsync}, {"now", nowAsync}},
                          &pending);
  Runtime rt = runtimeOf(R"(
.func resolved()
  push_const "north"
  host_call_args_async look 1
  await
  ret
.end
.func rejected()
  try handler
  push_const "south"
  host_call_args_async look 1
  await
  ret
handler:
  host_call_args error_message 1
  ret
.end
.func cancelled()
  push_const "east"
  host_call_args_async look 1
  await
  ret
.end
.func immediate()
  host_call_args_async now 0
  await
  ret
.end
)", hosts.get());
  uint32_t a = 0, b = 0, c = 0, d = 0;
  ASSERT_EQ(bvm_runtime_spawn(rt.get(), "resolved", nullptr, 0, &a), BVM_OK);
  ASSERT_EQ(bvm_runtime_spawn(rt.get(), "rejected", nullptr, 0, &b), BVM_OK);
  ASSERT_EQ(bvm_runtime_spawn(rt.get(), "cancelled", nullptr, 0, &c), BVM_OK);
  ASSERT_EQ(bvm_runtime_spawn(rt.get(), "immediate", nullptr, 0, &d), BVM_OK);
  ASSERT_EQ(bvm_runtime_tick(rt.get(), nullptr), BVM_OK);
  ASSERT_EQ(pending.handles.size(), 3u);
  EXPECT_EQ(pending.args, (std::vector<std::string>{"north", "south", "east"}));
  bvm_fiber_state state;
  ASSERT_EQ(bvm_runtime_fiber_state(rt.get(), a, &state), BVM_OK);
  EXPECT_EQ(state, BVM_FIBER_WAITING);
  ASSERT_EQ(bvm_runtime_fiber_state(rt.get(), d, &state), BVM_OK);
  EXPECT_EQ(state, BVM_FIBER_DONE);  // settled inside its own call
  bvm_handle_state hs;
  ASSERT_EQ(bvm_runtime_handle_state(rt.get(), pending.handles[0], &hs),
            BVM_OK);
  EXPECT_EQ(hs, BVM_HANDLE_PENDING);

  // Some ticks later the host answers.
  for (int i = 0; i < 3; ++i) ASSERT_EQ(bvm_runtime_tick(rt.get(), nullptr), BVM_OK);
  ASSERT_EQ(bvm_runtime_resolve(rt.get(), pending.handles[0],
                                string(rt.get(), "food")),
            BVM_OK);
  ASSERT_EQ(bvm_runtime_reject(rt.get(), pending.handles[1], BVM_TAG_HOST_ERROR,
                               "blocked"),
            BVM_OK);
  ASSERT_EQ(bvm_runtime_cancel(rt.get(), pending.handles[2], nullptr), BVM_OK);
  EXPECT_EQ(bvm_runtime_resolve(rt.get(), pending.handles[0], BVM_NIL),
            BVM_ERR_INVALID_ARGUMENT);  // already settled
  ASSERT_EQ(bvm_runtime_tick(rt.get(), nullptr), BVM_OK);

  bvm_value r = BVM_NIL;
  ASSERT_EQ(bvm_runtime_fiber_result(rt.get(), a, &r), BVM_OK);
  EXPECT_EQ(stringOf(rt.get(), r), "food");
  ASSERT_EQ(bvm_runtime_fiber_result(rt.get(), b, &r), BVM_OK);
  EXPECT_EQ(stringOf(rt.get(), r), "blocked");
  ASSERT_EQ(bvm_runtime_fiber_state(rt.get(), c, &state), BVM_OK);
  EXPECT_EQ(state, BVM_FIBER_FAULT);
  ASSERT_EQ(bvm_runtime_fiber_error(rt.get(), c, &r), BVM_OK);
  bvm_error_tag tag;
  ASSERT_EQ(bvm_value_error_tag(rt.get(), r, &tag), BVM_OK);
  EXPECT_EQ(tag, BVM_TAG_CANCELLED);
  ASSERT_EQ(bvm_runtime_fiber_result(rt.get(), d, &r), BVM_OK);
  EXPECT_EQ(numberOf(rt.get(), r), 7);
}

TEST(CapiHost, AsyncFailureRaisesAtTheCall) {
  Pending pending;
  Hosts hosts = hostsWith({}, {{"look", lookAsync}}, &pending);
  Runtime rt = runtimeOf(R"(.func main()
  push_const 5
  host_call_args_async look 1
  await
  ret
.end
)", hosts.get());
  uint32_t fiber = spawnAndRun(rt.get(), "main");
  bvm_value e = BVM_NIL;
  ASSERT_EQ(bvm_runtime_fiber_error(rt.get(), fiber, &e), BVM_OK);
  EXPECT_NE(jsonOf(rt.get(), e).find("look: a direction"), std::string::npos);
  EXPECT_TRUE(pending.handles.empty());
}

TEST(CapiHost, HostsReplaceBuiltinsAndMissingOnesAreLinkErrors) {
  int calls = 0;
  Hosts hosts = hostsWith({{"add", scale}}, {}, &calls);  // add := multiply
  Runtime rt = runtimeOf(R"(.func main()
  push_const 6
  push_const 7
  host_call_args add 2
  ret
.end
)", hosts.get());
  uint32_t fiber = spawnAndRun(rt.get(), "main");
  bvm_value r = BVM_NIL;
  ASSERT_EQ(bvm_runtime_fiber_result(rt.get(), fiber, &r), BVM_OK);
  EXPECT_EQ(numberOf(rt.get(), r), 42);
  EXPECT_EQ(calls, 1);

  Program p = assemble(
      ".func main()\n  host_call_args missing 0\n  host_call_args_async add 0\n"
      "  ret\n.end\n",
      "link.bvasm");
  bvm_runtime* none = nullptr;
  EXPECT_EQ(bvm_runtime_create(p.get(), nullptr, nullptr, &none), BVM_ERR_LINK);
  ASSERT_EQ(bvm_last_error_diagnostic_count(), 2u) << bvm_last_error_message();
  EXPECT_NE(std::strstr(bvm_last_error_diagnostic(0)->message, "missing"),
            nullptr);
  EXPECT_EQ(bvm_last_error_diagnostic(0)->line, 2u);
  EXPECT_STREQ(bvm_last_error_diagnostic(0)->file, "link.bvasm");
  // Without the built-ins, `add` is missing too.
  bvm_runtime_config c;
  bvm_runtime_config_init(&c);
  c.builtins = 0;
  Program q = assemble(".func main()\n  host_call_args add 0\n  ret\n.end\n");
  EXPECT_EQ(bvm_runtime_create(q.get(), nullptr, &c, &none), BVM_ERR_LINK);
}

TEST(CapiHost, RegistrationIsChecked) {
  Hosts hosts = hostsWith({{"f", failing}}, {}, nullptr);
  EXPECT_EQ(bvm_hosts_add_sync(hosts.get(), "f", failing, nullptr),
            BVM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bvm_hosts_add_async(hosts.get(), "f", lookAsync, nullptr),
            BVM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bvm_hosts_add_sync(hosts.get(), "", failing, nullptr),
            BVM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bvm_hosts_add_sync(hosts.get(), "g", nullptr, nullptr),
            BVM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bvm_hosts_add_sync(nullptr, "g", failing, nullptr),
            BVM_ERR_INVALID_ARGUMENT);
}

namespace {

bvm_status reenter(bvm_call* call, void* user) {
  *static_cast<bvm_status*>(user) =
      bvm_runtime_tick(bvm_call_runtime(call), nullptr);
  return BVM_OK;
}

}  // namespace

TEST(CapiHost, TickingInsideAHostFunctionIsRefused) {
  bvm_status inner = BVM_OK;
  Hosts hosts = hostsWith({{"reenter", reenter}}, {}, &inner);
  Runtime rt = runtimeOf(
      ".func main()\n  host_call_args reenter 0\n  ret\n.end\n", hosts.get());
  spawnAndRun(rt.get(), "main");
  EXPECT_EQ(inner, BVM_ERR_INVALID_ARGUMENT);
}

// Saved states of runtimes through the C API: round trips against a
// straight run, identical bytes, value handles, the host's hook for its
// operations in flight, and refused states and arguments.
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include "state_test_util.h"

using namespace capi_test;

namespace {

// Two fibers wait on the host's `fetch` (answered at tick 3), then main
// sleeps 2 ticks, prints and stores what it got.
const char* kFetch = R"(
.var got nil
.var count 0
.func main()
  push_const "apple"
  host_call_args_async fetch 1
  await
  store_var got
  push_const 2
  host_call_args_async sleep 1
  await
  pop
  load_var got
  host_call_args print 1
  pop
  load_var got
  ret
.end
.func helper()
  push_const "pear"
  host_call_args_async fetch 1
  await
  load_var count
  push_const 1
  host_call_args add 2
  store_var count
  push_const nil
  ret
.end
)";

constexpr uint64_t kLastTick = 8;

bvm_runtime_config configWith(const bvm_state_hook* hook) {
  bvm_runtime_config c;
  bvm_runtime_config_init(&c);
  c.state_hook = hook;
  return c;
}

// Ticks as the Runner does (clock, due timers, scheduler) from tick `from`
// to `to`; the host answers its requests at the start of tick 3.
void drive(bvm_runtime* rt, Fetcher& f, uint64_t from, uint64_t to) {
  for (uint64_t t = from; t <= to; ++t) {
    ASSERT_EQ(bvm_runtime_set_clock(rt, double(t - 1) * 16, 16, t), BVM_OK);
    ASSERT_EQ(bvm_runtime_complete_timers(rt, t), BVM_OK);
    if (t == 3) answerAll(rt, f);
    ASSERT_EQ(bvm_runtime_tick(rt, nullptr), BVM_OK);
  }
}

// Everything observable: fibers, variables, output, counters.
std::string summary(bvm_runtime* rt) {
  std::string out;
  for (uint32_t id = 1; id <= 4; ++id) {
    bvm_fiber_state st;
    if (bvm_runtime_fiber_state(rt, id, &st) != BVM_OK) continue;
    bvm_value result = BVM_NIL;
    EXPECT_EQ(bvm_runtime_fiber_result(rt, id, &result), BVM_OK);
    out += std::to_string(id) + " " + bvm_fiber_state_name(st) + " " +
           jsonOf(rt, result) + "\n";
    bvm_value_release(rt, result);
  }
  EXPECT_EQ(bvm_runtime_each_var(
                rt,
                [](bvm_runtime* r, const char* name, size_t length, bvm_value v,
                   void* user) {
                  *static_cast<std::string*>(user) +=
                      std::string(name, length) + "=" + jsonOf(r, v) + "\n";
                  return 1;
                },
                &out),
            BVM_OK);
  for (size_t i = 0; i < bvm_runtime_output_count(rt); ++i)
    out += std::string("> ") + bvm_runtime_output_line(rt, i, nullptr) + "\n";
  bvm_stats st{};
  st.struct_size = sizeof st;
  EXPECT_EQ(bvm_runtime_stats(rt, &st), BVM_OK);
  out += std::to_string(st.instructions) + " " + std::to_string(st.slices) +
         " " + std::to_string(st.handles_created) + " " +
         std::to_string(st.heap_bytes) + "\n";
  return out;
}

// A runtime of kFetch with main and helper spawned, host `f` and its hook.
Runtime fetchRuntime(bvm_program* p, Fetcher& f, const bvm_state_hook* hook) {
  Hosts hosts = fetchHosts(f);
  const bvm_runtime_config c = configWith(hook);
  bvm_runtime* rt = nullptr;
  EXPECT_EQ(bvm_runtime_create(p, hosts.get(), &c, &rt), BVM_OK)
      << bvm_last_error_message();
  EXPECT_EQ(bvm_runtime_spawn(rt, "main", nullptr, 0, nullptr), BVM_OK);
  EXPECT_EQ(bvm_runtime_spawn(rt, "helper", nullptr, 0, nullptr), BVM_OK);
  return Runtime(rt);
}

Runtime restoreFetch(bvm_program* p, Fetcher& f, const bvm_state_hook* hook,
                     const Bytes& state) {
  Hosts hosts = fetchHosts(f);
  const bvm_runtime_config c = configWith(hook);
  bvm_runtime* rt = nullptr;
  EXPECT_EQ(bvm_runtime_restore_state(p, hosts.get(), &c, state.data(),
                                      state.size(), &rt),
            BVM_OK)
      << bvm_last_error_message();
  return Runtime(rt);
}

}  // namespace

TEST(CapiState, RuntimeRoundTripAtEverySplitMatchesAStraightRun) {
  Program p = assemble(kFetch);
  Fetcher straightHost;
  const bvm_state_hook straightHook = hookOf(straightHost);
  Runtime straight = fetchRuntime(p.get(), straightHost, &straightHook);
  drive(straight.get(), straightHost, 1, kLastTick);
  const std::string expected = summary(straight.get());
  EXPECT_NE(expected.find("1 DONE \"apple!\""), std::string::npos) << expected;
  EXPECT_NE(expected.find("count=1"), std::string::npos) << expected;

  for (uint64_t k = 0; k <= kLastTick; ++k) {
    SCOPED_TRACE("saved after tick " + std::to_string(k));
    Fetcher before;
    const bvm_state_hook beforeHook = hookOf(before);
    Runtime first = fetchRuntime(p.get(), before, &beforeHook);
    drive(first.get(), before, 1, k);
    const Bytes state = saveRuntime(first.get());
    double time = -1, dt = -1;
    uint64_t tick = 99;
    ASSERT_EQ(bvm_runtime_get_clock(first.get(), &time, &dt, &tick), BVM_OK);
    first.reset();

    // A new host object learns its requests from the state.
    Fetcher after;
    const bvm_state_hook afterHook = hookOf(after);
    Runtime second = restoreFetch(p.get(), after, &afterHook, state);
    ASSERT_TRUE(second);
    EXPECT_EQ(after.restores, 1);
    EXPECT_EQ(after.pending.size(), k >= 1 && k < 3 ? 2u : 0u);
    double time2 = -1, dt2 = -1;
    uint64_t tick2 = 99;
    ASSERT_EQ(bvm_runtime_get_clock(second.get(), &time2, &dt2, &tick2),
              BVM_OK);
    EXPECT_EQ(tick2, tick);
    EXPECT_EQ(time2, time);
    EXPECT_EQ(dt2, dt);
    EXPECT_EQ(saveRuntime(second.get()), state);  // save → restore → save
    drive(second.get(), after, k + 1, kLastTick);
    EXPECT_EQ(summary(second.get()), expected);
  }
}

TEST(CapiState, ValueHandlesAreNotPartOfAState) {
  Program p = assemble(kFetch);
  Fetcher host;
  const bvm_state_hook hook = hookOf(host);
  Runtime rt = fetchRuntime(p.get(), host, &hook);
  drive(rt.get(), host, 1, 1);
  auto heapBytes = [](bvm_runtime* r) {
    bvm_stats st{};
    st.struct_size = sizeof st;
    EXPECT_EQ(bvm_runtime_stats(r, &st), BVM_OK);
    return st.heap_bytes;
  };
  const uint64_t heapBefore = heapBytes(rt.get());

  // Values only the host's handles hold.
  bvm_value text = string(rt.get(), std::string(100000, 'x'));
  bvm_value list = BVM_NIL;
  ASSERT_EQ(bvm_value_new_list(rt.get(), &list), BVM_OK);
  ASSERT_EQ(bvm_value_list_push(rt.get(), list, text), BVM_OK);
  ASSERT_GT(heapBytes(rt.get()), heapBefore + 100000);
  const Bytes state = saveRuntime(rt.get());
  EXPECT_EQ(saveRuntime(rt.get()), state);

  // The handles stay valid, and keep their values, on their runtime.
  EXPECT_EQ(bvm_runtime_value_count(rt.get()), 2u);
  ASSERT_EQ(bvm_runtime_collect_garbage(rt.get()), BVM_OK);
  EXPECT_GT(heapBytes(rt.get()), heapBefore + 100000);
  size_t length = 0;
  ASSERT_EQ(bvm_value_list_length(rt.get(), list, &length), BVM_OK);
  EXPECT_EQ(length, 1u);

  // The restored runtime is a new object: no handles, and nothing keeps
  // their values (the state holds them as garbage, as it holds all).
  Fetcher other;
  const bvm_state_hook otherHook = hookOf(other);
  Runtime back = restoreFetch(p.get(), other, &otherHook, state);
  EXPECT_EQ(bvm_runtime_value_count(back.get()), 0u);
  EXPECT_EQ(bvm_value_kind(back.get(), list), BVM_KIND_INVALID);
  EXPECT_EQ(bvm_value_list_length(back.get(), list, &length),
            BVM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(saveRuntime(back.get()), state);
  ASSERT_EQ(bvm_runtime_collect_garbage(back.get()), BVM_OK);
  EXPECT_LT(heapBytes(back.get()), heapBefore + 1000);
}

TEST(CapiState, APendingHandleOfTheHostNeedsAHook) {
  Program p = assemble(kFetch);
  Fetcher host;
  Runtime rt = fetchRuntime(p.get(), host, nullptr);
  drive(rt.get(), host, 1, 1);
  ASSERT_EQ(host.pending.size(), 2u);
  uint8_t* data = nullptr;
  size_t length = 0;
  EXPECT_EQ(bvm_runtime_save_state(rt.get(), &data, &length),
            BVM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(data, nullptr);
  EXPECT_NE(std::string(bvm_last_error_message())
                .find("cannot save: handles 1, 2 pending with no host hook"),
            std::string::npos)
      << bvm_last_error_message();

  // Settled, nothing is in flight: no hook needed.
  answerAll(rt.get(), host);
  EXPECT_FALSE(saveRuntime(rt.get()).empty());
}

TEST(CapiState, AHookMustClaimEveryHandleInFlight) {
  Program p = assemble(kFetch);
  Fetcher host;
  bvm_state_hook lazy = hookOf(host);
  lazy.save = [](bvm_runtime*, bvm_state_out* out, void*) {
    return bvm_state_claim(out, 2);  // not 1
  };
  Runtime rt = fetchRuntime(p.get(), host, &lazy);
  drive(rt.get(), host, 1, 1);
  uint8_t* data = nullptr;
  size_t length = 0;
  EXPECT_EQ(bvm_runtime_save_state(rt.get(), &data, &length),
            BVM_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(bvm_last_error_message())
                .find("cannot save: handle 1 pending with no host hook"),
            std::string::npos)
      << bvm_last_error_message();
}

TEST(CapiState, HookFailuresFailTheSaveOrTheRestore) {
  Program p = assemble(kFetch);
  Fetcher host;
  bvm_state_hook failing = hookOf(host);
  failing.save = [](bvm_runtime*, bvm_state_out*, void*) {
    return BVM_ERR_HOST;
  };
  Runtime rt = fetchRuntime(p.get(), host, &failing);
  uint8_t* data = nullptr;
  size_t length = 0;
  EXPECT_EQ(bvm_runtime_save_state(rt.get(), &data, &length), BVM_ERR_HOST);
  EXPECT_EQ(lastMessage(), "state hook: save: failed (BVM_ERR_HOST)");
  failing.save = [](bvm_runtime*, bvm_state_out* out, void*) {
    return bvm_state_write(out, nullptr, 3);  // an API call that fails
  };
  Runtime rt2 = fetchRuntime(p.get(), host, &failing);
  EXPECT_EQ(bvm_runtime_save_state(rt2.get(), &data, &length),
            BVM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(lastMessage(), "state hook: save: bytes is NULL");

  // A restore the host refuses frees what it made.
  const bvm_state_hook good = hookOf(host);
  Runtime ok = fetchRuntime(p.get(), host, &good);
  drive(ok.get(), host, 1, 1);
  const Bytes state = saveRuntime(ok.get());
  bvm_state_hook refusing = good;
  refusing.restore = [](bvm_runtime* r, const uint8_t*, size_t, void*) {
    bvm_value v = BVM_NIL;  // a handle made in the callback is released
    return bvm_value_new_list(r, &v) == BVM_OK ? BVM_ERR_INVALID_STATE
                                               : BVM_ERR_INTERNAL;
  };
  Hosts hosts = fetchHosts(host);
  const uint64_t live = bvm_debug_live_objects();
  const bvm_runtime_config c = configWith(&refusing);
  bvm_runtime* out = nullptr;
  EXPECT_EQ(bvm_runtime_restore_state(p.get(), hosts.get(), &c, state.data(),
                                      state.size(), &out),
            BVM_ERR_INVALID_STATE);
  EXPECT_EQ(lastMessage(),
            "state hook: restore: failed (BVM_ERR_INVALID_STATE)");
  EXPECT_EQ(out, nullptr);
  EXPECT_EQ(bvm_debug_live_objects(), live);
}

TEST(CapiState, HooksMustMatchBetweenSaveAndRestore) {
  Program p = assemble(kFetch);
  Fetcher host;
  const bvm_state_hook hook = hookOf(host);
  Runtime with = fetchRuntime(p.get(), host, &hook);
  Runtime without = fetchRuntime(p.get(), host, nullptr);
  const Bytes withHook = saveRuntime(with.get());
  const Bytes noHook = saveRuntime(without.get());
  Hosts hosts = fetchHosts(host);
  bvm_runtime* out = nullptr;
  EXPECT_TRUE(refusedAsInvalidState(bvm_runtime_restore_state(
      p.get(), hosts.get(), nullptr, withHook.data(), withHook.size(), &out)));
  EXPECT_NE(
      std::string(bvm_last_error_message()).find("after the last host hook"),
      std::string::npos)
      << bvm_last_error_message();
  const bvm_runtime_config c = configWith(&hook);
  EXPECT_TRUE(refusedAsInvalidState(bvm_runtime_restore_state(
      p.get(), hosts.get(), &c, noHook.data(), noHook.size(), &out)));
  EXPECT_EQ(out, nullptr);

  // Built-ins as when saved: a program importing none shows the mismatch
  // as a state error, not a link error.
  Program plain = assemble(".func main()\n  push_const 1\n  ret\n.end\n");
  Runtime builtins = runtimeOf(".func main()\n  push_const 1\n  ret\n.end\n");
  const Bytes state = saveRuntime(builtins.get());
  bvm_runtime_config none;
  bvm_runtime_config_init(&none);
  none.builtins = 0;
  EXPECT_TRUE(refusedAsInvalidState(bvm_runtime_restore_state(
      plain.get(), nullptr, &none, state.data(), state.size(), &out)));
}

TEST(CapiState, AnotherProgramsStateIsRefused) {
  Runtime rt = runtimeOf(".func main()\n  push_const 1\n  ret\n.end\n");
  const Bytes state = saveRuntime(rt.get());
  Program other = assemble(".func main()\n  push_const 2\n  ret\n.end\n");
  bvm_runtime* out = nullptr;
  EXPECT_EQ(bvm_runtime_restore_state(other.get(), nullptr, nullptr,
                                      state.data(), state.size(), &out),
            BVM_ERR_INVALID_STATE);
  EXPECT_NE(std::string(bvm_last_error_message())
                .find("the state was saved from another program"),
            std::string::npos)
      << bvm_last_error_message();
  EXPECT_EQ(out, nullptr);
}

TEST(CapiState, MangledRuntimeStatesAreRefusedNeverACrash) {
  Program p = assemble(kFetch);
  Fetcher host;
  const bvm_state_hook hook = hookOf(host);
  Runtime rt = fetchRuntime(p.get(), host, &hook);
  drive(rt.get(), host, 1, 1);  // both requests in flight: the hook's part
  const Bytes state = saveRuntime(rt.get());
  ASSERT_GT(state.size(), kHeaderSize);
  Hosts hosts = fetchHosts(host);
  size_t refused = 0, accepted = 0;
  auto attempt = [&](const Bytes& bytes) {
    Fetcher f;
    const bvm_state_hook h = hookOf(f);
    const bvm_runtime_config c = configWith(&h);
    bvm_runtime* out = nullptr;
    const bvm_status s = bvm_runtime_restore_state(
        p.get(), hosts.get(), &c, bytes.data(), bytes.size(), &out);
    if (s == BVM_OK) {
      ++accepted;
      Runtime r(out);
      for (int i = 0; i < 3; ++i) bvm_runtime_tick(out, nullptr);
      return;
    }
    ++refused;
    EXPECT_TRUE(refusedAsInvalidState(s));
    EXPECT_EQ(out, nullptr);
  };
  // Every truncation, with and without the header fixed up.
  for (size_t n = 0; n < state.size(); ++n) {
    Bytes cut(state.begin(), state.begin() + static_cast<ptrdiff_t>(n));
    attempt(cut);
    fixHeader(cut);
    attempt(cut);
  }
  // Every byte changed, the checksum fixed up so that the payload's own
  // checks are reached.
  const uint8_t flips[] = {0x01, 0x80, 0xff};
  for (size_t i = kHeaderSize; i < state.size(); ++i)
    for (uint8_t flip : flips) {
      Bytes bad = state;
      bad[i] ^= flip;
      fixHeader(bad);
      attempt(bad);
    }
  // A damaged byte without the fix-up: the checksum.
  Bytes damaged = state;
  damaged.back() ^= 1;
  Fetcher f;
  const bvm_state_hook h = hookOf(f);
  const bvm_runtime_config c = configWith(&h);
  bvm_runtime* out = nullptr;
  EXPECT_EQ(bvm_runtime_restore_state(p.get(), hosts.get(), &c, damaged.data(),
                                      damaged.size(), &out),
            BVM_ERR_INVALID_STATE);
  EXPECT_EQ(lastMessage(), "invalid state: offset 8: checksum mismatch");
  EXPECT_GE(refused, 2 * state.size());  // every truncation at least
  EXPECT_EQ(f.restores, 0);
  std::printf("%zu mangled states refused, %zu accepted\n", refused, accepted);
}

TEST(CapiState, ArgumentsAndCallbacksAreChecked) {
  Program p = assemble(kFetch);
  Fetcher host;
  Runtime rt = fetchRuntime(p.get(), host, nullptr);
  const Bytes state = saveRuntime(rt.get());
  bvm_runtime* out = nullptr;
  uint8_t* data = nullptr;
  EXPECT_EQ(bvm_runtime_save_state(nullptr, &data, nullptr),
            BVM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bvm_runtime_save_state(rt.get(), nullptr, nullptr),
            BVM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bvm_runtime_restore_state(nullptr, nullptr, nullptr, state.data(),
                                      state.size(), &out),
            BVM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(
      bvm_runtime_restore_state(p.get(), nullptr, nullptr, nullptr, 5, &out),
      BVM_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(refusedAsInvalidState(
      bvm_runtime_restore_state(p.get(), nullptr, nullptr, nullptr, 0, &out)));
  EXPECT_EQ(lastMessage(),
            "invalid state: offset 0: not a brainvm state (bad magic)");

  // A hook needs both callbacks and a known struct_size.
  Fetcher f;
  bvm_state_hook hook = hookOf(f);
  hook.restore = nullptr;
  bvm_runtime_config c = configWith(&hook);
  EXPECT_EQ(bvm_runtime_create(p.get(), nullptr, &c, &out),
            BVM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(lastMessage(), "bvm_state_hook: save and restore are both needed");
  hook = hookOf(f);
  hook.struct_size = sizeof(size_t);
  EXPECT_EQ(bvm_runtime_create(p.get(), nullptr, &c, &out),
            BVM_ERR_INVALID_ARGUMENT);

  // A config of the first layout (before state_hook) is still read, and
  // state_hook takes its default.
  c = configWith(nullptr);
  c.struct_size = offsetof(bvm_runtime_config, state_hook);
  Hosts hosts = fetchHosts(f);
  ASSERT_EQ(bvm_runtime_restore_state(p.get(), hosts.get(), &c, state.data(),
                                      state.size(), &out),
            BVM_OK)
      << bvm_last_error_message();
  bvm_runtime_free(out);
  c.struct_size -= 1;
  EXPECT_EQ(bvm_runtime_create(p.get(), nullptr, &c, &out),
            BVM_ERR_INVALID_ARGUMENT);
}

namespace {

struct Saver {
  bvm_status status = BVM_OK;
  std::string message;
};

void saveInside(bvm_call* call, uint32_t handle, void* user) {
  auto* s = static_cast<Saver*>(user);
  bvm_runtime* rt = bvm_call_runtime(call);
  uint8_t* data = nullptr;
  size_t length = 0;
  s->status = bvm_runtime_save_state(rt, &data, &length);
  s->message = lastMessage();
  bvm_free(data);
  bvm_runtime_resolve(rt, handle, BVM_NIL);
}

}  // namespace

TEST(CapiState, NotInsideACallback) {
  Saver saver;
  bvm_hosts* h = nullptr;
  ASSERT_EQ(bvm_hosts_new(&h), BVM_OK);
  Hosts hosts(h);
  ASSERT_EQ(bvm_hosts_add_async(h, "fetch", saveInside, &saver), BVM_OK);
  Runtime rt = runtimeOf(kFetch, h);
  spawnAndRun(rt.get(), "helper");
  EXPECT_EQ(saver.status, BVM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(saver.message, "saving a state is not allowed inside a callback");
}

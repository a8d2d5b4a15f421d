// Saved states of runs through the C API: a run saved after k ticks and
// restored goes on to the report of a straight run (samples, a world of
// everything a state holds, and a host with requests in flight), the bytes
// are stable and are the `brainvm run --save-state` bytes, and mangled or
// foreign states are refused.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "state_test_util.h"

using namespace capi_test;

namespace {

constexpr uint64_t kTicks = 12;

std::string sourcePath(const char* relative) {
  return (std::filesystem::path(BRAINVM_SOURCE_DIR) / relative).string();
}

Program load(const std::string& path) {
  bvm_program* p = nullptr;
  EXPECT_EQ(bvm_program_load_file(path.c_str(), &p), BVM_OK)
      << bvm_last_error_message();
  return Program(p);
}

std::string reportJson(bvm_runner* r) {
  bvm_report* rep = nullptr;
  EXPECT_EQ(bvm_runner_report(r, &rep), BVM_OK) << bvm_last_error_message();
  Report report(rep);
  char* json = nullptr;
  size_t length = 0;
  EXPECT_EQ(bvm_report_json(rep, 0, &json, &length), BVM_OK);
  std::string out(json ? json : "", length);
  bvm_free(json);
  return out;
}

Runner runnerOf(bvm_program* p, uint64_t maxTicks,
                const bvm_hosts* hosts = nullptr,
                const bvm_runtime_config* config = nullptr,
                bvm_run_options* options = nullptr) {
  bvm_run_options o;
  bvm_run_options_init(&o);
  if (options) o = *options;
  o.max_ticks = maxTicks;
  bvm_runner* r = nullptr;
  EXPECT_EQ(bvm_runner_create(p, hosts, config, &o, &r), BVM_OK)
      << bvm_last_error_message();
  return Runner(r);
}

Runner restoreRunner(bvm_program* p, const Bytes& state,
                     const bvm_hosts* hosts = nullptr,
                     const bvm_runtime_config* config = nullptr,
                     const bvm_run_options* options = nullptr) {
  bvm_runner* r = nullptr;
  EXPECT_EQ(bvm_runner_restore_state(p, hosts, config, options, state.data(),
                                     state.size(), &r),
            BVM_OK)
      << bvm_last_error_message();
  return Runner(r);
}

const char* const kPrograms[] = {
    "tests/state/world.bvasm",          "samples/async_sleep.bvasm",
    "samples/brain_rules.bvasm",        "samples/fibers_interleave.bvasm",
    "samples/spawn_cancel.bvasm",       "samples/timeouts.bvasm",
    "samples/lists_maps_structs.bvasm", "samples/shared_vars.bvasm",
    "samples/try_catch.bvasm",          "samples/fault_uncaught.bvasm"};

}  // namespace

TEST(CapiRunnerState, RoundTripAtSplitsMatchesAStraightRun) {
  size_t compared = 0;
  for (const char* file : kPrograms) {
    SCOPED_TRACE(file);
    Program p = load(sourcePath(file));
    Runner straight = runnerOf(p.get(), kTicks);
    ASSERT_EQ(bvm_runner_run(straight.get()), BVM_OK);
    const std::string expected = reportJson(straight.get());

    for (uint64_t k : {0, 1, 2, 3, 5, 8}) {
      SCOPED_TRACE("saved after tick " + std::to_string(k));
      Runner first = runnerOf(p.get(), k);
      ASSERT_EQ(bvm_runner_run(first.get()), BVM_OK);
      const Bytes state = saveRunner(first.get());
      first.reset();

      // max_ticks in the options, counted from the run's first tick...
      bvm_run_options o;
      bvm_run_options_init(&o);
      o.max_ticks = kTicks;
      Runner second = restoreRunner(p.get(), state, nullptr, nullptr, &o);
      ASSERT_TRUE(second);
      EXPECT_EQ(saveRunner(second.get()), state);  // save → restore → save
      ASSERT_EQ(bvm_runner_run(second.get()), BVM_OK);
      EXPECT_EQ(reportJson(second.get()), expected);
      ++compared;

      // ... or M more ticks from where it stopped.
      Runner third = restoreRunner(p.get(), state, nullptr, nullptr, nullptr);
      ASSERT_TRUE(third);
      const uint64_t ran = bvm_runner_ticks(third.get());
      EXPECT_TRUE(ran == k || bvm_runner_finished(third.get()));
      ASSERT_EQ(bvm_runner_set_max_ticks(third.get(), ran + (kTicks - k)),
                BVM_OK);
      ASSERT_EQ(bvm_runner_run(third.get()), BVM_OK);
      EXPECT_EQ(reportJson(third.get()), expected);
      ++compared;
    }
  }
  EXPECT_EQ(compared, std::size(kPrograms) * 6 * 2);
}

namespace {

// A brain whose scout waits on the host's `fetch`, answered from the
// per-tick callback at tick 4, with a rule and printed lines around it.
const char* kScout = R"(
.var seen 0
.rule watch
.func watch()
  when_start
  load_var seen
  push_const 3
  host_call_args lt 2
  when_end done
  do_start
  load_var seen
  push_const 1
  host_call_args add 2
  store_var seen
  load_var seen
  host_call_args print 1
  pop
  do_end
done:
  push_const nil
  ret
.end
.spawn scout
.func scout()
  push_const "north"
  host_call_args_async fetch 1
  await
  host_call_args print 1
  ret
.end
.func main()
  push_const 1
  ret
.end
)";

int answerAtTick4(bvm_runtime* rt, uint64_t tick, void* user) {
  if (tick == 4) answerAll(rt, *static_cast<Fetcher*>(user));
  return 1;
}

struct HostedRun {
  Fetcher host;
  bvm_state_hook hook = hookOf(host);
  bvm_runtime_config config;
  bvm_run_options options;
  Hosts hosts = fetchHosts(host);
  explicit HostedRun(uint64_t maxTicks) {
    bvm_runtime_config_init(&config);
    config.state_hook = &hook;
    bvm_run_options_init(&options);
    options.max_ticks = maxTicks;
    options.on_tick = answerAtTick4;
    options.tick_user = &host;
  }
  HostedRun(const HostedRun&) = delete;
};

}  // namespace

TEST(CapiRunnerState, RequestsInFlightAreSavedThroughTheHook) {
  Program p = assemble(kScout, "scout.bvasm");
  HostedRun straightRun(kTicks);
  Runner straight = runnerOf(p.get(), kTicks, straightRun.hosts.get(),
                             &straightRun.config, &straightRun.options);
  ASSERT_EQ(bvm_runner_run(straight.get()), BVM_OK);
  const std::string expected = reportJson(straight.get());
  EXPECT_NE(expected.find("\"north!\""), std::string::npos) << expected;

  for (uint64_t k = 0; k <= 6; ++k) {
    SCOPED_TRACE("saved after tick " + std::to_string(k));
    HostedRun before(k);
    Runner first = runnerOf(p.get(), k, before.hosts.get(), &before.config,
                            &before.options);
    ASSERT_EQ(bvm_runner_run(first.get()), BVM_OK);
    EXPECT_EQ(before.host.pending.size(), k >= 1 && k < 4 ? 1u : 0u);
    const Bytes state = saveRunner(first.get());
    first.reset();

    HostedRun after(kTicks);
    Runner second = restoreRunner(p.get(), state, after.hosts.get(),
                                  &after.config, &after.options);
    ASSERT_TRUE(second);
    EXPECT_EQ(after.host.restores, 1);
    EXPECT_EQ(after.host.pending, before.host.pending);
    EXPECT_EQ(saveRunner(second.get()), state);
    ASSERT_EQ(bvm_runner_run(second.get()), BVM_OK);
    EXPECT_EQ(reportJson(second.get()), expected);
  }

  // Without the hook, the request in flight cannot be saved.
  Fetcher host;
  Hosts hosts = fetchHosts(host);
  Runner bare = runnerOf(p.get(), 2, hosts.get());
  ASSERT_EQ(bvm_runner_run(bare.get()), BVM_OK);
  uint8_t* data = nullptr;
  size_t length = 0;
  EXPECT_EQ(bvm_runner_save_state(bare.get(), &data, &length),
            BVM_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(bvm_last_error_message())
                .find("cannot save: handle 1 pending with no host hook"),
            std::string::npos)
      << bvm_last_error_message();
}

TEST(CapiRunnerState, RefusedStatesAndCalls) {
  Program world = load(sourcePath("tests/state/world.bvasm"));
  Runner r = runnerOf(world.get(), 3);
  ASSERT_EQ(bvm_runner_run(r.get()), BVM_OK);
  const Bytes state = saveRunner(r.get());

  // Another program's state.
  Program other = load(sourcePath("samples/brain_rules.bvasm"));
  bvm_runner* out = nullptr;
  EXPECT_EQ(bvm_runner_restore_state(other.get(), nullptr, nullptr, nullptr,
                                     state.data(), state.size(), &out),
            BVM_ERR_INVALID_STATE);
  EXPECT_NE(std::string(bvm_last_error_message()).find("another program"),
            std::string::npos);
  // A runtime's state is not a run's, nor the other way round.
  bvm_runtime* rt = nullptr;
  ASSERT_EQ(bvm_runtime_create(world.get(), nullptr, nullptr, &rt), BVM_OK);
  const Bytes runtimeState = saveRuntime(rt);
  bvm_runtime_free(rt);
  rt = nullptr;
  EXPECT_TRUE(refusedAsInvalidState(bvm_runner_restore_state(
      world.get(), nullptr, nullptr, nullptr, runtimeState.data(),
      runtimeState.size(), &out)));
  EXPECT_TRUE(refusedAsInvalidState(bvm_runtime_restore_state(
      world.get(), nullptr, nullptr, state.data(), state.size(), &rt)));
  EXPECT_EQ(out, nullptr);
  EXPECT_EQ(rt, nullptr);

  // Every byte changed (checksum fixed up): refused or a run that goes on.
  size_t refused = 0;
  for (size_t i = kHeaderSize; i < state.size(); ++i) {
    Bytes bad = state;
    bad[i] ^= (i % 2) ? 0x01 : 0xff;
    fixHeader(bad);
    const bvm_status s = bvm_runner_restore_state(
        world.get(), nullptr, nullptr, nullptr, bad.data(), bad.size(), &out);
    if (s == BVM_OK) {
      Runner going(out);
      ASSERT_EQ(bvm_runner_set_max_ticks(out, 6), BVM_OK);
      bvm_runner_run(out);
      continue;
    }
    ++refused;
    EXPECT_TRUE(refusedAsInvalidState(s)) << "byte " << i;
  }
  EXPECT_GT(refused, (state.size() - kHeaderSize) / 2);

  // The runner's runtime is saved with its runner; not inside a callback.
  uint8_t* data = nullptr;
  EXPECT_EQ(bvm_runtime_save_state(bvm_runner_runtime(r.get()), &data, nullptr),
            BVM_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(bvm_last_error_message()).find("bvm_runner_save_state"),
            std::string::npos);
  EXPECT_EQ(bvm_runner_save_state(nullptr, &data, nullptr),
            BVM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bvm_runner_set_max_ticks(nullptr, 1), BVM_ERR_INVALID_ARGUMENT);

  struct Inside {
    bvm_runner* runner;
    bvm_status status;
  } inside{nullptr, BVM_OK};
  bvm_run_options o;
  bvm_run_options_init(&o);
  o.max_ticks = 2;
  o.tick_user = &inside;
  o.on_tick = [](bvm_runtime*, uint64_t, void* user) {
    auto* in = static_cast<Inside*>(user);
    uint8_t* bytes = nullptr;
    size_t n = 0;
    in->status = bvm_runner_save_state(in->runner, &bytes, &n);
    bvm_free(bytes);
    return 1;
  };
  Runner ticking = runnerOf(world.get(), 2, nullptr, nullptr, &o);
  inside.runner = ticking.get();
  ASSERT_EQ(bvm_runner_run(ticking.get()), BVM_OK);
  EXPECT_EQ(inside.status, BVM_ERR_INVALID_ARGUMENT);
}

#ifdef BRAINVM_CLI

namespace {

Bytes readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

// A run's state is the command's, both ways: the C API goes on from
// `brainvm run --save-state`'s file, and `brainvm run --load-state` from
// the C API's bytes, each to the report of a straight run.
TEST(CapiRunnerState, StatesAreTheCommandsStates) {
  const std::string file = testing::TempDir() + "capi_state.bvstate";
  auto brainvm = [&](const std::string& args) {
    const std::string command =
        std::string(BRAINVM_CLI) + " run " + args + " 2>/dev/null";
    std::string out;
    if (FILE* pipe = popen(command.c_str(), "r")) {
      char buf[4096];
      size_t n;
      while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
      pclose(pipe);  // 0 or 70: a report either way
    }
    return out;
  };
  for (const char* program :
       {"tests/state/world.bvasm", "samples/brain_rules.bvasm",
        "samples/timeouts.bvasm"}) {
    SCOPED_TRACE(program);
    const std::string path = sourcePath(program);
    Program p = load(path);
    Runner straight = runnerOf(p.get(), 10);
    ASSERT_EQ(bvm_runner_run(straight.get()), BVM_OK);
    const std::string expected = reportJson(straight.get());

    std::remove(file.c_str());
    brainvm("'" + path + "' --ticks 4 --save-state '" + file + "'");
    const Bytes cli = readFile(file);
    ASSERT_FALSE(cli.empty());
    Runner resumed = restoreRunner(p.get(), cli);
    ASSERT_TRUE(resumed);
    EXPECT_TRUE(bvm_runner_ticks(resumed.get()) == 4 ||
                bvm_runner_finished(resumed.get()));
    ASSERT_EQ(bvm_runner_set_max_ticks(resumed.get(), 10), BVM_OK);
    ASSERT_EQ(bvm_runner_run(resumed.get()), BVM_OK);
    EXPECT_EQ(reportJson(resumed.get()), expected);

    Runner first = runnerOf(p.get(), 4);
    ASSERT_EQ(bvm_runner_run(first.get()), BVM_OK);
    const Bytes state = saveRunner(first.get());
    {
      std::ofstream out(file, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(state.data()),
                static_cast<std::streamsize>(state.size()));
    }
    EXPECT_EQ(brainvm("'" + path + "' --load-state '" + file + "' --ticks 6"),
              expected);
  }
  std::remove(file.c_str());
}

#endif

// Saved states: for every program and every split tick k, a straight run
// and a run of k ticks + save + restore + the rest give byte-identical
// reports; save -> restore -> save gives identical bytes; malformed states
// are refused with a reason; pending host handles need a hook.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "brainvm/state.h"
#include "report_writer.h"
#include "tools_support.h"

namespace brainvm::tools_test {
namespace {

std::string reportText(Runner& r) {
  std::string out;
  cli::writeReportJson(r.report(), r.runtime().program(), false, out);
  return out;
}

// Recomputes a state's payload checksum after a test changed its bytes, so
// that the payload's own checks are exercised.
void resealState(std::vector<uint8_t>& bytes) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t k = 28; k < bytes.size(); ++k) {
    c ^= bytes[k];
    for (int b = 0; b < 8; ++b) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
  }
  c ^= 0xFFFFFFFFu;
  for (int b = 0; b < 4; ++b) bytes[8 + b] = static_cast<uint8_t>(c >> (8 * b));
}

RunOptions optionsFor(uint64_t ticks) {
  RunOptions o;
  o.maxTicks = ticks;
  o.runtime.defaultBudget = 7;  // slices end mid-function: more to save
  o.runtime.maxInstructions = 200000;
  o.setup = [](Runtime& rt) -> Status {
    ContextId env = rt.newContext();
    if (Status s = rt.setContextVariable(env, "env_value",
                                         rt.newString("from env"));
        !s)
      return s;
    rt.setParentContext(env);
    return Ok{};
  };
  return o;
}

// Checks the equivalence for one program at every split (or a spread of
// them); returns the number of splits checked.
int checkSplits(const std::shared_ptr<const LoadedProgram>& program,
                uint64_t maxTicks, const std::string& name) {
  auto straight = Runner::create(program, optionsFor(maxTicks));
  if (!straight) return 0;  // e.g. nothing to run
  if (!straight.value()->run()) return 0;
  const std::string expected = reportText(*straight.value());
  const uint64_t ticks = straight.value()->ticksRun();
  int checked = 0;
  const uint64_t stride = ticks > 12 ? ticks / 12 : 1;
  for (uint64_t k = 1; k < ticks; k += stride) {
    SCOPED_TRACE(name + " split at tick " + std::to_string(k));
    auto first = Runner::create(program, optionsFor(k));
    EXPECT_TRUE(first.ok());
    if (!first) return checked;
    EXPECT_TRUE(first.value()->run().ok()) << "first part";
    Result<std::vector<uint8_t>> saved = first.value()->saveState();
    EXPECT_TRUE(saved.ok()) << (saved.ok() ? "" : saved.error().message());
    if (!saved) continue;
    auto resumed =
        Runner::restoreState(program, optionsFor(maxTicks), saved.value());
    EXPECT_TRUE(resumed.ok())
        << (resumed.ok() ? "" : resumed.error().message());
    if (!resumed) continue;
    // The same state saves to the same bytes.
    Result<std::vector<uint8_t>> again = resumed.value()->saveState();
    EXPECT_TRUE(again.ok());
    if (again.ok()) {
      EXPECT_TRUE(again.value() == saved.value()) << "save -> load -> save";
    }
    EXPECT_TRUE(resumed.value()->run().ok());
    EXPECT_EQ(reportText(*resumed.value()), expected);
    ++checked;
  }
  return checked;
}

std::shared_ptr<const LoadedProgram> loadText(const std::string& text,
                                              const std::string& name) {
  AssembleOptions ao;
  ao.fileName = name;
  auto p = assemble(text, ao);
  if (!p) return nullptr;
  auto lp = LoadedProgram::load(std::move(p.value()));
  return lp ? lp.value() : nullptr;
}

TEST(State, EveryProgramResumesAsIfNothingHappened) {
  namespace fs = std::filesystem;
  const fs::path root(BRAINVM_SOURCE_DIR);
  int programs = 0, splits = 0;
  for (const char* dir : {"samples", "tests/golden", "tests/state"}) {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(root / dir))
      if (e.path().extension() == ".bvasm") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      std::ifstream in(file);
      std::stringstream text;
      text << in.rdbuf();
      auto program = loadText(text.str(), file.filename().string());
      if (!program) continue;
      const int n = checkSplits(program, 40, file.string());
      splits += n;
      programs += n > 0;
    }
  }
  EXPECT_GE(programs, 8);
  EXPECT_GE(splits, 40);
}

// A corpus of generated programs: fibers that loop, sleep, build shared
// data, throw and catch, and a rule, with parameters from a seeded
// generator.
std::string generated(uint32_t seed) {
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  };
  std::ostringstream s;
  const int fibers = pick(1, 4);
  s << ".var acc 0\n.var items nil\n.rule watch\n";
  for (int i = 0; i < fibers; ++i) s << ".spawn w" << i << "\n";
  s << ".func main()\n  list_new\n  store_var items\n  push_const "
    << pick(1, 3) << "\n  host_call_args_async sleep 1\n  await\n  pop\n"
    << "  load_var items\n  list_len\n  ret\n.end\n";
  s << ".func watch()\n  when_start\n  load_var acc\n  push_const "
    << pick(5, 60) << "\n  host_call_args gt 2\n  when_end no\n  do_start\n"
    << "  load_var acc\n  host_call_args print 1\n  pop\n  do_end\nno:\n"
    << "  push_const nil\n  ret\n.end\n";
  for (int i = 0; i < fibers; ++i) {
    const int rounds = pick(1, 6);
    s << ".func w" << i << "()\n  .local k\n  .local m\n  push_const 0\n"
      << "  store_local k\n  map_new\n  store_local m\nloop:\n"
      << "  load_local k\n  push_const " << rounds
      << "\n  host_call_args lt 2\n  jmp_if_false done\n"
      << "  load_var acc\n  load_local k\n  host_call_args add 2\n"
      << "  store_var acc\n"
      << "  load_local m\n  load_local k\n  load_local m\n  map_set\n  pop\n"
      << "  load_var items\n  load_local m\n  list_push\n  pop\n"
      << "  try caught\n  push_const " << pick(0, 2)
      << "\n  push_const \"x\"\n  host_call_args_async fail_after 2\n"
      << "  await\n  pop\n  jmp next\ncaught:\n  pop\nnext:\n"
      << "  push_const " << pick(0, 2)
      << "\n  host_call_args_async sleep 1\n  await\n  pop\n  yield\n"
      << "  load_local k\n  push_const 1\n  host_call_args add 2\n"
      << "  store_local k\n  jmp loop\ndone:\n  load_local m\n  ret\n.end\n";
  }
  return s.str();
}

TEST(State, GeneratedProgramsResumeAsIfNothingHappened) {
  int splits = 0;
  for (uint32_t seed = 1; seed <= 25; ++seed) {
    auto program = loadText(generated(seed), "gen" + std::to_string(seed));
    ASSERT_TRUE(program) << generated(seed);
    splits += checkSplits(program, 30, "generated " + std::to_string(seed));
  }
  EXPECT_GE(splits, 100);
}

TEST(State, ARestoreAgainstAnotherProgramIsRefused) {
  auto a = loadText(".func main()\n  push_const 1\n  ret\n.end\n", "a");
  auto b = loadText(".func main()\n  push_const 2\n  ret\n.end\n", "b");
  auto r = Runner::create(a, optionsFor(1));
  ASSERT_TRUE(r.ok());
  auto saved = r.value()->saveState();
  ASSERT_TRUE(saved.ok());
  auto other = Runner::restoreState(b, optionsFor(2), saved.value());
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message().find("another program"), std::string::npos)
      << other.error().message();
}

// A Runner keeps only part of its RunOptions; options() gives back what
// shapes the run, from the state when restored.
TEST(State, ARunnerReportsTheOptionsItRunsWith) {
  auto program = loadText(
      ".func main()\nloop:\n  yield\n  jmp loop\n.end\n",
      "opts");
  RunOptions o;
  o.maxTicks = 5;
  o.dtMs = 20;
  o.seed = 9;
  o.runtime.defaultBudget = 11;
  o.entry = "main";
  o.onTick = [](Runtime&, uint64_t) { return true; };
  auto r = Runner::create(program, o);
  ASSERT_TRUE(r.ok()) << r.error().message();
  RunOptions back = r.value()->options();
  EXPECT_EQ(back.maxTicks, 5u);
  EXPECT_EQ(back.dtMs, 20);
  EXPECT_EQ(back.seed, 9u);
  EXPECT_EQ(back.runtime.defaultBudget, 11u);
  EXPECT_EQ(back.entry, std::optional<std::string>("main"));
  EXPECT_TRUE(back.builtins);
  EXPECT_TRUE(static_cast<bool>(back.onTick));
  EXPECT_FALSE(static_cast<bool>(back.setup));
  ASSERT_TRUE(r.value()->step());
  auto saved = r.value()->saveState();
  ASSERT_TRUE(saved.ok());

  RunOptions fresh;  // defaults: the state's values win but for maxTicks
  fresh.maxTicks = 8;
  auto restored = Runner::restoreState(program, fresh, saved.value());
  ASSERT_TRUE(restored.ok()) << restored.error().message();
  back = restored.value()->options();
  EXPECT_EQ(back.maxTicks, 8u);
  EXPECT_EQ(back.dtMs, 20);
  EXPECT_EQ(back.seed, 9u);
  EXPECT_EQ(back.runtime.defaultBudget, 11u);
  EXPECT_EQ(back.entry, std::optional<std::string>("main"));
  restored.value()->setMaxTicks(3);
  EXPECT_EQ(restored.value()->options().maxTicks, 3u);
}

TEST(State, MalformedStatesAreRefusedWithAnOffsetAndAReason) {
  auto program = loadText(generated(7), "gen7");
  auto r = Runner::create(program, optionsFor(3));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.value()->run().ok());
  const std::vector<uint8_t> good = r.value()->saveState().value();
  auto refuse = [&](std::vector<uint8_t> bytes, const std::string& why) {
    auto restored = Runner::restoreState(program, optionsFor(9), bytes);
    EXPECT_FALSE(restored.ok()) << why;
    if (!restored.ok()) {
      const std::string msg = restored.error().message();
      EXPECT_NE(msg.find("invalid state: "), std::string::npos) << msg;
    }
  };
  refuse({}, "empty");
  refuse(std::vector<uint8_t>(good.begin(), good.begin() + 20), "truncated header");
  std::vector<uint8_t> crc = good;
  crc.back() ^= 1;
  refuse(crc, "checksum");
  // Every truncation is refused, never a crash.
  for (size_t n = 0; n < good.size(); n += good.size() / 97 + 1)
    refuse(std::vector<uint8_t>(good.begin(), good.begin() + n), "truncated");
  // Mangled payloads with a valid checksum (the CRC fixed up): refused or,
  // when the change is harmless, accepted; never a crash.
  std::mt19937 rng(5);
  for (int i = 0; i < 300; ++i) {
    std::vector<uint8_t> bad = good;
    const size_t at = 28 + rng() % (bad.size() - 28);
    bad[at] = static_cast<uint8_t>(rng());
    // Recompute the CRC so that the payload's own checks are exercised.
    resealState(bad);
    auto restored = Runner::restoreState(program, optionsFor(9), bad);
    if (restored.ok()) (void)restored.value()->run();
  }
}

// Found by fuzz_state: a state whose fiber records repeat an id made the
// report's sort by id loop forever. Such a state is refused.
TEST(State, AStateWithTwoRecordsOfOneFiberIsRefused) {
  auto program = loadText(R"(
.spawn first_job
.spawn second_job
.spawn sleeper
.func first_job()
  push_const 1
  ret
.end
.func second_job()
  push_const 2
  ret
.end
.func sleeper()
again:
  yield
  jmp again
.end
)", "records");
  ASSERT_TRUE(program);
  auto r = Runner::create(program, optionsFor(2));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.value()->run().ok());
  RunReport report = r.value()->report();
  ASSERT_EQ(report.fibers.size(), 3u);
  const FiberId first = report.fibers[0].id, second = report.fibers[1].id,
                live = report.fibers[2].id;
  ASSERT_LT(live, 128u);  // one-byte varints below
  const std::vector<uint8_t> good = r.value()->saveState().value();
  ASSERT_TRUE(Runner::restoreState(program, optionsFor(4), good).ok());
  // A record is: id, name length, name, ...
  const std::string name = "second_job";
  std::vector<uint8_t> pattern{static_cast<uint8_t>(second),
                               static_cast<uint8_t>(name.size())};
  pattern.insert(pattern.end(), name.begin(), name.end());
  auto at = std::search(good.begin(), good.end(), pattern.begin(), pattern.end());
  ASSERT_NE(at, good.end());
  const size_t offset = static_cast<size_t>(at - good.begin());
  for (FiberId id : {first, live}) {
    std::vector<uint8_t> bad = good;
    bad[offset] = static_cast<uint8_t>(id);
    resealState(bad);
    auto restored = Runner::restoreState(program, optionsFor(4), bad);
    ASSERT_FALSE(restored.ok()) << "record id " << id;
    EXPECT_NE(restored.error().message().find("record"), std::string::npos)
        << restored.error().message();
  }
  // A record naming no function of the program, and one whose state does
  // not go with its values (a FAULT record with a result), are refused too.
  const size_t nameAt = offset + 2, stateAt = nameAt + name.size();
  ASSERT_EQ(good[stateAt], static_cast<uint8_t>(FiberState::Done));
  const std::pair<size_t, uint8_t> edits[] = {
      {nameAt + name.size() - 1, uint8_t('x')},
      {stateAt, static_cast<uint8_t>(FiberState::Fault)}};
  const char* reasons[] = {"names no function", "do not agree"};
  for (size_t k = 0; k < 2; ++k) {
    std::vector<uint8_t> bad = good;
    bad[edits[k].first] = edits[k].second;
    resealState(bad);
    auto restored = Runner::restoreState(program, optionsFor(4), bad);
    ASSERT_FALSE(restored.ok()) << reasons[k];
    EXPECT_NE(restored.error().message().find(reasons[k]), std::string::npos)
        << restored.error().message();
  }
}

// Two fibers awaiting built-in timers (due at ticks 101 and 102), saved
// after tick 1; the state restores as it is.
struct TwoSleepers {
  std::shared_ptr<const LoadedProgram> program;
  std::vector<FiberId> fibers;  // by id
  std::vector<uint8_t> state;
};
TwoSleepers twoSleepers() {
  TwoSleepers out;
  out.program = loadText(R"(
.spawn a
.spawn b
.func a()
  push_const 100
  host_call_args_async sleep 1
  await
  ret
.end
.func b()
  push_const 101
  host_call_args_async sleep 1
  await
  ret
.end
)", "sleepers");
  EXPECT_TRUE(out.program);
  if (!out.program) return out;
  auto r = Runner::create(out.program, optionsFor(1));
  EXPECT_TRUE(r.ok() && r.value()->run().ok());
  if (!r.ok()) return out;
  out.fibers = r.value()->runtime().fiberIds();
  out.state = r.value()->saveState().value();
  EXPECT_TRUE(Runner::restoreState(out.program, optionsFor(4), out.state).ok());
  return out;
}

// A state lists the built-in timers once each, in the order they were made;
// one listing them otherwise is refused.
TEST(State, TimersOutOfTheirOrderAreRefused) {
  const TwoSleepers saved = twoSleepers();
  ASSERT_FALSE(saved.state.empty());
  const auto& program = saved.program;
  const std::vector<uint8_t>& good = saved.state;
  // Timer: due, seq, handle, action, value pin, message (one-byte varints).
  const std::vector<uint8_t> timers{101, 0, 1, 0, 0, 0, 102, 1, 2, 0, 0, 0};
  auto at = std::search(good.begin(), good.end(), timers.begin(), timers.end());
  ASSERT_NE(at, good.end());
  std::vector<uint8_t> bad = good;
  bad[static_cast<size_t>(at - good.begin()) + 7] = 0;  // b's seq: a's
  resealState(bad);
  auto restored = Runner::restoreState(program, optionsFor(4), bad);
  ASSERT_FALSE(restored.ok());
  EXPECT_NE(restored.error().message().find("out of the order"), std::string::npos)
      << restored.error().message();
}

// Handles and the fibers awaiting them name each other; a state whose
// waiter lists disagree with the fibers (or name fiber 0) is refused.
TEST(State, HandleWaitersThatDoNotWaitAreRefused) {
  const TwoSleepers saved = twoSleepers();
  ASSERT_FALSE(saved.state.empty());
  const auto& program = saved.program;
  const std::vector<uint8_t>& good = saved.state;
  const std::vector<FiberId>& ids = saved.fibers;
  ASSERT_EQ(ids.size(), 2u);
  ASSERT_LT(ids[1], 128u);  // one-byte varints below
  // Handle record: id, state (pending), result (nil), waiter count, waiters.
  const uint8_t a = static_cast<uint8_t>(ids[0]), b = static_cast<uint8_t>(ids[1]);
  const std::vector<uint8_t> records{1, 0, 0, 1, a, 2, 0, 0, 1, b};
  auto at = std::search(good.begin(), good.end(), records.begin(), records.end());
  ASSERT_NE(at, good.end());
  const size_t waiterOfFirst = static_cast<size_t>(at - good.begin()) + 4;
  for (uint8_t waiter : {uint8_t(0), b}) {
    std::vector<uint8_t> bad = good;
    bad[waiterOfFirst] = waiter;
    resealState(bad);
    auto restored = Runner::restoreState(program, optionsFor(4), bad);
    ASSERT_FALSE(restored.ok()) << "waiter " << int(waiter);
    EXPECT_NE(restored.error().message().find("waiter"), std::string::npos)
        << restored.error().message();
  }
}

// An async host function of the embedder's with an operation in flight:
// saving needs a hook that owns the handle.
class Pending : public StateHook {
 public:
  std::vector<HandleId> handles;
  std::vector<HandleId> pendingHandles() const override { return handles; }
  void save(StateWriter& out) const override {
    out.u64(handles.size());
    for (HandleId h : handles) out.u64(h);
  }
  Status restore(StateReader& in, Runtime&) override {
    uint64_t n;
    if (!in.count(n, 1, "handle")) return Ok{};
    handles.clear();
    for (uint64_t i = 0; i < n; ++i) {
      uint32_t h;
      if (!in.u32(h, "handle")) return Ok{};
      handles.push_back(h);
    }
    return Ok{};
  }
};

TEST(State, PendingHandlesOfTheHostNeedAHook) {
  const char* text = ".func main()\n  host_call_args_async ask 0\n  await\n"
                     "  ret\n.end\n";
  auto program = loadText(text, "ask");
  HostRegistry hosts;
  Pending pending;
  ASSERT_TRUE(hosts.addAsync("ask", [&](HostCall&, HandleId h) {
                    pending.handles.push_back(h);
                  }).ok());
  auto rt = Runtime::create(program, hosts);
  ASSERT_TRUE(rt.ok());
  FiberId id = rt.value()->spawn("main").value();
  rt.value()->tick();
  ASSERT_EQ(pending.handles.size(), 1u);

  auto refused = rt.value()->saveState();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("handle 1 pending"),
            std::string::npos)
      << refused.error().message();

  StateHook* hooks[] = {&pending};
  auto saved = rt.value()->saveState(hooks);
  ASSERT_TRUE(saved.ok()) << saved.error().message();
  Pending restoredHook;
  StateHook* restoreHooks[] = {&restoredHook};
  auto back = Runtime::restoreState(program, hosts, saved.value(), restoreHooks);
  ASSERT_TRUE(back.ok()) << back.error().message();
  ASSERT_EQ(restoredHook.handles, pending.handles);
  ASSERT_TRUE(back.value()->resolveHandle(restoredHook.handles[0],
                                          Value::number(7))
                  .ok());
  back.value()->tick();
  EXPECT_EQ(toDisplayString(back.value()->fiber(id)->result), "7");
  // Without the hook, the restored state would hold a pending handle that
  // nothing settles: refused.
  auto orphan = Runtime::restoreState(program, hosts, saved.value());
  EXPECT_FALSE(orphan.ok());
}

// The same for a whole run: the embedder's hooks come after the run's own
// parts, when saving and restoring.
TEST(State, RunnersTakeTheHostsHooks) {
  const char* text = ".func main()\n  host_call_args_async ask 0\n  await\n"
                     "  ret\n.end\n";
  auto program = loadText(text, "ask");
  Pending pending;
  RunOptions o;
  o.maxTicks = 2;
  ASSERT_TRUE(o.hosts.addAsync("ask", [&](HostCall&, HandleId h) {
                     pending.handles.push_back(h);
                   }).ok());
  auto first = Runner::create(program, o);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first.value()->run().ok());
  EXPECT_FALSE(first.value()->saveState().ok());
  StateHook* hooks[] = {&pending};
  auto saved = first.value()->saveState(hooks);
  ASSERT_TRUE(saved.ok()) << saved.error().message();

  Pending restoredHook;
  StateHook* restoreHooks[] = {&restoredHook};
  RunOptions more = o;
  more.maxTicks = 4;
  more.onTick = [&](Runtime& rt, uint64_t tick) {
    if (tick != 3) return true;
    for (HandleId h : restoredHook.handles) {
      EXPECT_TRUE(rt.resolveHandle(h, Value::number(7)).ok());
    }
    return true;
  };
  auto back = Runner::restoreState(program, more, saved.value(), restoreHooks);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(restoredHook.handles, pending.handles);
  auto report = back.value()->run();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report.value().status, RunOutcome::Done);
  ASSERT_TRUE(report.value().result);
  EXPECT_EQ(toDisplayString(*report.value().result), "7");
  // Restoring without the hook leaves its part unread: refused.
  EXPECT_FALSE(Runner::restoreState(program, more, saved.value()).ok());
}

}  // namespace
}  // namespace brainvm::tools_test

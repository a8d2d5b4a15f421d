// A tiny "game" embedding brainvm: bots walk along a track towards food,
// each driven by the same brain. It shows the host API end to end:
// assembling and loading a program once, sharing it between runners,
// registering sync and async host functions, answering async requests from
// the game's own event queue in the per-tick callback, and reading results,
// faults and variables from the report.
#include <brainvm/assembler.h>
#include <brainvm/builtins.h>
#include <brainvm/loaded_program.h>
#include <brainvm/runner.h>

#include <cstdio>
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace {

// The brain: a rule that steps towards the food while it is ahead, and a
// scout fiber that asks the game (asynchronously) what lies ahead.
const char* kBrain = R"(
.var position 0
.var food 4

.rule think
.func think()
  when_start
  load_var position
  load_var food
  host_call_args lt 2           ; built-in: position < food
  when_end done
  do_start
  host_call_args step 0         ; ours (sync): move one step
  store_var position
  do_end
done:
  push_const nil
  ret
.end

.spawn scout
.func scout()
  push_const "north"
  host_call_args_async look 1   ; ours (async): answered by the event loop
  await
  dup
  host_call_args report 1       ; ours (sync): show it
  pop
  ret
.end
)";

// One entity of the game, with the state its host functions touch.
struct Bot {
  std::string name;
  int position = 0;
  struct Request {
    brainvm::HandleId handle;
    uint64_t dueTick;
    std::string direction;
  };
  std::deque<Request> pending;  // async requests the game answers later
};

}  // namespace

int main() {
  using namespace brainvm;

  // 1. Assemble (a shipped game would read a .bvm image with readImage)
  //    and load once: verified and linked, then shared by every bot.
  AssembleOptions opts;
  opts.fileName = "brain.bvasm";
  Result<Program> program = assemble(kBrain, opts);
  if (!program) {
    for (const Diagnostic& d : program.error().diagnostics)
      std::fprintf(stderr, "%s\n", formatDiagnosticWithCaret(d).c_str());
    return 65;
  }
  Result<std::shared_ptr<const LoadedProgram>> brain =
      LoadedProgram::load(std::move(program.value()));
  if (!brain) {
    std::fprintf(stderr, "%s\n", brain.error().message().c_str());
    return 65;
  }

  // 2. One runner per bot: the built-in library plus our own functions,
  //    limits suited to a game frame, and a per-tick callback that answers
  //    the bot's requests from the game's event queue.
  std::vector<Bot> bots{{"ada", 0, {}}, {"bo", 2, {}}};
  std::vector<std::unique_ptr<Runner>> runners;
  for (Bot& bot : bots) {
    RunOptions run;
    run.maxTicks = 8;
    run.seed = 7;
    run.runtime.defaultBudget = 500;
    run.runtime.maxHeapBytes = 8 << 20;
    (void)run.hosts.addSync("step", [&bot](HostCall&) {
      return Value::number(++bot.position);
    });
    (void)run.hosts.addSync("report", [&bot](HostCall& call) {
      if (!call.expectArgs(1, 1)) return Value();
      std::printf("%s's scout reports: %s\n", bot.name.c_str(),
                  toDisplayString(call.arg(0)).c_str());
      return Value();
    });
    (void)run.hosts.addAsync("look", [&bot](HostCall& call, HandleId handle) {
      std::optional<std::string_view> dir = call.string(0);
      if (!dir) return;  // the typed accessor already reported a HostError
      bot.pending.push_back({handle, call.runtime().currentTick() + 2,
                             std::string(*dir)});
    });
    run.setup = [&bot](Runtime& rt) {
      return rt.setShared("position", Value::number(bot.position));
    };
    run.onTick = [&bot](Runtime& rt, uint64_t tick) {
      while (!bot.pending.empty() && bot.pending.front().dueTick <= tick) {
        Bot::Request r = bot.pending.front();
        bot.pending.pop_front();
        (void)rt.resolveHandle(r.handle,
                               rt.newString("food to the " + r.direction));
      }
      return true;  // false would stop this bot's run here
    };
    Result<std::unique_ptr<Runner>> runner =
        Runner::create(brain.value(), std::move(run));
    if (!runner) {
      std::fprintf(stderr, "%s\n", runner.error().message().c_str());
      return 65;
    }
    runners.push_back(std::move(runner.value()));
  }

  // 3. The game loop: every bot's brain runs one tick per frame (rules are
  //    re-spawned, timers and the scheduler run inside step()).
  for (int frame = 1; frame <= 8; ++frame) {
    for (size_t i = 0; i < runners.size(); ++i) {
      Result<bool> more = runners[i]->step();
      if (!more) {
        std::fprintf(stderr, "%s\n", more.error().message().c_str());
        return 70;
      }
    }
    std::printf("frame %d: ada at %d, bo at %d\n", frame, bots[0].position,
                bots[1].position);
  }

  // 4. Results: faults, rules and variables from each bot's report.
  bool ok = true;
  for (size_t i = 0; i < runners.size(); ++i) {
    RunReport report = runners[i]->report();
    for (const FiberRecord& f : report.fibers)
      if (f.state == FiberState::Fault) {
        std::printf("%s: fiber %u faulted: %s\n", bots[i].name.c_str(), f.id,
                    toDisplayString(*f.error).c_str());
        ok = false;
      }
    std::printf("%s: rule %s ran %llu times and fired %llu\n",
                bots[i].name.c_str(), report.rules[0].function.c_str(),
                static_cast<unsigned long long>(report.rules[0].runs),
                static_cast<unsigned long long>(report.rules[0].fired));
    ok = ok && bots[i].position == 4;
  }
  return ok ? 0 : 1;
}

// A tiny "game" embedding brainvm: a bot walks along a track towards food.
// It shows the whole host API: assembling a program, registering sync and
// async host functions, creating a runtime, running rules tick by tick,
// settling async handles from the game's own event loop, and reading
// results, faults and variables.
#include <brainvm/assembler.h>
#include <brainvm/builtins.h>
#include <brainvm/runtime.h>

#include <cstdio>
#include <deque>
#include <string>

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

struct Game {
  int position = 0;
  uint64_t tick = 0;
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
  Game game;

  // 1. Assemble (a real game would load a .bvm image with readImage).
  AssembleOptions opts;
  opts.fileName = "brain.bvasm";
  Result<Program> program = assemble(kBrain, opts);
  if (!program) {
    for (const Diagnostic& d : program.error().diagnostics)
      std::fprintf(stderr, "%s\n", formatDiagnosticWithCaret(d).c_str());
    return 65;
  }

  // 2. Host functions: the built-in library plus our own.
  HostRegistry hosts;
  BuiltinHost builtins(/*seed=*/7);
  if (!builtins.registerInto(hosts)) return 1;
  (void)hosts.addSync("step", [&game](HostCall&) {
    return Value::number(++game.position);
  });
  (void)hosts.addSync("report", [](HostCall& call) {
    if (!call.expectArgs(1, 1)) return Value();
    std::printf("scout reports: %s\n", toDisplayString(call.arg(0)).c_str());
    return Value();
  });
  (void)hosts.addAsync("look", [&game](HostCall& call, HandleId handle) {
    std::optional<std::string_view> dir = call.string(0);
    if (!dir) return;  // the typed accessor already reported a HostError
    game.pending.push_back({handle, game.tick + 2, std::string(*dir)});
  });

  // 3. A runtime with limits suited to a game frame.
  RuntimeConfig config;
  config.defaultBudget = 500;
  config.maxHeapBytes = 8 << 20;
  Result<std::unique_ptr<Runtime>> created =
      Runtime::create(std::move(program.value()), hosts, config);
  if (!created) {
    std::fprintf(stderr, "%s\n", created.error().message().c_str());
    return 65;
  }
  Runtime& rt = *created.value();

  // 4. Start-up: the scout fiber and the rule.
  const Program& p = rt.program();
  for (uint32_t fn : p.spawns) (void)rt.spawn(fn);
  std::optional<FiberId> rule;

  // 5. The game loop.
  for (game.tick = 1; game.tick <= 8; ++game.tick) {
    rt.setClock(double(game.tick - 1) * 16.0, 16.0, game.tick);
    // Settle async requests that are due, from the game's own event queue.
    while (!game.pending.empty() && game.pending.front().dueTick <= game.tick) {
      Game::Request r = game.pending.front();
      game.pending.pop_front();
      (void)rt.resolveHandle(r.handle, rt.newString("food to the " + r.direction));
    }
    // Re-spawn the rule once its previous run has ended.
    if (!rule || !rt.fiber(*rule)) {
      Result<FiberId> id = rt.spawn(p.rules.front());
      if (id) {
        rule = id.value();
        rt.markRule(*rule);
      }
    }
    rt.tick();
    rt.collectEndedFibers([&](const FiberView& f) {
      if (f.state == FiberState::Fault)
        std::printf("fiber %u faulted: %s\n", f.id,
                    toDisplayString(f.error).c_str());
    });
    std::printf("tick %llu: position %s\n",
                static_cast<unsigned long long>(game.tick),
                toDisplayString(*rt.getShared("position")).c_str());
  }
  return game.position == 4 ? 0 : 1;
}

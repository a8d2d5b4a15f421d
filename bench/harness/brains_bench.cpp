// The `brains` benchmark: the way games use a brain VM. N entities each run
// the same brain (bench/brains.bvasm: three rules, each a *when* on a
// variable the host sets every tick and a *do* that updates variables and
// calls a sync host action), for T ticks, through the public API: one
// loaded program shared by every entity's Runner, the host setting
// `hunger` in the per-tick callback, a host function `act`. The Lua twin is
// bench/lua/brains.lua; both print the same checksum line.
//   brains_bench BRAINS.bvasm [ENTITIES [TICKS]]     (defaults 10000, 60)
// Prints "brains CHECKSUM" on stdout and, on stderr, one JSON line with the
// memory per entity: heap bytes (the VM's accounting) and RSS growth.
#include <brainvm/assembler.h>
#include <brainvm/loaded_program.h>
#include <brainvm/runner.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

using namespace brainvm;

namespace {

struct Entity {
  uint32_t index = 0;
  double actions = 0;
};

long rssKiB() {
  std::ifstream in("/proc/self/statm");
  long pages = 0, resident = 0;
  in >> pages >> resident;
  return resident * 4;  // 4 KiB pages
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: brains_bench BRAINS.bvasm [ENTITIES [TICKS]]\n");
    return 64;
  }
  std::ifstream file(argv[1]);
  std::stringstream text;
  text << file.rdbuf();
  const uint32_t count = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 10000;
  const uint64_t ticks = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 60;

  AssembleOptions ao;
  ao.fileName = argv[1];
  auto program = assemble(text.str(), ao);
  if (!program) {
    std::fprintf(stderr, "%s\n", program.error().message().c_str());
    return 65;
  }
  auto brain = LoadedProgram::load(std::move(program.value()));
  if (!brain) {
    std::fprintf(stderr, "%s\n", brain.error().message().c_str());
    return 65;
  }

  // Looked up once: the name lookup is not what a tick should pay for.
  std::optional<uint32_t> hungerIndex = brain.value()->findVariable("hunger");
  if (!hungerIndex) {
    std::fprintf(stderr, "the brain has no variable 'hunger'\n");
    return 65;
  }
  const SharedSlot hunger{*hungerIndex};

  const long rssBefore = rssKiB();
  std::vector<Entity> entities(count);
  std::vector<std::unique_ptr<Runner>> runners;
  runners.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    Entity& e = entities[i];
    e.index = i;
    RunOptions o;
    o.maxTicks = ticks;
    (void)o.hosts.addSync("act", [&e](HostCall& call) {
      e.actions += call.arg(0).asNumber();
      return Value();
    });
    o.onTick = [&e, hunger](Runtime& rt, uint64_t tick) {
      (void)rt.setShared(
          hunger, Value::number(double((uint64_t(e.index) * 7 + tick * 13) % 100)));
      return true;
    };
    auto runner = Runner::create(brain.value(), std::move(o));
    if (!runner) {
      std::fprintf(stderr, "%s\n", runner.error().message().c_str());
      return 65;
    }
    runners.push_back(std::move(runner.value()));
  }

  for (uint64_t t = 0; t < ticks; ++t)
    for (auto& r : runners) (void)r->step();

  double sum = 0;
  uint64_t heapBytes = 0;
  for (uint32_t i = 0; i < count; ++i) {
    Runtime& rt = runners[i]->runtime();
    sum += rt.getShared("energy")->asNumber() +
           rt.getShared("score")->asNumber() * 3 + entities[i].actions;
    heapBytes += rt.stats().heapBytes;
  }
  const long rssAfter = rssKiB();
  std::printf("brains %.0f\n", sum);
  std::fprintf(stderr,
               "{\"entities\": %u, \"ticks\": %llu, \"heap_bytes_per_entity\": "
               "%.1f, \"rss_bytes_per_entity\": %.1f}\n",
               count, static_cast<unsigned long long>(ticks),
               double(heapBytes) / count,
               double(rssAfter - rssBefore) * 1024.0 / count);
  return 0;
}

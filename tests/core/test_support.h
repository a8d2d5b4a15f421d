// Shared helpers for the core tests: a runtime with the built-in library
// (plus any test host functions) and a "run the entry to completion" helper.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "brainvm/builtins.h"
#include "brainvm/objects.h"
#include "brainvm/runtime.h"
#include "program_builder.h"

namespace brainvm::test {

// A runtime plus the built-in host state it was linked against.
struct Vm {
  explicit Vm(uint64_t seed = 0) : builtins(seed) {}
  BuiltinHost builtins;
  HostRegistry registry;
  std::unique_ptr<Runtime> rt;
  Runtime& operator*() { return *rt; }
  Runtime* operator->() { return rt.get(); }
};

// Builds a runtime for `p` with the built-ins registered, then `extra` (for
// test host functions). Fails the test (and returns a Vm without runtime)
// if loading or creation fails.
inline std::unique_ptr<Vm> makeVm(
    Program p, RuntimeConfig cfg = {},
    const std::function<void(HostRegistry&)>& extra = {}, uint64_t seed = 0,
    LoadOptions load = {}) {
  auto vm = std::make_unique<Vm>(seed);
  EXPECT_TRUE(vm->builtins.registerInto(vm->registry).ok());
  if (extra) extra(vm->registry);
  load.maxStackSize = cfg.maxStackSize;
  auto loaded = LoadedProgram::load(std::move(p), load);
  EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.error().message());
  if (!loaded.ok()) return vm;
  auto rt = Runtime::create(std::move(loaded.value()), vm->registry, cfg);
  EXPECT_TRUE(rt.ok()) << (rt.ok() ? "" : rt.error().message());
  if (rt.ok()) vm->rt = std::move(rt.value());
  return vm;
}

// Spawns function `fn` and ticks (settling built-in timers like the run
// loop) until the fiber is no longer live or `maxTicks` pass. Nothing is
// garbage collected, so the returned view's values stay valid while the Vm
// lives.
inline FiberView runFn(Vm& vm, const std::string& fn, uint32_t maxTicks = 100) {
  Runtime& rt = *vm.rt;
  auto id = rt.spawn(fn);
  EXPECT_TRUE(id.ok()) << (id.ok() ? "" : id.error().message());
  if (!id.ok()) return FiberView{};
  for (uint32_t t = 1; t <= maxTicks; ++t) {
    rt.setClock(double(t - 1) * 16, 16, t);
    vm.builtins.completeTimersDue(rt, t);
    rt.tick();
    auto v = rt.fiber(id.value());
    if (!v) break;
    if (v->state != FiberState::Runnable && v->state != FiberState::Waiting)
      return *v;
  }
  return rt.fiber(id.value()).value_or(FiberView{});
}

// A program's outcome when its "main" runs to completion.
struct Outcome {
  std::unique_ptr<Vm> vm;
  FiberView fiber;
  FiberState state() const { return fiber.state; }
  const Value& result() const { return fiber.result; }
  const Value& error() const { return fiber.error; }
};

inline Outcome runMain(ProgramBuilder& pb, RuntimeConfig cfg = {},
                       const std::function<void(HostRegistry&)>& extra = {}) {
  Outcome o;
  o.vm = makeVm(pb.build(), cfg, extra);
  if (o.vm->rt) o.fiber = runFn(*o.vm, "main");
  return o;
}

inline std::string show(const Value& v) { return toDisplayString(v); }

inline std::string errTag(const Value& v) {
  if (!v.isError()) return "<not an error: " + show(v) + ">";
  return std::string(errorTagName(v.asError()->tag()));
}
inline std::string errMsg(const Value& v) {
  if (!v.isError()) return "<not an error: " + show(v) + ">";
  return std::string(v.asError()->message()->view());
}
// "Tag: message", or a description of a non-error value.
inline std::string errStr(const Value& v) {
  return errTag(v) + ": " + errMsg(v);
}

}  // namespace brainvm::test

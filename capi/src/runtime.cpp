// Runtimes: creation with limits, built-ins and host functions; fibers,
// ticks, the clock and timers; handles; shared variables.
#include <cstddef>
#include <cstring>

#include "capi_internal.h"

using brainvm::Value;

namespace bvm {

namespace {

// The size of the first published bvm_runtime_config (without state_hook):
// callers built against it pass this struct_size and get defaults for any
// later fields.
constexpr size_t kRuntimeConfigV1Size =
    offsetof(bvm_runtime_config, state_hook);

bvm_status checkRuntime(const bvm_runtime* rt) {
  return rt && rt->rt ? BVM_OK : badArgument("runtime is NULL");
}

bvm_status noFiber(uint32_t fiber) {
  return badArgument("no fiber " + std::to_string(fiber));
}

}  // namespace

bvm_status readRuntimeConfig(const bvm_runtime_config* in,
                             bvm_runtime_config& out) {
  bvm_runtime_config_init(&out);
  if (!in) return BVM_OK;
  if (in->struct_size < kRuntimeConfigV1Size)
    return badArgument("bvm_runtime_config: struct_size too small");
  std::memcpy(&out, in, std::min(in->struct_size, sizeof out));
  out.struct_size = sizeof out;
  if (out.budget == 0 || out.max_fibers_per_tick == 0)
    return badArgument("budget and max_fibers_per_tick must be at least 1");
  if (const bvm_state_hook* h = out.state_hook) {
    if (h->struct_size < sizeof(bvm_state_hook))
      return badArgument("bvm_state_hook: struct_size too small");
    if (!h->save || !h->restore)
      return badArgument("bvm_state_hook: save and restore are both needed");
  }
  return BVM_OK;
}

bvm_status newRuntimeWrapper(const bvm_runtime_config& c,
                             const bvm_hosts* hosts, bool forRunner,
                             brainvm::HostRegistry& registry,
                             std::unique_ptr<bvm_runtime>& out) {
  auto w = std::make_unique<bvm_runtime>();
  w->ownedByRunner = forRunner;
  w->onPrint = c.on_print;
  w->printUser = c.print_user;
  if (c.state_hook) w->stateHook = *c.state_hook;
  if (c.builtins && !forRunner) {
    w->builtins = std::make_unique<brainvm::BuiltinHost>(c.seed);
    if (c.on_print) {
      bvm_runtime* self = w.get();
      w->builtins->setEcho([self](std::string_view line) {
        self->onPrint(line.data(), line.size(), self->printUser);
      });
    }
    if (brainvm::Status s = w->builtins->registerInto(registry); !s)
      return fail(s.error());
    w->builtinHost = w->builtins.get();
  }
  brainvm::HostRegistry own;
  bindHosts(hosts, w.get(), own);
  registry.merge(own);
  out = std::move(w);
  return BVM_OK;
}

brainvm::RuntimeConfig runtimeConfigFrom(const bvm_runtime_config& c) {
  brainvm::RuntimeConfig r;
  r.defaultBudget = c.budget;
  r.maxFibersPerTick = c.max_fibers_per_tick;
  r.maxFrameDepth = c.max_frame_depth;
  r.maxStackSize = c.max_stack_size;
  r.maxHandlers = c.max_handlers;
  r.maxFibers = c.max_fibers;
  r.maxHandles = c.max_handles;
  r.maxStringBytes = c.max_string_bytes;
  r.maxHeapBytes = c.max_heap_bytes;
  r.maxInstructions = c.max_instructions;
  return r;
}

bvm_fiber_state fiberStateOf(brainvm::FiberState s) {
  return static_cast<bvm_fiber_state>(s);  // same order
}

}  // namespace bvm

bvm_runtime::~bvm_runtime() {
  // The runtime goes first: the built-ins and host entries are its
  // functions' user data. Handles need no unpinning then.
  values.clear();
  owned.reset();
  builtins.reset();
}

using namespace bvm;

extern "C" {

BVM_API void bvm_runtime_config_init(bvm_runtime_config* c) {
  if (!c) return;
  const brainvm::RuntimeConfig d;
  *c = bvm_runtime_config{};
  c->struct_size = sizeof(bvm_runtime_config);
  c->budget = d.defaultBudget;
  c->max_fibers_per_tick = d.maxFibersPerTick;
  c->max_frame_depth = d.maxFrameDepth;
  c->max_stack_size = d.maxStackSize;
  c->max_handlers = d.maxHandlers;
  c->max_fibers = d.maxFibers;
  c->max_handles = d.maxHandles;
  c->max_string_bytes = d.maxStringBytes;
  c->max_heap_bytes = d.maxHeapBytes;
  c->max_instructions = d.maxInstructions;
  c->builtins = 1;
  c->seed = 0;
  c->on_print = nullptr;
  c->print_user = nullptr;
  c->state_hook = nullptr;
}

BVM_API bvm_status bvm_runtime_create(bvm_program* program,
                                      const bvm_hosts* hosts,
                                      const bvm_runtime_config* config,
                                      bvm_runtime** out) {
  return guard([&] {
    if (bvm_status s = checkOut(out)) return s;
    if (!program) return badArgument("program is NULL");
    bvm_runtime_config c;
    if (bvm_status s = readRuntimeConfig(config, c)) return s;
    auto loaded = loadedOf(program);
    if (!loaded) return fail(loaded.error());

    std::unique_ptr<bvm_runtime> w;
    brainvm::HostRegistry registry;
    if (bvm_status s = newRuntimeWrapper(c, hosts, false, registry, w))
      return s;
    auto created = brainvm::Runtime::create(std::move(loaded.value()), registry,
                                            runtimeConfigFrom(c));
    if (!created) return fail(created.error());
    w->owned = std::move(created.value());
    w->rt = w->owned.get();
    *out = w.release();
    return BVM_OK;
  });
}

BVM_API void bvm_runtime_free(bvm_runtime* rt) {
  if (!rt || rt->ownedByRunner) return;
  delete rt;
}

BVM_API const char* bvm_fiber_state_name(bvm_fiber_state state) {
  if (state < BVM_FIBER_RUNNABLE || state > BVM_FIBER_CANCELLED) return "?";
  return brainvm::fiberStateName(static_cast<brainvm::FiberState>(state))
      .data();
}

BVM_API bvm_status bvm_runtime_spawn(bvm_runtime* rt, const char* function,
                                     const bvm_value* args, size_t argc,
                                     uint32_t* fiber) {
  return guard([&] {
    if (bvm_status s = checkRuntime(rt)) return s;
    if (!function) return badArgument("function name is NULL");
    if (!args && argc) return badArgument("args is NULL");
    std::vector<Value> values(argc);
    for (size_t i = 0; i < argc; ++i)
      if (bvm_status s = valueOf(rt, args[i], values[i])) return s;
    auto r = rt->rt->spawn(std::string_view(function), values);
    if (!r) return fail(r.error());
    if (fiber) *fiber = r.value();
    return BVM_OK;
  });
}

BVM_API bvm_status bvm_runtime_tick(bvm_runtime* rt, uint32_t* slices) {
  return guard([&] {
    if (bvm_status s = checkRuntime(rt)) return s;
    if (bvm_status s = checkNotInCallback(rt, "bvm_runtime_tick")) return s;
    const uint32_t n = rt->rt->tick();
    if (slices) *slices = n;
    return BVM_OK;
  });
}

BVM_API bvm_status bvm_runtime_set_clock(bvm_runtime* rt, double time_ms,
                                         double dt_ms, uint64_t tick) {
  return guard([&] {
    if (bvm_status s = checkRuntime(rt)) return s;
    rt->rt->setClock(time_ms, dt_ms, tick);
    return BVM_OK;
  });
}

BVM_API bvm_status bvm_runtime_get_clock(const bvm_runtime* rt,
                                         double* time_ms, double* dt_ms,
                                         uint64_t* tick) {
  return guard([&] {
    if (bvm_status s = checkRuntime(rt)) return s;
    if (time_ms) *time_ms = rt->rt->timeMs();
    if (dt_ms) *dt_ms = rt->rt->dtMs();
    if (tick) *tick = rt->rt->currentTick();
    return BVM_OK;
  });
}

BVM_API bvm_status bvm_runtime_complete_timers(bvm_runtime* rt,
                                               uint64_t tick) {
  return guard([&] {
    if (bvm_status s = checkRuntime(rt)) return s;
    if (rt->builtinHost) rt->builtinHost->completeTimersDue(*rt->rt, tick);
    return BVM_OK;
  });
}

BVM_API int bvm_runtime_has_pending_timers(const bvm_runtime* rt) {
  return rt && rt->builtinHost && rt->builtinHost->hasPendingTimers() ? 1 : 0;
}

BVM_API uint32_t bvm_runtime_live_fibers(const bvm_runtime* rt) {
  return rt && rt->rt ? rt->rt->liveFibers() : 0;
}

BVM_API bvm_status bvm_runtime_cancel_fiber(bvm_runtime* rt, uint32_t fiber,
                                            int* cancelled) {
  return guard([&] {
    if (bvm_status s = checkRuntime(rt)) return s;
    const bool done = rt->rt->cancel(fiber);
    if (cancelled) *cancelled = done ? 1 : 0;
    return BVM_OK;
  });
}

BVM_API bvm_status bvm_runtime_fault_all(bvm_runtime* rt, bvm_error_tag tag,
                                         const char* message) {
  return guard([&] {
    if (bvm_status s = checkRuntime(rt)) return s;
    if (bvm_status s = checkNotInCallback(rt, "bvm_runtime_fault_all"))
      return s;
    brainvm::ErrorTag t;
    if (!tagFrom(tag, t)) return badArgument("unknown error tag");
    rt->rt->faultAll(t, message ? message : "");
    return BVM_OK;
  });
}

BVM_API bvm_status bvm_runtime_collect_garbage(bvm_runtime* rt) {
  return guard([&] {
    if (bvm_status s = checkRuntime(rt)) return s;
    rt->rt->collectGarbage();
    return BVM_OK;
  });
}

BVM_API bvm_status bvm_runtime_fiber_state(const bvm_runtime* rt,
                                           uint32_t fiber,
                                           bvm_fiber_state* out) {
  return guard([&] {
    if (bvm_status s = checkRuntime(rt)) return s;
    if (bvm_status s = checkOut(out)) return s;
    auto view = rt->rt->fiber(fiber);
    if (!view) return noFiber(fiber);
    *out = fiberStateOf(view->state);
    return BVM_OK;
  });
}

BVM_API bvm_status bvm_runtime_fiber_function(const bvm_runtime* rt,
                                              uint32_t fiber,
                                              const char** name) {
  return guard([&] {
    if (bvm_status s = checkRuntime(rt)) return s;
    if (bvm_status s = checkOut(name)) return s;
    auto view = rt->rt->fiber(fiber);
    if (!view) return noFiber(fiber);
    *name = rt->rt->program().functions[view->function].name.c_str();
    return BVM_OK;
  });
}

BVM_API bvm_status bvm_runtime_fiber_result(bvm_runtime* rt, uint32_t fiber,
                                            bvm_value* out) {
  return guard([&] {
    if (bvm_status s = checkRuntime(rt)) return s;
    auto view = rt->rt->fiber(fiber);
    if (!view) return noFiber(fiber);
    return give(rt,
                view->state == brainvm::FiberState::Done ? view->result
                                                         : Value(),
                out);
  });
}

BVM_API bvm_status bvm_runtime_fiber_error(bvm_runtime* rt, uint32_t fiber,
                                           bvm_value* out) {
  return guard([&] {
    if (bvm_status s = checkRuntime(rt)) return s;
    auto view = rt->rt->fiber(fiber);
    if (!view) return noFiber(fiber);
    const bool ended = view->state == brainvm::FiberState::Fault ||
                       view->state == brainvm::FiberState::Cancelled;
    return give(rt, ended ? view->error : Value(), out);
  });
}

BVM_API bvm_status bvm_runtime_collect_ended_fibers(bvm_runtime* rt,
                                                    bvm_fiber_fn fn,
                                                    void* user,
                                                    size_t* count) {
  return guard([&] {
    if (bvm_status s = checkRuntime(rt)) return s;
    if (bvm_status s =
            checkNotInCallback(rt, "bvm_runtime_collect_ended_fibers"))
      return s;
    // The fibers are forgotten first; their values stay intact until the
    // next collection, which only the host can start.
    std::vector<brainvm::FiberView> ended;
    rt->rt->collectEndedFibers(
        [&ended](const brainvm::FiberView& v) { ended.push_back(v); });
    if (count) *count = ended.size();
    if (!fn) return BVM_OK;
    const auto& functions = rt->rt->program().functions;
    for (const brainvm::FiberView& v : ended) {
      CallbackScope scope(rt);
      bvm_fiber_info info{};
      info.id = v.id;
      info.state = fiberStateOf(v.state);
      info.function = functions[v.function].name.c_str();
      info.is_rule = v.isRule ? 1 : 0;
      if (v.state == brainvm::FiberState::Done)
        give(rt, v.result, &info.result);
      else if (v.state != brainvm::FiberState::Runnable &&
               v.state != brainvm::FiberState::Waiting)
        give(rt, v.error, &info.error);
      fn(rt, &info, user);
    }
    return BVM_OK;
  });
}

// --- handles ---

BVM_API bvm_status bvm_runtime_resolve(bvm_runtime* rt, uint32_t handle,
                                       bvm_value value) {
  return guard([&] {
    Value v;
    if (bvm_status s = valueOf(rt, value, v)) return s;
    brainvm::Status st = rt->rt->resolveHandle(handle, v);
    return st ? BVM_OK : fail(st.error());
  });
}

BVM_API bvm_status bvm_runtime_reject(bvm_runtime* rt, uint32_t handle,
                                      bvm_error_tag tag, const char* message) {
  return guard([&] {
    if (bvm_status s = checkRuntime(rt)) return s;
    brainvm::ErrorTag t;
    if (!tagFrom(tag, t)) return badArgument("unknown error tag");
    brainvm::Status st =
        rt->rt->rejectHandle(handle, t, message ? message : "");
    return st ? BVM_OK : fail(st.error());
  });
}

BVM_API bvm_status bvm_runtime_reject_with(bvm_runtime* rt, uint32_t handle,
                                           bvm_value error) {
  return guard([&] {
    Value v;
    if (bvm_status s = valueOf(rt, error, v)) return s;
    brainvm::Status st = rt->rt->rejectHandleWith(handle, v);
    return st ? BVM_OK : fail(st.error());
  });
}

BVM_API bvm_status bvm_runtime_cancel(bvm_runtime* rt, uint32_t handle,
                                      const char* message) {
  return guard([&] {
    if (bvm_status s = checkRuntime(rt)) return s;
    brainvm::Status st =
        rt->rt->cancelHandle(handle, message ? message : "Cancelled");
    return st ? BVM_OK : fail(st.error());
  });
}

BVM_API bvm_status bvm_runtime_handle_state(const bvm_runtime* rt,
                                            uint32_t handle,
                                            bvm_handle_state* out) {
  return guard([&] {
    if (bvm_status s = checkRuntime(rt)) return s;
    if (bvm_status s = checkOut(out)) return s;
    auto state = rt->rt->handleState(handle);
    if (!state) return badArgument("no handle " + std::to_string(handle));
    *out = static_cast<bvm_handle_state>(*state);  // same order
    return BVM_OK;
  });
}

// --- shared variables ---

BVM_API bvm_status bvm_runtime_get_var(bvm_runtime* rt, const char* name,
                                       bvm_value* out, int* found) {
  return guard([&] {
    if (bvm_status s = checkRuntime(rt)) return s;
    if (bvm_status s = checkOut(out)) return s;
    if (!name) return badArgument("variable name is NULL");
    std::optional<Value> v = rt->rt->getShared(name);
    if (found) *found = v ? 1 : 0;
    return give(rt, v ? *v : Value(), out);
  });
}

BVM_API bvm_status bvm_runtime_set_var(bvm_runtime* rt, const char* name,
                                       bvm_value value) {
  return guard([&] {
    Value v;
    if (bvm_status s = valueOf(rt, value, v)) return s;
    if (!name || !*name) return badArgument("variable name is empty");
    brainvm::Status st = rt->rt->setShared(name, v);
    return st ? BVM_OK : fail(st.error());
  });
}

BVM_API bvm_status bvm_runtime_each_var(bvm_runtime* rt, bvm_var_fn fn,
                                        void* user) {
  return guard([&] {
    if (bvm_status s = checkRuntime(rt)) return s;
    if (!fn) return badArgument("callback is NULL");
    // A snapshot: the callback may set variables.
    auto vars = rt->rt->sharedVariables();
    for (const auto& [name, value] : vars) {
      CallbackScope scope(rt);
      bvm_value h = BVM_NIL;
      if (bvm_status s = give(rt, value, &h)) return s;
      if (!fn(rt, name.c_str(), name.size(), h, user)) break;
    }
    return BVM_OK;
  });
}

BVM_API size_t bvm_runtime_output_count(const bvm_runtime* rt) {
  return rt && rt->builtinHost ? rt->builtinHost->output().size() : 0;
}

BVM_API const char* bvm_runtime_output_line(const bvm_runtime* rt, size_t i,
                                            size_t* length) {
  if (!rt || !rt->builtinHost) return nullptr;
  const auto& out = rt->builtinHost->output();
  if (i >= out.size()) return nullptr;
  if (length) *length = out[i].size();
  return out[i].c_str();
}

BVM_API bvm_status bvm_runtime_stats(const bvm_runtime* rt, bvm_stats* out) {
  return guard([&] {
    if (bvm_status s = checkRuntime(rt)) return s;
    if (bvm_status s = checkOut(out)) return s;
    if (out->struct_size < sizeof(bvm_stats))
      return badArgument("bvm_stats: struct_size too small");
    const brainvm::RuntimeStats st = rt->rt->stats();
    *out = bvm_stats{sizeof(bvm_stats), st.instructions,   st.slices,
                     st.handlesCreated,  st.liveFibers,     st.runnableFibers,
                     st.waitingFibers,   st.pendingHandles, st.heapBytes};
    return BVM_OK;
  });
}

}  // extern "C"

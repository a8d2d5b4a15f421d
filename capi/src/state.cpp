// Saved states of runtimes: saving (with the host's hook and without the
// value handles' pins) and restoring into a new runtime.
#include "capi_internal.h"

namespace bvm {

bvm_status saveState(bvm_runtime* w, const SaveFn& save, uint8_t** bytes,
                     size_t* length) {
  if (bvm_status s = checkOut(bytes)) return s;
  if (bvm_status s = checkNotInCallback(w, "saving a state")) return s;
  std::optional<HostStateHook> hook;
  std::vector<brainvm::StateHook*> hooks;
  if (w->stateHook) {
    hook.emplace(*w->stateHook);
    if (bvm_status s = hook->collect(w)) return s;
    hooks.push_back(&*hook);
  }
  // Value handles are not part of a state: saved as if released.
  auto saved = w->values.whileUnpinned(*w->rt, [&] { return save(hooks); });
  if (!saved) return fail(saved.error());
  const std::vector<uint8_t>& v = saved.value();
  return giveBuffer(
      std::string_view(reinterpret_cast<const char*>(v.data()), v.size()),
      reinterpret_cast<char**>(bytes), length);
}

bvm_status restoreFailed(const brainvm::Error& error) {
  // Arguments are checked before restoring: what the library refuses as an
  // argument is the state.
  return error.code == brainvm::ErrorCode::InvalidArgument
             ? fail(BVM_ERR_INVALID_STATE, error)
             : fail(error);
}

bvm_status checkStateBytes(const uint8_t* bytes, size_t length) {
  return bytes || !length ? BVM_OK : badArgument("state bytes are NULL");
}

}  // namespace bvm

using namespace bvm;

extern "C" {

BVM_API bvm_status bvm_runtime_save_state(bvm_runtime* rt, uint8_t** bytes,
                                          size_t* length) {
  return guard([&] {
    if (!rt || !rt->rt) return badArgument("runtime is NULL");
    if (rt->ownedByRunner)
      return badArgument(
          "this runtime belongs to a runner: save the run with "
          "bvm_runner_save_state");
    brainvm::BuiltinHost* builtins = rt->builtinHost;
    return saveState(
        rt,
        [&](std::span<brainvm::StateHook* const> extra) {
          std::vector<brainvm::StateHook*> hooks;
          if (builtins) hooks.push_back(builtins);
          hooks.insert(hooks.end(), extra.begin(), extra.end());
          return rt->rt->saveState(hooks);
        },
        bytes, length);
  });
}

BVM_API bvm_status bvm_runtime_restore_state(bvm_program* program,
                                             const bvm_hosts* hosts,
                                             const bvm_runtime_config* config,
                                             const uint8_t* bytes,
                                             size_t length, bvm_runtime** out) {
  return guard([&] {
    if (bvm_status s = checkOut(out)) return s;
    if (!program) return badArgument("program is NULL");
    if (bvm_status s = checkStateBytes(bytes, length)) return s;
    bvm_runtime_config c;
    if (bvm_status s = readRuntimeConfig(config, c)) return s;
    auto loaded = loadedOf(program);
    if (!loaded) return fail(loaded.error());

    std::unique_ptr<bvm_runtime> w;
    brainvm::HostRegistry registry;
    if (bvm_status s = newRuntimeWrapper(c, hosts, false, registry, w))
      return s;
    std::optional<HostStateHook> hook;
    std::vector<brainvm::StateHook*> hooks;
    if (w->builtinHost) hooks.push_back(w->builtinHost);
    if (w->stateHook) hooks.push_back(&hook.emplace(*w->stateHook));
    auto restored = brainvm::Runtime::restoreState(
        std::move(loaded.value()), registry, std::span(bytes, length), hooks);
    if (!restored) return restoreFailed(restored.error());
    w->owned = std::move(restored.value());
    w->rt = w->owned.get();
    if (hook)
      if (bvm_status s = hook->deliver(w.get())) return s;
    *out = w.release();
    return BVM_OK;
  });
}

}  // extern "C"

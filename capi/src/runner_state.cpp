// Saved states of whole runs: a runner saved with its runtime, the built-in
// library's part and its own, and restored into a new runner that goes on.
#include "capi_internal.h"

using namespace bvm;

extern "C" {

BVM_API bvm_status bvm_runner_save_state(bvm_runner* runner, uint8_t** bytes,
                                         size_t* length) {
  return guard([&] {
    if (!runner || !runner->core || !runner->core->runner)
      return badArgument("runner is NULL");
    brainvm::Runner& r = *runner->core->runner;
    return saveState(
        runner->core->wrapper.get(),
        [&](std::span<brainvm::StateHook* const> extra) {
          return r.saveState(extra);
        },
        bytes, length);
  });
}

BVM_API bvm_status bvm_runner_restore_state(bvm_program* program,
                                            const bvm_hosts* hosts,
                                            const bvm_runtime_config* config,
                                            const bvm_run_options* options,
                                            const uint8_t* bytes, size_t length,
                                            bvm_runner** out) {
  return guard([&] {
    if (bvm_status s = checkOut(out)) return s;
    if (!program) return badArgument("program is NULL");
    if (bvm_status s = checkStateBytes(bytes, length)) return s;
    bvm_runtime_config c;
    if (bvm_status s = readRuntimeConfig(config, c)) return s;
    bvm_run_options o;
    if (bvm_status s = readRunOptions(options, o)) return s;
    auto loaded = loadedOf(program);
    if (!loaded) return fail(loaded.error());

    std::shared_ptr<RunnerCore> core;
    brainvm::RunOptions run;
    if (bvm_status s = newRunnerCore(c, o, hosts, run, core)) return s;
    std::optional<HostStateHook> hook;
    std::vector<brainvm::StateHook*> hooks;
    if (core->wrapper->stateHook)
      hooks.push_back(&hook.emplace(*core->wrapper->stateHook));
    auto restored =
        brainvm::Runner::restoreState(std::move(loaded.value()), std::move(run),
                                      std::span(bytes, length), hooks);
    if (!restored) return restoreFailed(restored.error());
    std::unique_ptr<bvm_runner> r(
        wrapRunner(core, std::move(restored.value())));
    if (hook)
      if (bvm_status s = hook->deliver(core->wrapper.get())) return s;
    *out = r.release();
    return BVM_OK;
  });
}

}  // extern "C"

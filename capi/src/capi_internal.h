// What the C API's objects are on the C++ side, and the helpers every entry
// point uses: the exception barrier, the thread's last error and the value
// handle table. Private to capi/src.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "brainvm.h"
#include "brainvm/builtins.h"
#include "brainvm/loaded_program.h"
#include "brainvm/program.h"
#include "brainvm/result.h"
#include "brainvm/runner.h"
#include "brainvm/runtime.h"
#include "brainvm/state.h"
#include "value_table.h"

struct RunnerCore;  // below

namespace bvm {

// --- errors (errors.cpp) ---

// Records a failure as the thread's last error and returns its code.
bvm_status fail(bvm_status code, std::string message);
bvm_status fail(const brainvm::Error& error);
// The error's diagnostics under another code.
bvm_status fail(bvm_status code, const brainvm::Error& error);
bvm_status statusFor(brainvm::ErrorCode code);
// The thread's last error's messages, without locations, joined by "; "
// (for host functions that fail without saying why).
std::string lastPlainMessage();
// Counts the failures recorded on this thread: tells whether a callback
// failed a call since a given moment.
uint64_t failureCount();

// Live library objects (bvm_debug_live_objects).
extern std::atomic<uint64_t> liveObjects;
// Counts one live object of a type for as long as it exists.
struct Counted {
  Counted() { liveObjects.fetch_add(1, std::memory_order_relaxed); }
  Counted(const Counted&) : Counted() {}
  ~Counted() { liveObjects.fetch_sub(1, std::memory_order_relaxed); }
};

// Runs f, turning any exception into a status: nothing thrown inside the
// library crosses the C boundary.
template <class F>
bvm_status guard(F&& f) noexcept {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return fail(BVM_ERR_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    return fail(BVM_ERR_INTERNAL, std::string("internal error: ") + e.what());
  } catch (...) {
    return fail(BVM_ERR_INTERNAL, "internal error");
  }
}

inline bvm_status badArgument(std::string message) {
  return fail(BVM_ERR_INVALID_ARGUMENT, std::move(message));
}

// Copies a string into a buffer the caller frees with bvm_free.
bvm_status giveBuffer(std::string_view bytes, char** out, size_t* length);

// --- values (values.cpp) ---

// A handle to v for the caller (BVM_NIL for nil; local inside a callback).
bvm_status give(bvm_runtime* rt, const brainvm::Value& v, bvm_value* out);
// The value behind a handle; BVM_ERR_INVALID_ARGUMENT for a dead one.
bvm_status valueOf(const bvm_runtime* rt, bvm_value h, brainvm::Value& out);

// --- conversions between the C enums and the library's ---

bvm_kind kindOf(const brainvm::Value& v);
bool tagFrom(bvm_error_tag tag, brainvm::ErrorTag& out);
bvm_fiber_state fiberStateOf(brainvm::FiberState s);

// One registered C function: what the trampolines in hosts.cpp receive as
// their user data once bound to a runtime.
struct HostEntry {
  bvm_runtime* rt = nullptr;  // set once bound to a runtime
  std::string name;
  bool async = false;
  bvm_sync_fn sync = nullptr;
  bvm_async_fn asyncFn = nullptr;
  void* user = nullptr;
};

// Binds a host set's C functions to `rt` (hosts.cpp): registers a trampoline
// for each in `registry`.
void bindHosts(const bvm_hosts* hosts, bvm_runtime* rt,
               brainvm::HostRegistry& registry);

// While alive, the runtime is inside a callback: handles made meanwhile are
// released at the end, and re-entering tick/step is refused.
class CallbackScope {
 public:
  explicit CallbackScope(bvm_runtime* rt);
  ~CallbackScope();
  CallbackScope(const CallbackScope&) = delete;
  CallbackScope& operator=(const CallbackScope&) = delete;

 private:
  bvm_runtime* rt_;
  size_t mark_;
};

// Checks and messages shared by the entry points.
bvm_status checkOut(const void* out);
// Fails when a tick-running call is made from inside a callback.
bvm_status checkNotInCallback(const bvm_runtime* rt, const char* what);

// Verifies the program if it is not yet (thread-safe) and returns it.
brainvm::Result<std::shared_ptr<const brainvm::LoadedProgram>> loadedOf(
    bvm_program* program);

brainvm::RuntimeConfig runtimeConfigFrom(const bvm_runtime_config& c);
// A copy of the caller's config with the defaults for fields its
// struct_size does not cover; fails when struct_size is too small, and
// checks the state hook it points to.
bvm_status readRuntimeConfig(const bvm_runtime_config* in,
                             bvm_runtime_config& out);
// A runtime wrapper for config `c` (runtime.cpp): the built-in library
// (echoing to c.on_print) and the C host functions registered in
// `registry`, the state hook copied. `forRunner`: the runner makes its own
// built-ins.
bvm_status newRuntimeWrapper(const bvm_runtime_config& c,
                             const bvm_hosts* hosts, bool forRunner,
                             brainvm::HostRegistry& registry,
                             std::unique_ptr<bvm_runtime>& out);

// The caller's run options with defaults as for readRuntimeConfig
// (runner.cpp).
bvm_status readRunOptions(const bvm_run_options* in, bvm_run_options& out);
// A runner's core before its Runner exists: the runtime wrapper, and `run`
// filled from the config and options (host functions, echo, on_tick).
bvm_status newRunnerCore(const bvm_runtime_config& c, const bvm_run_options& o,
                         const bvm_hosts* hosts, brainvm::RunOptions& run,
                         std::shared_ptr<RunnerCore>& out);
// The bvm_runner of a core and its Runner.
bvm_runner* wrapRunner(std::shared_ptr<RunnerCore> core,
                       std::unique_ptr<brainvm::Runner> runner);

// --- saved states (state.cpp, state_hook.cpp, runner_state.cpp) ---

// The C host's part of a state (bvm_state_hook): the handles it claims and
// its bytes, behind a marker.
class HostStateHook final : public brainvm::StateHook {
 public:
  explicit HostStateHook(const bvm_state_hook& hook) : hook_(hook) {}
  // Saving: asks the host for its claims and bytes, before the runtime
  // saves (the runtime is not const for the host's callback).
  bvm_status collect(bvm_runtime* rt);
  // Restoring: hands the bytes read back to the host once the runtime (or
  // runner) is complete.
  bvm_status deliver(bvm_runtime* rt);

  std::vector<brainvm::HandleId> pendingHandles() const override {
    return claimed_;
  }
  void save(brainvm::StateWriter& out) const override;
  brainvm::Status restore(brainvm::StateReader& in,
                          brainvm::Runtime& runtime) override;

 private:
  bvm_state_hook hook_;
  std::vector<brainvm::HandleId> claimed_;
  std::string bytes_;
};

// Saves with the runtime's value handles unpinned (state.cpp): `save` is
// the runtime's or the runner's saveState with these hooks.
using SaveFn = std::function<brainvm::Result<std::vector<uint8_t>>(
    std::span<brainvm::StateHook* const>)>;
bvm_status saveState(bvm_runtime* w, const SaveFn& save, uint8_t** bytes,
                     size_t* length);
// A failed restore: a state the library refused is BVM_ERR_INVALID_STATE.
bvm_status restoreFailed(const brainvm::Error& error);
// Checks restore's bytes (NULL with a length is a bad argument).
bvm_status checkStateBytes(const uint8_t* bytes, size_t length);

}  // namespace bvm

struct bvm_program : bvm::Counted {
  mutable std::mutex mutex;  // guards the verification
  std::string name;          // file name for diagnostics
  // The program as read; never changed, so that names handed out stay
  // valid. Verification loads a copy into `loaded`.
  std::optional<brainvm::Program> raw;
  std::shared_ptr<const brainvm::LoadedProgram> loaded;

  const brainvm::Program& program() const { return *raw; }
};

struct bvm_hosts : bvm::Counted {
  std::vector<bvm::HostEntry> entries;
};

struct bvm_runtime : bvm::Counted {
  // The runtime itself: `owned`, or a runner's.
  brainvm::Runtime* rt = nullptr;
  std::unique_ptr<brainvm::Runtime> owned;
  // Built-in library state of a runtime made with bvm_runtime_create (a
  // runner keeps its own).
  std::unique_ptr<brainvm::BuiltinHost> builtins;
  brainvm::BuiltinHost* builtinHost = nullptr;  // either of them, or null
  bool ownedByRunner = false;
  // Host functions bound to this runtime (the trampolines' user data).
  std::vector<std::unique_ptr<bvm::HostEntry>> hostEntries;
  bvm::ValueTable values;
  int callbackDepth = 0;
  bvm_print_fn onPrint = nullptr;
  void* printUser = nullptr;
  std::optional<bvm_state_hook> stateHook;  // saved with every state

  ~bvm_runtime();
};

// A runner and its runtime's wrapper, shared with the reports taken from it
// so that their values stay readable after bvm_runner_free.
struct RunnerCore {
  std::unique_ptr<bvm_runtime> wrapper;  // destroyed after the runner
  std::unique_ptr<brainvm::Runner> runner;
  bvm_tick_fn onTick = nullptr;
  void* tickUser = nullptr;
  ~RunnerCore();
};

struct bvm_runner : bvm::Counted {
  std::shared_ptr<RunnerCore> core;
};

struct bvm_report : bvm::Counted {
  std::shared_ptr<RunnerCore> core;
  brainvm::RunReport report;
  std::vector<bvm_fiber_info> fibers;
  std::vector<bvm_rule_info> rules;
  std::vector<bvm_value> variables;  // handles, parallel to report.variables
  std::optional<bvm_value> result;
  ~bvm_report();
};

struct bvm_call {
  brainvm::HostCall* call;
  bvm_runtime* rt;
  const bvm::HostEntry* entry;
  std::optional<brainvm::Value> result;
};

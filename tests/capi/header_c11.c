/* brainvm.h compiled as strict C11 (-std=c11 -Wall -Wextra -Werror
 * -pedantic): every type and callback of the header is used once, and the
 * library linked must be the header's version. */
#include <brainvm.h>
#include <stdio.h>
#include <string.h>

static bvm_status sync_fn(bvm_call* call, void* user) {
  (void)user;
  return bvm_call_return(call, BVM_NIL);
}

static void async_fn(bvm_call* call, uint32_t handle, void* user) {
  (void)user;
  (void)bvm_runtime_resolve(bvm_call_runtime(call), handle, BVM_NIL);
}

static void print_fn(const char* line, size_t length, void* user) {
  (void)line;
  (void)length;
  (void)user;
}

static int tick_fn(bvm_runtime* rt, uint64_t tick, void* user) {
  (void)rt;
  (void)user;
  return tick < 10;
}

static void fiber_fn(bvm_runtime* rt, const bvm_fiber_info* fiber, void* user) {
  (void)rt;
  (void)fiber;
  (void)user;
}

static int var_fn(bvm_runtime* rt, const char* name, size_t length,
                  bvm_value value, void* user) {
  (void)rt;
  (void)name;
  (void)length;
  (void)value;
  (void)user;
  return 1;
}

static bvm_status state_save_fn(bvm_runtime* rt, bvm_state_out* out,
                                void* user) {
  (void)rt;
  (void)user;
  return bvm_state_write(out, "", 0);
}

static bvm_status state_restore_fn(bvm_runtime* rt, const uint8_t* bytes,
                                   size_t length, void* user) {
  (void)rt;
  (void)bytes;
  (void)length;
  (void)user;
  return BVM_OK;
}

int main(void) {
  bvm_sync_fn s = sync_fn;
  bvm_async_fn a = async_fn;
  bvm_print_fn p = print_fn;
  bvm_tick_fn t = tick_fn;
  bvm_fiber_fn f = fiber_fn;
  bvm_var_fn v = var_fn;
  bvm_runtime_config config;
  bvm_run_options options;
  bvm_verify_options verify;
  bvm_stats stats;
  bvm_diagnostic diagnostic;
  bvm_rule_info rule;
  bvm_fiber_info fiber;
  bvm_kind kind = BVM_KIND_NIL;
  bvm_error_tag tag = BVM_TAG_HOST_ERROR;
  bvm_fiber_state state = BVM_FIBER_DONE;
  bvm_handle_state handle = BVM_HANDLE_PENDING;
  bvm_run_status run = BVM_RUN_DONE;
  bvm_value value = BVM_NIL;
  bvm_state_hook hook;
  bvm_status status = BVM_ERR_INVALID_STATE;

  bvm_runtime_config_init(&config);
  bvm_run_options_init(&options);
  bvm_verify_options_init(&verify);
  config.on_print = p;
  hook.struct_size = sizeof hook;
  hook.save = state_save_fn;
  hook.restore = state_restore_fn;
  hook.user = NULL;
  config.state_hook = &hook;
  options.on_tick = t;
  memset(&stats, 0, sizeof stats);
  memset(&diagnostic, 0, sizeof diagnostic);
  memset(&rule, 0, sizeof rule);
  memset(&fiber, 0, sizeof fiber);
  (void)s;
  (void)a;
  (void)f;
  (void)v;
  (void)handle;
  (void)value;
  printf("brainvm %s: %s %s %s %s %s\n", bvm_version(), bvm_kind_name(kind),
         bvm_error_tag_name(tag), bvm_fiber_state_name(state),
         bvm_run_status_name(run), bvm_status_name(status));
  return strcmp(bvm_version(), "0.1.0") == 0 &&
                 bvm_version_number() ==
                     BVM_VERSION_MAJOR * 10000 + BVM_VERSION_MINOR * 100 +
                         BVM_VERSION_PATCH
             ? 0
             : 1;
}

/* brainvm.h — the C API of brainvm (C11; docs/c-api.md).
 *
 * One header, one shared library (libbrainvm_c, CMake target brainvm::c),
 * every name prefixed `bvm_` / `BVM_`. No C++ type crosses this boundary and
 * nothing thrown or aborted inside the library reaches the caller: every
 * failure is a bvm_status.
 *
 * Objects (all opaque, created and freed by the library):
 *   bvm_program  a program: assembled text or a read image, verified once,
 *                then immutable and shareable by any number of runtimes.
 *   bvm_hosts    a set of host functions (C callbacks with a user pointer).
 *   bvm_runtime  one running program: heap, fibers, scheduler, handles,
 *                shared variables. Driven tick by tick by the host.
 *   bvm_runner   the run loop of `brainvm run` around a runtime: start-up,
 *                ticks, rules, timers, limits, and the JSON report.
 *   bvm_report   what a runner reports: fibers, rules, variables, output.
 *   bvm_value    a handle to a value of one runtime (see "Values").
 *
 * ERRORS. Functions return BVM_OK or an error code. On failure the calling
 * thread's *last error* holds the code, a message and located diagnostics
 * (file, line, column, message); read them with bvm_last_error_*(). The
 * strings and structs they return are owned by the library and stay valid
 * until the next failing call on the same thread (or bvm_clear_error()):
 * calls that succeed, and the bvm_last_error_*() readers, leave the last
 * error alone.
 *
 * THREADS. The library keeps no global state except the per-thread last
 * error and a debug counter. A bvm_program may be used by several threads at
 * once. A runtime (and its runner, reports and values) must be used by one
 * thread at a time.
 *
 * STRINGS passed in are UTF-8 with an explicit length where the name says so
 * (`text, length`), otherwise NUL-terminated. Buffers the library allocates
 * for the caller (disassembly, images, JSON) are freed with bvm_free().
 *
 * SAVED STATES (see "Saved states" below) turn a runtime or a runner into
 * bytes and back into a new object. Value handles are not part of a state:
 * they belong to the runtime object that made them.
 */
#ifndef BRAINVM_H
#define BRAINVM_H

#include <stddef.h>
#include <stdint.h>

#if defined(BVM_BUILDING_LIBRARY)
#define BVM_API __attribute__((visibility("default")))
#else
#define BVM_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Enumerations are int-sized. In C++ they get int as their fixed underlying
 * type, so that a value outside the listed ones (from a caller's bug) is
 * still a valid value the library can refuse. */
#ifdef __cplusplus
#define BVM_ENUM(name) enum name : int
#else
#define BVM_ENUM(name) enum name
#endif

/* ---------------------------------------------------------------- version */

#define BVM_VERSION_MAJOR 0
#define BVM_VERSION_MINOR 1
#define BVM_VERSION_PATCH 0

/* "0.1.0": the library's version (static storage). */
BVM_API const char* bvm_version(void);
/* major * 10000 + minor * 100 + patch, to compare with the header's
 * BVM_VERSION_* when the library is loaded dynamically. */
BVM_API uint32_t bvm_version_number(void);

/* ----------------------------------------------------------------- errors */

typedef BVM_ENUM(bvm_status) {
  BVM_OK = 0,
  BVM_ERR_ASSEMBLY = 1,         /* .bvasm text is invalid */
  BVM_ERR_INVALID_IMAGE = 2,    /* image bytes are malformed */
  BVM_ERR_VERIFY = 3,           /* the verifier rejected the program */
  BVM_ERR_LINK = 4,             /* host imports missing or of the wrong kind */
  BVM_ERR_INVALID_ARGUMENT = 5, /* a bad argument, handle, kind or index */
  BVM_ERR_LIMIT = 6,            /* a configured limit (memory cap, fibers...) */
  BVM_ERR_IO = 7,               /* a file could not be read */
  BVM_ERR_OUT_OF_MEMORY = 8,    /* the process ran out of memory */
  BVM_ERR_HOST = 9,             /* a host function failed (bvm_call_fail) */
  BVM_ERR_INTERNAL = 10,        /* an unexpected failure inside the library */
  BVM_ERR_INVALID_STATE = 11    /* saved-state bytes are malformed, damaged
                                   or of another program */
} bvm_status;

/* "BVM_OK", "BVM_ERR_ASSEMBLY", ... (static storage). */
BVM_API const char* bvm_status_name(bvm_status status);

/* One located message. Strings are never NULL ("" when unknown). */
typedef struct bvm_diagnostic {
  const char* message;
  const char* file;        /* source or image file name */
  uint32_t line;           /* 1-based, 0 = unknown */
  uint32_t column;         /* 1-based, 0 = unknown */
  uint32_t length;         /* length of the offending token, 0 = unknown */
  int64_t offset;          /* byte offset in an image, -1 = n/a */
  const char* function;    /* function (verifier), "" = n/a */
  int64_t pc;              /* pc in that function, -1 = n/a */
  const char* source_line; /* text of the source line, "" = n/a */
  const char* formatted;   /* "file:line:col: error: message", source line
                              and caret, as `brainvm` prints it */
} bvm_diagnostic;

/* The last failure on this thread (BVM_OK if none). */
BVM_API bvm_status bvm_last_error_code(void);
/* Every diagnostic formatted, one per line ("" if none). */
BVM_API const char* bvm_last_error_message(void);
BVM_API size_t bvm_last_error_diagnostic_count(void);
/* Diagnostic i, or NULL when i is out of range. */
BVM_API const bvm_diagnostic* bvm_last_error_diagnostic(size_t i);
BVM_API void bvm_clear_error(void);

/* Frees a buffer the library allocated for the caller. NULL is ignored. */
BVM_API void bvm_free(void* buffer);

/* Objects currently alive in the process: programs, host sets, runtimes,
 * runners, reports, and value handles. For leak tests. */
BVM_API uint64_t bvm_debug_live_objects(void);

/* --------------------------------------------------------------- programs */

typedef struct bvm_program bvm_program;

/* Assembles .bvasm text (with debug info). `filename` names it in
 * diagnostics and debug info (NULL: "<input>"). Every error of the text is a
 * diagnostic (BVM_ERR_ASSEMBLY). The program is not verified yet. */
BVM_API bvm_status bvm_program_assemble(const char* text, size_t length,
                                        const char* filename,
                                        bvm_program** out);
/* Reads a .bvm image (BVM_ERR_INVALID_IMAGE with the byte offset). */
BVM_API bvm_status bvm_program_read_image(const uint8_t* bytes, size_t length,
                                          const char* filename,
                                          bvm_program** out);
/* Reads a file: an image if it starts with the image magic or ends in
 * ".bvm", otherwise .bvasm text (BVM_ERR_IO if it cannot be read). */
BVM_API bvm_status bvm_program_load_file(const char* path, bvm_program** out);
/* Runtimes and runners keep what they need: a program may be freed while
 * they live. NULL is ignored. */
BVM_API void bvm_program_free(bvm_program* program);

typedef struct bvm_verify_options {
  size_t struct_size;          /* sizeof(bvm_verify_options) */
  uint32_t max_stack_size;     /* deepest operand stack allowed (4096) */
  int require_runnable;        /* refuse a program with nothing to run (1) */
  int superinstructions;       /* fuse common sequences (1) */
} bvm_verify_options;
BVM_API void bvm_verify_options_init(bvm_verify_options* options);

/* Verifies and links the program once (later calls do nothing and succeed).
 * options may be NULL (defaults, except require_runnable 0). Runtimes and
 * runners verify an unverified program themselves with those defaults.
 * BVM_ERR_VERIFY lists every problem with its function, pc and line. */
BVM_API bvm_status bvm_program_verify(bvm_program* program,
                                      const bvm_verify_options* options);
BVM_API int bvm_program_is_verified(const bvm_program* program);

/* .bvasm text that reassembles to the identical image (bvm_free it). */
BVM_API bvm_status bvm_program_disassemble(const bvm_program* program,
                                           char** text, size_t* length);
/* The image bytes; `strip` drops debug info (bvm_free them). */
BVM_API bvm_status bvm_program_write_image(const bvm_program* program,
                                           int strip, uint8_t** bytes,
                                           size_t* length);
BVM_API uint32_t bvm_program_function_count(const bvm_program* program);
/* Function i's name (owned by the program), NULL when out of range. */
BVM_API const char* bvm_program_function_name(const bvm_program* program,
                                              uint32_t i);

/* ----------------------------------------------------------------- values
 *
 * A bvm_value is a handle to a value held by one runtime; every function
 * taking one also takes that runtime. BVM_NIL (0) is the nil value, always
 * valid, never released. Any other handle keeps its value alive (heap
 * objects are pinned against the collector) until it is released:
 *   - handles made inside a callback (host function, per-tick, fiber or
 *     variable callbacks), including a host function's arguments, are
 *     released when that callback returns;
 *   - handles made anywhere else are released by bvm_value_release() or
 *     when the runtime is freed.
 * bvm_value_retain() makes a second handle that is never released
 * automatically (to keep a value past a callback). A released or foreign
 * handle is refused with BVM_ERR_INVALID_ARGUMENT, never undefined
 * behaviour. Lists, maps and structs are shared by reference: changing one
 * through a handle changes it for the program too. */
typedef uint64_t bvm_value;
#define BVM_NIL ((bvm_value)0)

typedef BVM_ENUM(bvm_kind) {
  BVM_KIND_INVALID = -1, /* not a live handle of this runtime */
  BVM_KIND_NIL = 0,
  BVM_KIND_BOOLEAN = 1,
  BVM_KIND_NUMBER = 2,
  BVM_KIND_STRING = 3,
  BVM_KIND_LIST = 4,
  BVM_KIND_MAP = 5,
  BVM_KIND_STRUCT = 6,
  BVM_KIND_ENUM = 7,
  BVM_KIND_HANDLE = 8,
  BVM_KIND_ERROR = 9
} bvm_kind;

typedef BVM_ENUM(bvm_error_tag) {
  BVM_TAG_SCRIPT_ERROR = 0,
  BVM_TAG_HOST_ERROR = 1,
  BVM_TAG_CANCELLED = 2,
  BVM_TAG_TIMEOUT = 3,
  BVM_TAG_STACK_OVERFLOW = 4,
  BVM_TAG_STACK_UNDERFLOW = 5
} bvm_error_tag;

typedef struct bvm_runtime bvm_runtime;

/* "nil", "boolean", "number", ... (static storage). */
BVM_API const char* bvm_kind_name(bvm_kind kind);
/* "ScriptError", "HostError", ... (static storage). */
BVM_API const char* bvm_error_tag_name(bvm_error_tag tag);

BVM_API bvm_kind bvm_value_kind(const bvm_runtime* rt, bvm_value v);
BVM_API void bvm_value_release(bvm_runtime* rt, bvm_value v);
BVM_API bvm_status bvm_value_retain(bvm_runtime* rt, bvm_value v,
                                    bvm_value* out);
/* Live value handles of the runtime (a leak check for hosts). */
BVM_API size_t bvm_runtime_value_count(const bvm_runtime* rt);
/* Nonzero when a and b are the same value: equal scalars or strings, the
 * same list/map/struct object (the `eq` built-in's rule). */
BVM_API int bvm_value_equal(const bvm_runtime* rt, bvm_value a, bvm_value b);
/* A number naming a list, map, struct, enum or error object (equal for the
 * same object), 0 for other kinds: for cycle detection when converting. */
BVM_API uint64_t bvm_value_identity(const bvm_runtime* rt, bvm_value v);

/* Making values. Strings are copied; the memory cap applies
 * (BVM_ERR_LIMIT). */
BVM_API bvm_status bvm_value_new_boolean(bvm_runtime* rt, int b,
                                         bvm_value* out);
BVM_API bvm_status bvm_value_new_number(bvm_runtime* rt, double d,
                                        bvm_value* out);
BVM_API bvm_status bvm_value_new_string(bvm_runtime* rt, const char* text,
                                        size_t length, bvm_value* out);
BVM_API bvm_status bvm_value_new_list(bvm_runtime* rt, bvm_value* out);
BVM_API bvm_status bvm_value_new_map(bvm_runtime* rt, bvm_value* out);
/* type_name NULL: an anonymous struct. */
BVM_API bvm_status bvm_value_new_struct(bvm_runtime* rt, const char* type_name,
                                        size_t type_name_length,
                                        bvm_value* out);
BVM_API bvm_status bvm_value_new_error(bvm_runtime* rt, bvm_error_tag tag,
                                       const char* message, size_t length,
                                       bvm_value* out);

/* Reading scalars (BVM_ERR_INVALID_ARGUMENT on another kind). */
BVM_API bvm_status bvm_value_get_boolean(const bvm_runtime* rt, bvm_value v,
                                         int* out);
BVM_API bvm_status bvm_value_get_number(const bvm_runtime* rt, bvm_value v,
                                        double* out);
/* The bytes (NUL-terminated, may contain NULs) stay valid while the handle
 * lives. */
BVM_API bvm_status bvm_value_get_string(const bvm_runtime* rt, bvm_value v,
                                        const char** data, size_t* length);
BVM_API bvm_status bvm_value_get_handle(const bvm_runtime* rt, bvm_value v,
                                        uint32_t* out);

/* Lists. get: an index out of range is an error. set: index == length
 * appends. */
BVM_API bvm_status bvm_value_list_length(const bvm_runtime* rt, bvm_value list,
                                         size_t* out);
BVM_API bvm_status bvm_value_list_get(bvm_runtime* rt, bvm_value list,
                                      size_t index, bvm_value* out);
BVM_API bvm_status bvm_value_list_set(bvm_runtime* rt, bvm_value list,
                                      size_t index, bvm_value item);
BVM_API bvm_status bvm_value_list_push(bvm_runtime* rt, bvm_value list,
                                       bvm_value item);

/* Maps: keys are numbers or strings (1 and "1" are different keys). */
BVM_API bvm_status bvm_value_map_length(const bvm_runtime* rt, bvm_value map,
                                        size_t* out);
/* Writes the first min(capacity, length) entries in insertion order into
 * keys[] and values[] (either may be NULL) and their number into *count. */
BVM_API bvm_status bvm_value_map_entries(bvm_runtime* rt, bvm_value map,
                                         bvm_value* keys, bvm_value* values,
                                         size_t capacity, size_t* count);
/* *found = 0 and *out = BVM_NIL when the key is absent. */
BVM_API bvm_status bvm_value_map_get(bvm_runtime* rt, bvm_value map,
                                     bvm_value key, bvm_value* out,
                                     int* found);
BVM_API bvm_status bvm_value_map_set(bvm_runtime* rt, bvm_value map,
                                     bvm_value key, bvm_value value);
BVM_API bvm_status bvm_value_map_delete(bvm_runtime* rt, bvm_value map,
                                        bvm_value key);

/* Structs: an optional type name and fields in insertion order. The name
 * strings stay valid while the struct's handle lives. */
BVM_API bvm_status bvm_value_struct_type(const bvm_runtime* rt, bvm_value s,
                                         const char** name, size_t* length);
BVM_API bvm_status bvm_value_struct_field_count(const bvm_runtime* rt,
                                                bvm_value s, size_t* out);
BVM_API bvm_status bvm_value_struct_field(bvm_runtime* rt, bvm_value s,
                                          size_t index, const char** name,
                                          size_t* name_length,
                                          bvm_value* value);
BVM_API bvm_status bvm_value_struct_get(bvm_runtime* rt, bvm_value s,
                                        const char* name, size_t length,
                                        bvm_value* out, int* found);
/* Sets a field, appending it if new (a repeated name keeps its place). */
BVM_API bvm_status bvm_value_struct_set(bvm_runtime* rt, bvm_value s,
                                        const char* name, size_t length,
                                        bvm_value value);

/* Error values: tag, message and (when the VM raised it) a trace. */
BVM_API bvm_status bvm_value_error_tag(const bvm_runtime* rt, bvm_value e,
                                       bvm_error_tag* out);
BVM_API bvm_status bvm_value_error_message(const bvm_runtime* rt, bvm_value e,
                                           const char** data, size_t* length);
BVM_API bvm_status bvm_value_error_trace_length(const bvm_runtime* rt,
                                                bvm_value e, size_t* out);
/* Frame i, innermost first: function name (owned by the program), pc and
 * source line (0 without debug info). */
BVM_API bvm_status bvm_value_error_trace_frame(const bvm_runtime* rt,
                                               bvm_value e, size_t index,
                                               const char** function,
                                               uint32_t* pc, uint32_t* line);

/* The value as JSON in the report's encoding (docs/cli.md "Value
 * encoding"), compact, without a newline (bvm_free it). */
BVM_API bvm_status bvm_value_to_json(const bvm_runtime* rt, bvm_value v,
                                     char** json, size_t* length);
/* A value from JSON in that encoding ($map, $struct, $error, $number and
 * plain objects as maps; $handle refused), as `brainvm run --var` reads. */
BVM_API bvm_status bvm_value_from_json(bvm_runtime* rt, const char* json,
                                       size_t length, bvm_value* out);
/* The value as the `to_string` built-in renders it (bvm_free it). */
BVM_API bvm_status bvm_value_to_display(const bvm_runtime* rt, bvm_value v,
                                        char** text, size_t* length);

/* --------------------------------------------------------- host functions */

typedef struct bvm_hosts bvm_hosts;
typedef struct bvm_call bvm_call;

/* A sync host function. Return BVM_OK after setting the result with
 * bvm_call_return (nil if not set), or fail: bvm_call_fail() sets the
 * message the program sees; any other status without it raises
 * "HostError: NAME: <the thread's last error message>". The program can
 * catch the error with `try`. */
typedef bvm_status (*bvm_sync_fn)(bvm_call* call, void* user);
/* An async host function: the program waits on `handle` until the host
 * settles it, now or later (bvm_runtime_resolve/_reject/_cancel).
 * bvm_call_fail() instead raises the error at the call. */
typedef void (*bvm_async_fn)(bvm_call* call, uint32_t handle, void* user);

BVM_API bvm_status bvm_hosts_new(bvm_hosts** out);
BVM_API void bvm_hosts_free(bvm_hosts* hosts);
/* BVM_ERR_INVALID_ARGUMENT on an empty or duplicate name. `user` must
 * outlive every runtime created with these hosts; the set itself is copied
 * into each runtime and may be freed after creating them. */
BVM_API bvm_status bvm_hosts_add_sync(bvm_hosts* hosts, const char* name,
                                      bvm_sync_fn fn, void* user);
BVM_API bvm_status bvm_hosts_add_async(bvm_hosts* hosts, const char* name,
                                       bvm_async_fn fn, void* user);

/* Inside a host function only (a bvm_call lives for the callback). */
BVM_API uint32_t bvm_call_argc(const bvm_call* call);
/* Argument i as a handle released when the callback returns. */
BVM_API bvm_status bvm_call_arg(bvm_call* call, uint32_t i, bvm_value* out);
BVM_API bvm_runtime* bvm_call_runtime(bvm_call* call);
BVM_API const char* bvm_call_function_name(const bvm_call* call);
BVM_API uint32_t bvm_call_fiber(const bvm_call* call);
/* The sync function's result (the value is copied out of the handle). */
BVM_API bvm_status bvm_call_return(bvm_call* call, bvm_value value);
/* Makes the call raise `tag` (HostError by default) with this message.
 * Returns BVM_ERR_HOST, so `return bvm_call_fail(call, "...");` reads well
 * in a sync function. */
BVM_API bvm_status bvm_call_fail(bvm_call* call, const char* message);
BVM_API bvm_status bvm_call_fail_tag(bvm_call* call, bvm_error_tag tag,
                                     const char* message);

/* --------------------------------------------------------------- runtimes */

/* A line printed by the built-in `print`, as it happens (not
 * NUL-terminated). */
typedef void (*bvm_print_fn)(const char* line, size_t length, void* user);

/* A host's part of saved states (see "Saved states"). */
typedef struct bvm_state_hook bvm_state_hook;

typedef struct bvm_runtime_config {
  size_t struct_size;            /* sizeof(bvm_runtime_config) */
  uint32_t budget;               /* instructions per fiber slice (1000) */
  uint32_t max_fibers_per_tick;  /* slices per scheduler tick (64) */
  uint32_t max_frame_depth;      /* frames per fiber (256) */
  uint32_t max_stack_size;       /* values per fiber stack (4096) */
  uint32_t max_handlers;         /* try handlers per fiber (64) */
  uint32_t max_fibers;           /* live fibers (100000) */
  uint32_t max_handles;          /* pending handles (100000) */
  uint32_t max_string_bytes;     /* one string (16 MiB) */
  uint64_t max_heap_bytes;       /* lists, maps, structs, strings (256 MiB) */
  uint64_t max_instructions;     /* whole runtime, 0 = unlimited (0) */
  int builtins;                  /* register the built-in library (1) */
  uint64_t seed;                 /* of `random` and `random_int` (0) */
  bvm_print_fn on_print;         /* NULL: lines are only kept */
  void* print_user;
  /* Saves and restores the host's operations in flight with every state
   * (NULL: none). Copied when the runtime is made; its user pointer must
   * outlive the runtime. */
  const bvm_state_hook* state_hook;
} bvm_runtime_config;
BVM_API void bvm_runtime_config_init(bvm_runtime_config* config);

/* Creates a runtime of the program (verifying it first if needed), binding
 * its host imports by name to the built-ins (config->builtins) and `hosts`
 * (which replace built-ins of the same name). hosts and config may be NULL.
 * BVM_ERR_LINK lists every missing or mismatched import. */
BVM_API bvm_status bvm_runtime_create(bvm_program* program,
                                      const bvm_hosts* hosts,
                                      const bvm_runtime_config* config,
                                      bvm_runtime** out);
/* Frees the runtime and every handle of it. NULL and a runner's runtime
 * (bvm_runner_runtime) are ignored. */
BVM_API void bvm_runtime_free(bvm_runtime* rt);

typedef BVM_ENUM(bvm_fiber_state) {
  BVM_FIBER_RUNNABLE = 0,
  BVM_FIBER_WAITING = 1,
  BVM_FIBER_DONE = 2,
  BVM_FIBER_FAULT = 3,
  BVM_FIBER_CANCELLED = 4
} bvm_fiber_state;
/* "RUNNABLE", "WAITING", "DONE", "FAULT", "CANCELLED" (static storage). */
BVM_API const char* bvm_fiber_state_name(bvm_fiber_state state);

/* Starts a fiber running `function` with args (their count must match its
 * parameters). */
BVM_API bvm_status bvm_runtime_spawn(bvm_runtime* rt, const char* function,
                                     const bvm_value* args, size_t argc,
                                     uint32_t* fiber);
/* One scheduler tick: up to max_fibers_per_tick slices. Not allowed inside
 * a callback. */
BVM_API bvm_status bvm_runtime_tick(bvm_runtime* rt, uint32_t* slices);
/* What `now`, `tick` and timers read: time in ms, dt in ms, tick number. */
BVM_API bvm_status bvm_runtime_set_clock(bvm_runtime* rt, double time_ms,
                                         double dt_ms, uint64_t tick);
/* The clock as last set (a restored runtime's: as saved). Any of the
 * pointers may be NULL. */
BVM_API bvm_status bvm_runtime_get_clock(const bvm_runtime* rt,
                                         double* time_ms, double* dt_ms,
                                         uint64_t* tick);
/* Settles the built-in timers (sleep, delay, fail_after) due at `tick`. */
BVM_API bvm_status bvm_runtime_complete_timers(bvm_runtime* rt, uint64_t tick);
BVM_API int bvm_runtime_has_pending_timers(const bvm_runtime* rt);
/* Runnable + waiting fibers. */
BVM_API uint32_t bvm_runtime_live_fibers(const bvm_runtime* rt);
/* Cancels a live fiber; *cancelled (may be NULL) says whether one was. */
BVM_API bvm_status bvm_runtime_cancel_fiber(bvm_runtime* rt, uint32_t fiber,
                                            int* cancelled);
/* Ends every live fiber with an uncatchable error of this tag. */
BVM_API bvm_status bvm_runtime_fault_all(bvm_runtime* rt, bvm_error_tag tag,
                                         const char* message);
/* Frees heap objects nothing refers to (handles keep theirs). */
BVM_API bvm_status bvm_runtime_collect_garbage(bvm_runtime* rt);

/* A fiber the runtime still holds (live, or ended and not collected). */
BVM_API bvm_status bvm_runtime_fiber_state(const bvm_runtime* rt,
                                           uint32_t fiber,
                                           bvm_fiber_state* out);
/* The fiber's function name (owned by the program). */
BVM_API bvm_status bvm_runtime_fiber_function(const bvm_runtime* rt,
                                              uint32_t fiber,
                                              const char** name);
/* DONE: the result; FAULT/CANCELLED: the error value; otherwise BVM_NIL. */
BVM_API bvm_status bvm_runtime_fiber_result(bvm_runtime* rt, uint32_t fiber,
                                            bvm_value* out);
BVM_API bvm_status bvm_runtime_fiber_error(bvm_runtime* rt, uint32_t fiber,
                                           bvm_value* out);

/* An ended fiber handed to bvm_runtime_collect_ended_fibers' callback.
 * Library-owned, valid during the callback (result and error are handles
 * released when it returns). */
typedef struct bvm_fiber_info {
  uint32_t id;
  bvm_fiber_state state;
  const char* function; /* owned by the program */
  bvm_value result;     /* DONE: the result, else BVM_NIL */
  bvm_value error;      /* FAULT, CANCELLED: the error value, else BVM_NIL */
  int is_rule;
} bvm_fiber_info;
typedef void (*bvm_fiber_fn)(bvm_runtime* rt, const bvm_fiber_info* fiber,
                             void* user);
/* Calls fn (may be NULL) for each ended fiber, then forgets them; *count
 * (may be NULL) is how many. Not allowed inside a callback. */
BVM_API bvm_status bvm_runtime_collect_ended_fibers(bvm_runtime* rt,
                                                    bvm_fiber_fn fn,
                                                    void* user,
                                                    size_t* count);

/* Handles of async host functions. */
typedef BVM_ENUM(bvm_handle_state) {
  BVM_HANDLE_PENDING = 0,
  BVM_HANDLE_RESOLVED = 1,
  BVM_HANDLE_REJECTED = 2,
  BVM_HANDLE_CANCELLED = 3
} bvm_handle_state;
BVM_API bvm_status bvm_runtime_resolve(bvm_runtime* rt, uint32_t handle,
                                       bvm_value value);
BVM_API bvm_status bvm_runtime_reject(bvm_runtime* rt, uint32_t handle,
                                      bvm_error_tag tag, const char* message);
/* With an error value (bvm_value_new_error, or one the program made). */
BVM_API bvm_status bvm_runtime_reject_with(bvm_runtime* rt, uint32_t handle,
                                           bvm_value error);
/* message NULL: "Cancelled". */
BVM_API bvm_status bvm_runtime_cancel(bvm_runtime* rt, uint32_t handle,
                                      const char* message);
BVM_API bvm_status bvm_runtime_handle_state(const bvm_runtime* rt,
                                            uint32_t handle,
                                            bvm_handle_state* out);

/* Shared variables (the program's `.var`s and any the host sets). */
BVM_API bvm_status bvm_runtime_get_var(bvm_runtime* rt, const char* name,
                                       bvm_value* out, int* found);
BVM_API bvm_status bvm_runtime_set_var(bvm_runtime* rt, const char* name,
                                       bvm_value value);
/* Return nonzero to go on, 0 to stop. `value` is released on return. */
typedef int (*bvm_var_fn)(bvm_runtime* rt, const char* name, size_t length,
                          bvm_value value, void* user);
/* Every shared variable, sorted by name. */
BVM_API bvm_status bvm_runtime_each_var(bvm_runtime* rt, bvm_var_fn fn,
                                        void* user);

/* Lines the built-in `print` wrote. Line i stays valid until the runtime
 * next runs (tick, step, run) or is freed. */
BVM_API size_t bvm_runtime_output_count(const bvm_runtime* rt);
BVM_API const char* bvm_runtime_output_line(const bvm_runtime* rt, size_t i,
                                            size_t* length);

typedef struct bvm_stats {
  size_t struct_size;    /* set by the caller: sizeof(bvm_stats) */
  uint64_t instructions; /* budget units charged, whole runtime */
  uint64_t slices;
  uint64_t handles_created;
  uint32_t live_fibers;
  uint32_t runnable_fibers;
  uint32_t waiting_fibers;
  uint32_t pending_handles;
  uint64_t heap_bytes;
} bvm_stats;
BVM_API bvm_status bvm_runtime_stats(const bvm_runtime* rt, bvm_stats* out);

/* ---------------------------------------------------------------- runners */

typedef struct bvm_runner bvm_runner;
typedef struct bvm_report bvm_report;

/* Called at the start of every tick T (clock set, before timers, rules and
 * fibers). Return nonzero to go on, 0 to stop the run before tick T. */
typedef int (*bvm_tick_fn)(bvm_runtime* rt, uint64_t tick, void* user);

typedef struct bvm_run_options {
  size_t struct_size; /* sizeof(bvm_run_options) */
  uint64_t max_ticks; /* status "ticks" after this many (1000) */
  double dt_ms;       /* ms per tick (16) */
  const char* entry;  /* run this function as fiber 1 (NULL: the entry) */
  bvm_tick_fn on_tick;
  void* tick_user;
} bvm_run_options;
BVM_API void bvm_run_options_init(bvm_run_options* options);

/* The run loop of `brainvm run` over a runtime made as bvm_runtime_create
 * does (config: budget, limits, built-ins, seed, print callback). Set
 * variables on bvm_runner_runtime() before the first step. */
BVM_API bvm_status bvm_runner_create(bvm_program* program,
                                     const bvm_hosts* hosts,
                                     const bvm_runtime_config* config,
                                     const bvm_run_options* options,
                                     bvm_runner** out);
/* Reports taken from the runner stay valid after it is freed. */
BVM_API void bvm_runner_free(bvm_runner* runner);
/* The runner's runtime (owned by the runner). */
BVM_API bvm_runtime* bvm_runner_runtime(bvm_runner* runner);
/* Runs to completion: done, the tick limit, the instruction cap, or
 * stopped by on_tick. */
BVM_API bvm_status bvm_runner_run(bvm_runner* runner);
/* One tick (start-up first); *more (may be NULL) is 0 once the run is over. */
BVM_API bvm_status bvm_runner_step(bvm_runner* runner, int* more);
BVM_API int bvm_runner_finished(const bvm_runner* runner);
BVM_API uint64_t bvm_runner_ticks(const bvm_runner* runner);
/* Changes the tick limit, counted from the run's first tick: a run stopped
 * by it goes on (e.g. M more ticks after a restore:
 * bvm_runner_set_max_ticks(r, bvm_runner_ticks(r) + M)). */
BVM_API bvm_status bvm_runner_set_max_ticks(bvm_runner* runner,
                                            uint64_t max_ticks);
/* The report of the run so far (unfinished: status "ticks"). */
BVM_API bvm_status bvm_runner_report(bvm_runner* runner, bvm_report** out);

typedef BVM_ENUM(bvm_run_status) {
  BVM_RUN_DONE = 0,  /* nothing left to run */
  BVM_RUN_TICKS = 1, /* stopped at the tick limit (or by on_tick) */
  BVM_RUN_LIMIT = 2  /* the instruction cap ended the run */
} bvm_run_status;

typedef struct bvm_rule_info {
  const char* function;
  uint64_t runs;
  uint64_t fired;
  uint64_t faults;
  bvm_value first_error; /* BVM_NIL when there was no fault */
} bvm_rule_info;

/* A report's values belong to the runner's runtime and its strings and
 * records to the report: all valid until bvm_report_free. A report keeps
 * what it needs alive after its runner is freed (then read its values with
 * bvm_report_runtime()). */
BVM_API void bvm_report_free(bvm_report* report);
BVM_API bvm_runtime* bvm_report_runtime(bvm_report* report);
BVM_API bvm_run_status bvm_report_status(const bvm_report* report);
/* "done", "ticks", "limit" (static storage). */
BVM_API const char* bvm_run_status_name(bvm_run_status status);
BVM_API uint64_t bvm_report_ticks(const bvm_report* report);
/* Nonzero when a fiber or rule faulted or the instruction cap ended the run
 * (what makes `brainvm run` exit with 70). */
BVM_API int bvm_report_faulted(const bvm_report* report);
/* The entry fiber's result: nonzero (and *out set) if it finished. */
BVM_API int bvm_report_result(const bvm_report* report, bvm_value* out);
BVM_API size_t bvm_report_fiber_count(const bvm_report* report);
/* Non-rule fibers by id; NULL when out of range. */
BVM_API const bvm_fiber_info* bvm_report_fiber(const bvm_report* report,
                                               size_t i);
BVM_API size_t bvm_report_rule_count(const bvm_report* report);
BVM_API const bvm_rule_info* bvm_report_rule(const bvm_report* report,
                                             size_t i);
BVM_API size_t bvm_report_var_count(const bvm_report* report);
/* Variable i (sorted by name): its name, or NULL when out of range. */
BVM_API const char* bvm_report_var(const bvm_report* report, size_t i,
                                   bvm_value* value);
BVM_API size_t bvm_report_output_count(const bvm_report* report);
BVM_API const char* bvm_report_output(const bvm_report* report, size_t i,
                                      size_t* length);
/* instructions, slices and handles of the report's "stats". */
BVM_API bvm_status bvm_report_stats(const bvm_report* report,
                                    uint64_t* instructions, uint64_t* slices,
                                    uint64_t* handles);
/* The JSON report exactly as `brainvm run` prints it (pretty: as with
 * --pretty), with its trailing newline (bvm_free it). */
BVM_API bvm_status bvm_report_json(const bvm_report* report, int pretty,
                                   char** json, size_t* length);

/* ----------------------------------------------------------- saved states
 *
 * A state holds everything that decides what a runtime (or a whole run)
 * does next: heap, fibers, scheduler, handles, variables, clock, limits,
 * the built-in library's output, random generator and timers, and a
 * runner's progress and records (docs/snapshots.md). Not the program: a
 * hash names it, and restoring with another program is refused. Not the
 * host's functions or callbacks: a restore binds the ones it is given.
 *
 * Value handles are not part of a state. A state is saved as if every
 * handle of the runtime were released (it keeps nothing alive for them);
 * the handles stay valid on the runtime that made them, which goes on
 * unchanged. A restore makes a new runtime object with no handles: read
 * values from it afresh.
 *
 * Saving is not allowed inside a callback. Malformed, damaged or foreign
 * bytes are refused with BVM_ERR_INVALID_STATE and a message "invalid
 * state: offset N: reason" (never undefined behaviour); the same state
 * always saves to the same bytes. */

typedef struct bvm_state_out bvm_state_out;

/* A host's operations in flight, saved with every state. Each handle still
 * pending when a state is saved must be settled by someone after a
 * restore: the built-in library's timers are saved with it, and an async
 * host function's handle must be claimed by the host's hook, else the save
 * fails ("cannot save: handle 7 pending with no host hook ..."). */
struct bvm_state_hook {
  size_t struct_size; /* sizeof(bvm_state_hook) */
  /* Called by each save: claim the handles the host will settle
   * (bvm_state_claim) and write what it needs to settle them after a
   * restore (bvm_state_write; any bytes). Any status but BVM_OK fails the
   * save with it. */
  bvm_status (*save)(bvm_runtime* rt, bvm_state_out* out, void* user);
  /* Called by each restore once the new runtime (or runner) is complete,
   * with the bytes save wrote (NULL when none). Any status but BVM_OK
   * fails the restore with it (the runtime is freed). */
  bvm_status (*restore)(bvm_runtime* rt, const uint8_t* bytes, size_t length,
                        void* user);
  void* user;
};

/* Inside a hook's save only. */
BVM_API bvm_status bvm_state_claim(bvm_state_out* out, uint32_t handle);
BVM_API bvm_status bvm_state_write(bvm_state_out* out, const void* bytes,
                                   size_t length);

/* The runtime's state (bvm_free the bytes). A runner's runtime is saved
 * with bvm_runner_save_state. */
BVM_API bvm_status bvm_runtime_save_state(bvm_runtime* rt, uint8_t** bytes,
                                          size_t* length);
/* A new runtime of `program` in a saved state, made as bvm_runtime_create
 * makes one: `hosts` bound by name, and from `config` (may be NULL) only
 * builtins (as when saved), on_print, print_user and state_hook (as when
 * saved: one or none). The limits, the budget and the random generator
 * come from the state. */
BVM_API bvm_status bvm_runtime_restore_state(bvm_program* program,
                                             const bvm_hosts* hosts,
                                             const bvm_runtime_config* config,
                                             const uint8_t* bytes,
                                             size_t length, bvm_runtime** out);

/* The whole run's state (bvm_free the bytes), as `brainvm run
 * --save-state` saves it (plus the hook's part, with a state_hook):
 * `brainvm run --load-state` goes on from it. */
BVM_API bvm_status bvm_runner_save_state(bvm_runner* runner, uint8_t** bytes,
                                         size_t* length);
/* A runner that goes on from a saved run, made as bvm_runner_create makes
 * one. As for runtimes, from `config` only builtins, on_print, print_user
 * and state_hook; from `options` (may be NULL) only on_tick, tick_user and
 * max_ticks, counted from the run's first tick (see
 * bvm_runner_set_max_ticks). dt_ms, entry, the limits and the seed come
 * from the state; a run that had started does not start again. Its report
 * is the report the run would have made without the interruption. */
BVM_API bvm_status bvm_runner_restore_state(bvm_program* program,
                                            const bvm_hosts* hosts,
                                            const bvm_runtime_config* config,
                                            const bvm_run_options* options,
                                            const uint8_t* bytes,
                                            size_t length, bvm_runner** out);

#ifdef __cplusplus
}
#endif

#endif /* BRAINVM_H */

"""Finding and loading libbrainvm_c, and the C API's prototypes (ctypes).

The library is searched, in order (docs/python.md):

1. ``BRAINVM_LIBRARY``: the library file itself, or a directory holding it;
2. the build tree of the checkout this package sits in
   (``build/default/capi``, then ``build/release/capi``);
3. the install prefix this package was installed into: ``cmake --install``
   puts the package in ``PREFIX/lib/python3/dist-packages/brainvm`` and the
   library in ``PREFIX/lib`` (the package's ancestors and their ``lib``
   directories are searched);
4. the system's library path (``ctypes.util.find_library``).
"""

import ctypes
import ctypes.util
import os
from pathlib import Path

LIBRARY_NAME = "libbrainvm_c.so"
# The C API version these bindings speak (major, minor).
API_VERSION = (0, 1)

_PACKAGE_DIR = Path(__file__).resolve().parent


def _files_in(directory):
    d = Path(directory)
    yield d / LIBRARY_NAME
    yield from sorted(d.glob(LIBRARY_NAME + ".*"))


def candidates():
    """Every path tried, in order (for error messages and docs)."""
    env = os.environ.get("BRAINVM_LIBRARY")
    if env:
        p = Path(env)
        if p.is_dir():
            yield from _files_in(p)
        else:
            yield p
        return  # an explicit choice is not second-guessed
    checkout = _PACKAGE_DIR.parent.parent.parent  # bindings/python/brainvm
    for preset in ("default", "release"):
        yield from _files_in(checkout / "build" / preset / "capi")
    for ancestor in list(_PACKAGE_DIR.parents)[:5]:
        yield from _files_in(ancestor)
        for sub in ("lib", "lib64", "lib/x86_64-linux-gnu"):
            yield from _files_in(ancestor / sub)
    found = ctypes.util.find_library("brainvm_c")
    if found:
        yield Path(found)


def _load():
    tried = []
    for path in candidates():
        tried.append(str(path))
        if path.is_absolute() and not path.exists():
            continue
        try:
            return ctypes.CDLL(str(path)), str(path)
        except OSError:
            continue
    raise ImportError(
        "brainvm: cannot find " + LIBRARY_NAME + " (set BRAINVM_LIBRARY); tried: "
        + ", ".join(tried))


lib, path = _load()

c_value = ctypes.c_uint64  # bvm_value
c_status = ctypes.c_int
P = ctypes.POINTER
c_char_pp = P(ctypes.c_char_p)
c_size_p = P(ctypes.c_size_t)


class Diagnostic(ctypes.Structure):
    _fields_ = [("message", ctypes.c_char_p), ("file", ctypes.c_char_p),
                ("line", ctypes.c_uint32), ("column", ctypes.c_uint32),
                ("length", ctypes.c_uint32), ("offset", ctypes.c_int64),
                ("function", ctypes.c_char_p), ("pc", ctypes.c_int64),
                ("source_line", ctypes.c_char_p), ("formatted", ctypes.c_char_p)]


class VerifyOptions(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("max_stack_size", ctypes.c_uint32),
                ("require_runnable", ctypes.c_int), ("superinstructions", ctypes.c_int)]


PRINT_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p)
SYNC_FN = ctypes.CFUNCTYPE(c_status, ctypes.c_void_p, ctypes.c_void_p)
ASYNC_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p)
TICK_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_void_p)
STATE_SAVE_FN = ctypes.CFUNCTYPE(c_status, ctypes.c_void_p, ctypes.c_void_p,
                                 ctypes.c_void_p)
STATE_RESTORE_FN = ctypes.CFUNCTYPE(c_status, ctypes.c_void_p, ctypes.c_void_p,
                                    ctypes.c_size_t, ctypes.c_void_p)


class StateHook(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("save", STATE_SAVE_FN),
                ("restore", STATE_RESTORE_FN), ("user", ctypes.c_void_p)]


class RuntimeConfig(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("budget", ctypes.c_uint32),
                ("max_fibers_per_tick", ctypes.c_uint32),
                ("max_frame_depth", ctypes.c_uint32),
                ("max_stack_size", ctypes.c_uint32), ("max_handlers", ctypes.c_uint32),
                ("max_fibers", ctypes.c_uint32), ("max_handles", ctypes.c_uint32),
                ("max_string_bytes", ctypes.c_uint32),
                ("max_heap_bytes", ctypes.c_uint64),
                ("max_instructions", ctypes.c_uint64), ("builtins", ctypes.c_int),
                ("seed", ctypes.c_uint64), ("on_print", PRINT_FN),
                ("print_user", ctypes.c_void_p), ("state_hook", P(StateHook))]


class RunOptions(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("max_ticks", ctypes.c_uint64),
                ("dt_ms", ctypes.c_double), ("entry", ctypes.c_char_p),
                ("on_tick", TICK_FN), ("tick_user", ctypes.c_void_p)]


class FiberInfo(ctypes.Structure):
    _fields_ = [("id", ctypes.c_uint32), ("state", ctypes.c_int),
                ("function", ctypes.c_char_p), ("result", c_value),
                ("error", c_value), ("is_rule", ctypes.c_int)]


class RuleInfo(ctypes.Structure):
    _fields_ = [("function", ctypes.c_char_p), ("runs", ctypes.c_uint64),
                ("fired", ctypes.c_uint64), ("faults", ctypes.c_uint64),
                ("first_error", c_value)]


class Stats(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("instructions", ctypes.c_uint64),
                ("slices", ctypes.c_uint64), ("handles_created", ctypes.c_uint64),
                ("live_fibers", ctypes.c_uint32), ("runnable_fibers", ctypes.c_uint32),
                ("waiting_fibers", ctypes.c_uint32), ("pending_handles", ctypes.c_uint32),
                ("heap_bytes", ctypes.c_uint64)]


FIBER_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, P(FiberInfo), ctypes.c_void_p)
VAR_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p,
                          ctypes.c_size_t, c_value, ctypes.c_void_p)

vp = ctypes.c_void_p
u32, u64, size, dbl, cint = (ctypes.c_uint32, ctypes.c_uint64, ctypes.c_size_t,
                             ctypes.c_double, ctypes.c_int)
cstr = ctypes.c_char_p

_PROTOTYPES = {
    # name: (restype, argtypes)
    "bvm_version": (cstr, []),
    "bvm_version_number": (u32, []),
    "bvm_status_name": (cstr, [c_status]),
    "bvm_last_error_code": (c_status, []),
    "bvm_last_error_message": (cstr, []),
    "bvm_last_error_diagnostic_count": (size, []),
    "bvm_last_error_diagnostic": (P(Diagnostic), [size]),
    "bvm_clear_error": (None, []),
    "bvm_free": (None, [vp]),
    "bvm_debug_live_objects": (u64, []),
    "bvm_program_assemble": (c_status, [cstr, size, cstr, P(vp)]),
    "bvm_program_read_image": (c_status, [cstr, size, cstr, P(vp)]),
    "bvm_program_load_file": (c_status, [cstr, P(vp)]),
    "bvm_program_free": (None, [vp]),
    "bvm_verify_options_init": (None, [P(VerifyOptions)]),
    "bvm_program_verify": (c_status, [vp, P(VerifyOptions)]),
    "bvm_program_is_verified": (cint, [vp]),
    "bvm_program_disassemble": (c_status, [vp, P(vp), c_size_p]),
    "bvm_program_write_image": (c_status, [vp, cint, P(vp), c_size_p]),
    "bvm_program_function_count": (u32, [vp]),
    "bvm_program_function_name": (cstr, [vp, u32]),
    "bvm_kind_name": (cstr, [cint]),
    "bvm_error_tag_name": (cstr, [cint]),
    "bvm_value_kind": (cint, [vp, c_value]),
    "bvm_value_release": (None, [vp, c_value]),
    "bvm_value_retain": (c_status, [vp, c_value, P(c_value)]),
    "bvm_runtime_value_count": (size, [vp]),
    "bvm_value_equal": (cint, [vp, c_value, c_value]),
    "bvm_value_identity": (u64, [vp, c_value]),
    "bvm_value_new_boolean": (c_status, [vp, cint, P(c_value)]),
    "bvm_value_new_number": (c_status, [vp, dbl, P(c_value)]),
    "bvm_value_new_string": (c_status, [vp, cstr, size, P(c_value)]),
    "bvm_value_new_list": (c_status, [vp, P(c_value)]),
    "bvm_value_new_map": (c_status, [vp, P(c_value)]),
    "bvm_value_new_struct": (c_status, [vp, cstr, size, P(c_value)]),
    "bvm_value_new_error": (c_status, [vp, cint, cstr, size, P(c_value)]),
    "bvm_value_get_boolean": (c_status, [vp, c_value, P(cint)]),
    "bvm_value_get_number": (c_status, [vp, c_value, P(dbl)]),
    "bvm_value_get_string": (c_status, [vp, c_value, P(vp), c_size_p]),
    "bvm_value_get_handle": (c_status, [vp, c_value, P(u32)]),
    "bvm_value_list_length": (c_status, [vp, c_value, c_size_p]),
    "bvm_value_list_get": (c_status, [vp, c_value, size, P(c_value)]),
    "bvm_value_list_set": (c_status, [vp, c_value, size, c_value]),
    "bvm_value_list_push": (c_status, [vp, c_value, c_value]),
    "bvm_value_map_length": (c_status, [vp, c_value, c_size_p]),
    "bvm_value_map_entries": (c_status, [vp, c_value, P(c_value), P(c_value), size,
                                         c_size_p]),
    "bvm_value_map_get": (c_status, [vp, c_value, c_value, P(c_value), P(cint)]),
    "bvm_value_map_set": (c_status, [vp, c_value, c_value, c_value]),
    "bvm_value_map_delete": (c_status, [vp, c_value, c_value]),
    "bvm_value_struct_type": (c_status, [vp, c_value, P(vp), c_size_p]),
    "bvm_value_struct_field_count": (c_status, [vp, c_value, c_size_p]),
    "bvm_value_struct_field": (c_status, [vp, c_value, size, P(vp), c_size_p,
                                          P(c_value)]),
    "bvm_value_struct_get": (c_status, [vp, c_value, cstr, size, P(c_value), P(cint)]),
    "bvm_value_struct_set": (c_status, [vp, c_value, cstr, size, c_value]),
    "bvm_value_error_tag": (c_status, [vp, c_value, P(cint)]),
    "bvm_value_error_message": (c_status, [vp, c_value, P(vp), c_size_p]),
    "bvm_value_error_trace_length": (c_status, [vp, c_value, c_size_p]),
    "bvm_value_error_trace_frame": (c_status, [vp, c_value, size, c_char_pp, P(u32),
                                               P(u32)]),
    "bvm_value_to_json": (c_status, [vp, c_value, P(vp), c_size_p]),
    "bvm_value_from_json": (c_status, [vp, cstr, size, P(c_value)]),
    "bvm_value_to_display": (c_status, [vp, c_value, P(vp), c_size_p]),
    "bvm_hosts_new": (c_status, [P(vp)]),
    "bvm_hosts_free": (None, [vp]),
    "bvm_hosts_add_sync": (c_status, [vp, cstr, SYNC_FN, vp]),
    "bvm_hosts_add_async": (c_status, [vp, cstr, ASYNC_FN, vp]),
    "bvm_call_argc": (u32, [vp]),
    "bvm_call_arg": (c_status, [vp, u32, P(c_value)]),
    "bvm_call_runtime": (vp, [vp]),
    "bvm_call_function_name": (cstr, [vp]),
    "bvm_call_fiber": (u32, [vp]),
    "bvm_call_return": (c_status, [vp, c_value]),
    "bvm_call_fail": (c_status, [vp, cstr]),
    "bvm_call_fail_tag": (c_status, [vp, cint, cstr]),
    "bvm_runtime_config_init": (None, [P(RuntimeConfig)]),
    "bvm_runtime_create": (c_status, [vp, vp, P(RuntimeConfig), P(vp)]),
    "bvm_runtime_free": (None, [vp]),
    "bvm_fiber_state_name": (cstr, [cint]),
    "bvm_runtime_spawn": (c_status, [vp, cstr, P(c_value), size, P(u32)]),
    "bvm_runtime_tick": (c_status, [vp, P(u32)]),
    "bvm_runtime_set_clock": (c_status, [vp, dbl, dbl, u64]),
    "bvm_runtime_get_clock": (c_status, [vp, P(dbl), P(dbl), P(u64)]),
    "bvm_runtime_complete_timers": (c_status, [vp, u64]),
    "bvm_runtime_has_pending_timers": (cint, [vp]),
    "bvm_runtime_live_fibers": (u32, [vp]),
    "bvm_runtime_cancel_fiber": (c_status, [vp, u32, P(cint)]),
    "bvm_runtime_fault_all": (c_status, [vp, cint, cstr]),
    "bvm_runtime_collect_garbage": (c_status, [vp]),
    "bvm_runtime_fiber_state": (c_status, [vp, u32, P(cint)]),
    "bvm_runtime_fiber_function": (c_status, [vp, u32, c_char_pp]),
    "bvm_runtime_fiber_result": (c_status, [vp, u32, P(c_value)]),
    "bvm_runtime_fiber_error": (c_status, [vp, u32, P(c_value)]),
    "bvm_runtime_collect_ended_fibers": (c_status, [vp, FIBER_FN, vp, c_size_p]),
    "bvm_runtime_resolve": (c_status, [vp, u32, c_value]),
    "bvm_runtime_reject": (c_status, [vp, u32, cint, cstr]),
    "bvm_runtime_reject_with": (c_status, [vp, u32, c_value]),
    "bvm_runtime_cancel": (c_status, [vp, u32, cstr]),
    "bvm_runtime_handle_state": (c_status, [vp, u32, P(cint)]),
    "bvm_runtime_get_var": (c_status, [vp, cstr, P(c_value), P(cint)]),
    "bvm_runtime_set_var": (c_status, [vp, cstr, c_value]),
    "bvm_runtime_each_var": (c_status, [vp, VAR_FN, vp]),
    "bvm_runtime_output_count": (size, [vp]),
    "bvm_runtime_output_line": (vp, [vp, size, c_size_p]),
    "bvm_runtime_stats": (c_status, [vp, P(Stats)]),
    "bvm_run_options_init": (None, [P(RunOptions)]),
    "bvm_runner_create": (c_status, [vp, vp, P(RuntimeConfig), P(RunOptions), P(vp)]),
    "bvm_runner_free": (None, [vp]),
    "bvm_runner_runtime": (vp, [vp]),
    "bvm_runner_run": (c_status, [vp]),
    "bvm_runner_step": (c_status, [vp, P(cint)]),
    "bvm_runner_finished": (cint, [vp]),
    "bvm_runner_ticks": (u64, [vp]),
    "bvm_runner_set_max_ticks": (c_status, [vp, u64]),
    "bvm_runner_report": (c_status, [vp, P(vp)]),
    "bvm_report_free": (None, [vp]),
    "bvm_report_runtime": (vp, [vp]),
    "bvm_report_status": (cint, [vp]),
    "bvm_run_status_name": (cstr, [cint]),
    "bvm_report_ticks": (u64, [vp]),
    "bvm_report_faulted": (cint, [vp]),
    "bvm_report_result": (cint, [vp, P(c_value)]),
    "bvm_report_fiber_count": (size, [vp]),
    "bvm_report_fiber": (P(FiberInfo), [vp, size]),
    "bvm_report_rule_count": (size, [vp]),
    "bvm_report_rule": (P(RuleInfo), [vp, size]),
    "bvm_report_var_count": (size, [vp]),
    "bvm_report_var": (cstr, [vp, size, P(c_value)]),
    "bvm_report_output_count": (size, [vp]),
    "bvm_report_output": (vp, [vp, size, c_size_p]),
    "bvm_report_stats": (c_status, [vp, P(u64), P(u64), P(u64)]),
    "bvm_report_json": (c_status, [vp, cint, P(vp), c_size_p]),
    "bvm_state_claim": (c_status, [vp, u32]),
    "bvm_state_write": (c_status, [vp, cstr, size]),
    "bvm_runtime_save_state": (c_status, [vp, P(vp), c_size_p]),
    "bvm_runtime_restore_state": (c_status, [vp, vp, P(RuntimeConfig), cstr, size,
                                             P(vp)]),
    "bvm_runner_save_state": (c_status, [vp, P(vp), c_size_p]),
    "bvm_runner_restore_state": (c_status, [vp, vp, P(RuntimeConfig), P(RunOptions),
                                            cstr, size, P(vp)]),
}

for _name, (_restype, _argtypes) in _PROTOTYPES.items():
    _fn = getattr(lib, _name)
    _fn.restype = _restype
    _fn.argtypes = _argtypes

_number = lib.bvm_version_number()
if (_number // 10000, _number // 100 % 100) != API_VERSION:
    raise ImportError(
        f"brainvm: {path} is version {lib.bvm_version().decode()}, these "
        f"bindings need {API_VERSION[0]}.{API_VERSION[1]}")


def take_buffer(pointer, length):
    """Bytes of a buffer the library allocated, which is then freed."""
    try:
        return ctypes.string_at(pointer, length)
    finally:
        lib.bvm_free(pointer)

"""Runtimes: one running program, driven tick by tick from Python."""

import collections.abc
import ctypes
import weakref

from . import _lib
from ._lib import lib, c_value
from .errors import BrainFault, InvalidArgumentError, check
from .hosts import Pending, as_host_functions, make_trampoline
from .state import StateHookAdapter, check_hook, still_pending, take_state
from .values import tag_number, to_python, from_python, handle_of, value_from_json

FIBER_STATES = ["RUNNABLE", "WAITING", "DONE", "FAULT", "CANCELLED"]
HANDLE_STATES = ["PENDING", "RESOLVED", "REJECTED", "CANCELLED"]

# Keyword arguments of Runtime and Runner that are fields of
# bvm_runtime_config.
CONFIG_FIELDS = ("budget", "max_fibers_per_tick", "max_frame_depth",
                 "max_stack_size", "max_handlers", "max_fibers", "max_handles",
                 "max_string_bytes", "max_heap_bytes", "max_instructions",
                 "builtins", "seed")


def make_config(options, on_print, state=None):
    """A bvm_runtime_config from keyword arguments (and the print callback
    and state hook adapter, kept alive by the caller)."""
    c = _lib.RuntimeConfig()
    lib.bvm_runtime_config_init(ctypes.byref(c))
    for key, value in options.items():
        if key not in CONFIG_FIELDS:
            raise TypeError(f"unknown option {key!r}")
        setattr(c, key, int(value))
    if on_print is not None:
        c.on_print = on_print
    if state is not None:
        c.state_hook = ctypes.pointer(state.struct)
    return c


def state_adapter(owner, state_hook):
    """The C state hook for a user's ``state_hook`` (None without one)."""
    check_hook(state_hook)
    if state_hook is None:
        return None
    return StateHookAdapter(weakref.ref(owner), state_hook)


def print_callback(fn):
    if fn is None:
        return None

    def on_print(line, length, _user):
        try:
            fn(ctypes.string_at(line, length).decode("utf-8", "replace"))
        except Exception:  # a failing print callback must not reach C
            pass
    return _lib.PRINT_FN(on_print)


def build_hosts(owner, hosts, keep):
    """A bvm_hosts for the functions (the caller frees it); their ctypes
    callbacks go into `keep`."""
    h = ctypes.c_void_p()
    check(lib.bvm_hosts_new(ctypes.byref(h)))
    try:
        for name, (fn, async_) in hosts.items():
            cb = make_trampoline(owner, name, fn, async_)
            keep.append(cb)
            add = lib.bvm_hosts_add_async if async_ else lib.bvm_hosts_add_sync
            check(add(h, name.encode("utf-8"), cb, None))
    except BaseException:
        lib.bvm_hosts_free(h)
        raise
    return h



def create_with_hosts(owner, hosts, keep, state_adapter, create):
    """Calls ``create(bvm_hosts, out)`` (a C create or restore function) with
    the host functions, frees the bvm_hosts and returns the new C object. A
    state hook's own error (``state_adapter``) is raised before the status."""
    h = build_hosts(owner, hosts, keep)
    out = ctypes.c_void_p()
    try:
        status = create(h, ctypes.byref(out))
    finally:
        lib.bvm_hosts_free(h)
    if state_adapter is not None:
        state_adapter.raise_error()
    check(status)
    return out

class Variables(collections.abc.MutableMapping):
    """The shared variables of a runtime as a mapping (values converted to
    and from Python; they cannot be deleted)."""

    def __init__(self, runtime):
        self._runtime = runtime

    def __getitem__(self, name):
        rt = self._runtime._ptr()
        out, found = c_value(), ctypes.c_int()
        check(lib.bvm_runtime_get_var(rt, name.encode("utf-8"), ctypes.byref(out),
                                      ctypes.byref(found)))
        try:
            if not found.value:
                raise KeyError(name)
            return to_python(rt, out.value)
        finally:
            lib.bvm_value_release(rt, out.value)

    def __setitem__(self, name, value):
        rt = self._runtime._ptr()
        with handle_of(rt, value) as h:
            check(lib.bvm_runtime_set_var(rt, name.encode("utf-8"), h))

    def __delitem__(self, name):
        raise TypeError("shared variables cannot be deleted")

    def _names(self):
        names = []

        def each(_rt, name, length, _value, _user):
            names.append(ctypes.string_at(name, length).decode("utf-8", "replace"))
            return 1
        check(lib.bvm_runtime_each_var(self._runtime._ptr(), _lib.VAR_FN(each), None))
        return names

    def __iter__(self):
        return iter(self._names())

    def __len__(self):
        return len(self._names())

    def __repr__(self):
        return f"Variables({dict(self)!r})"


class Fiber:
    """A fiber spawned from Python. Its state, result and error stay
    readable after the runtime has collected it."""

    def __init__(self, runtime, id, function):
        self.runtime = runtime
        self.id = id
        self.function = function
        self._ended = None  # (state, result, error) once collected

    @property
    def state(self):
        if self._ended:
            return self._ended[0]
        s = ctypes.c_int()
        check(lib.bvm_runtime_fiber_state(self.runtime._ptr(), self.id, ctypes.byref(s)))
        return FIBER_STATES[s.value]

    @property
    def done(self):
        return self.state in ("DONE", "FAULT", "CANCELLED")

    def _value(self, fn, index):
        if self._ended:
            return self._ended[index]
        rt = self.runtime._ptr()
        out = c_value()
        check(fn(rt, self.id, ctypes.byref(out)))
        try:
            return to_python(rt, out.value)
        finally:
            lib.bvm_value_release(rt, out.value)

    @property
    def result(self):
        """The returned value once DONE, else None."""
        return self._value(lib.bvm_runtime_fiber_result, 1)

    @property
    def error(self):
        """The error value (an ``ErrorValue``) once FAULT or CANCELLED."""
        return self._value(lib.bvm_runtime_fiber_error, 2)

    def cancel(self):
        """Cancels the fiber if it is live; whether it was."""
        done = ctypes.c_int()
        check(lib.bvm_runtime_cancel_fiber(self.runtime._ptr(), self.id,
                                           ctypes.byref(done)))
        return bool(done.value)

    def __repr__(self):
        return f"Fiber({self.id}, {self.function!r}, {self.state})"


class EndedFiber:
    """A fiber as collected: id, function, state, result, error, is_rule."""

    __slots__ = ("id", "function", "state", "result", "error", "is_rule")

    def __init__(self, id, function, state, result, error, is_rule):
        self.id, self.function, self.state = id, function, state
        self.result, self.error, self.is_rule = result, error, is_rule

    def __repr__(self):
        return f"EndedFiber({self.id}, {self.function!r}, {self.state})"


def fiber_from_info(rt, info):
    return EndedFiber(info.id, info.function.decode("utf-8", "replace"),
                      FIBER_STATES[info.state], to_python(rt, info.result),
                      to_python(rt, info.error), bool(info.is_rule))


class RuntimeBase:
    """What every runtime offers: variables, fibers, handles, values."""

    _deferred = None  # a KeyboardInterrupt... caught in a callback

    def __init__(self):
        # The calls of async host functions not settled yet: handle ->
        # function name (not the Pending objects, which would make a
        # reference cycle); what a state hook saves.
        self._pending = {}

    def _ptr(self):
        raise NotImplementedError

    def _raise_deferred(self):
        e, self._deferred = self._deferred, None
        if e is not None:
            raise e

    @property
    def variables(self):
        return Variables(self)

    def spawn(self, function, *args):
        """Starts a fiber running `function` with these arguments."""
        rt = self._ptr()
        handles = [from_python(rt, a) for a in args]
        try:
            arr = (c_value * len(handles))(*handles)
            fid = ctypes.c_uint32()
            check(lib.bvm_runtime_spawn(rt, function.encode("utf-8"), arr,
                                        len(handles), ctypes.byref(fid)))
        finally:
            for h in handles:
                lib.bvm_value_release(rt, h)
        fiber = Fiber(self, fid.value, function)
        self._track(fiber)
        return fiber

    def _track(self, fiber):
        pass

    def resolve(self, handle, value=None):
        rt = self._ptr()
        with handle_of(rt, value) as h:
            check(lib.bvm_runtime_resolve(rt, int(handle), h))
        self._pending.pop(int(handle), None)

    def reject(self, handle, message, tag="HostError"):
        check(lib.bvm_runtime_reject(self._ptr(), int(handle), tag_number(tag),
                                     str(message).encode("utf-8")))
        self._pending.pop(int(handle), None)

    def cancel(self, handle, message=None):
        check(lib.bvm_runtime_cancel(self._ptr(), int(handle),
                                     None if message is None else message.encode("utf-8")))
        self._pending.pop(int(handle), None)

    @property
    def pending(self):
        """The ``Pending`` calls of Python async host functions not settled
        yet, by handle (after a restore: those its state hook restored)."""
        rt = self._ptr()
        for handle in [h for h in self._pending if not still_pending(rt, h)]:
            del self._pending[handle]
        return [Pending(self, h, self._pending[h]) for h in sorted(self._pending)]

    def handle_state(self, handle):
        s = ctypes.c_int()
        check(lib.bvm_runtime_handle_state(self._ptr(), int(handle), ctypes.byref(s)))
        return HANDLE_STATES[s.value]

    @property
    def output(self):
        """Lines the built-in ``print`` wrote."""
        rt = self._ptr()
        n = ctypes.c_size_t()
        out = []
        for i in range(lib.bvm_runtime_output_count(rt)):
            p = lib.bvm_runtime_output_line(rt, i, ctypes.byref(n))
            out.append(ctypes.string_at(p, n.value).decode("utf-8", "replace"))
        return out

    @property
    def clock(self):
        """What ``now`` and ``tick`` read: (time in ms, dt in ms, tick)."""
        t, dt, tick = ctypes.c_double(), ctypes.c_double(), ctypes.c_uint64()
        check(lib.bvm_runtime_get_clock(self._ptr(), ctypes.byref(t), ctypes.byref(dt),
                                        ctypes.byref(tick)))
        return t.value, dt.value, tick.value

    @property
    def live_fibers(self):
        return lib.bvm_runtime_live_fibers(self._ptr())

    @property
    def stats(self):
        s = _lib.Stats()
        s.struct_size = ctypes.sizeof(s)
        check(lib.bvm_runtime_stats(self._ptr(), ctypes.byref(s)))
        return {name: getattr(s, name) for name, _ in s._fields_[1:]}

    @property
    def value_handles(self):
        """Live value handles in the C library (a leak check)."""
        return lib.bvm_runtime_value_count(self._ptr())

    def collect_garbage(self):
        check(lib.bvm_runtime_collect_garbage(self._ptr()))

    def to_json(self, value):
        """A Python value in the report's JSON encoding."""
        rt = self._ptr()
        with handle_of(rt, value) as h:
            data, n = ctypes.c_void_p(), ctypes.c_size_t()
            check(lib.bvm_value_to_json(rt, h, ctypes.byref(data), ctypes.byref(n)))
            return _lib.take_buffer(data, n.value).decode("utf-8")

    def from_json(self, text):
        """A value in the report's JSON encoding, as Python."""
        rt = self._ptr()
        h = value_from_json(rt, text)
        try:
            return to_python(rt, h)
        finally:
            lib.bvm_value_release(rt, h)


class Runtime(RuntimeBase):
    """A runtime of a program::

        rt = Runtime(program, budget=500, max_heap_bytes=8 << 20)

        @rt.host
        def step(n):
            return n + 1

        fiber = rt.spawn("main")
        rt.run()            # or rt.tick() per frame
        fiber.result

    Keyword options: ``budget``, ``max_fibers_per_tick``,
    ``max_frame_depth``, ``max_stack_size``, ``max_handlers``,
    ``max_fibers``, ``max_handles``, ``max_string_bytes``,
    ``max_heap_bytes``, ``max_instructions``, ``builtins`` (the built-in
    library, on by default), ``seed``; ``hosts`` (functions marked with
    ``host_function``, a ``HostFunctions`` or a dict), ``on_print`` (each
    printed line), ``on_fiber_end`` (each ended fiber, an ``EndedFiber``),
    ``state_hook`` (saves async calls in flight with a state, see
    ``save_state``). The C runtime is made on first use: register host
    functions before.
    """

    def __init__(self, program, hosts=None, on_print=None, on_fiber_end=None,
                 state_hook=None, **options):
        super().__init__()
        self._p = None
        self._program = program
        self._hosts = as_host_functions(hosts)
        self._print = print_callback(on_print)
        self._state = state_adapter(self, state_hook)
        self._config = make_config(options, self._print, self._state)
        self._keep = []
        self._fibers = weakref.WeakValueDictionary()
        self._on_fiber_end = on_fiber_end
        self._tick = 0
        self._closed = False

    def host(self, fn=None, *, name=None, async_=False):
        """Decorator registering a host function (``@rt.host``,
        ``@rt.host(name="look", async_=True)``)."""
        if self._p or self._closed:
            raise InvalidArgumentError(
                "register host functions before the runtime starts")
        if fn is not None:
            return self._hosts.add(fn, name, async_ or None)
        return lambda f: self._hosts.add(f, name, async_)

    def start(self):
        """Makes the C runtime now (otherwise the first use does): binds the
        host functions, raising ``LinkError`` for missing ones."""
        self._ptr()
        return self

    def _ptr(self):
        if self._p:
            return self._p
        if self._closed:
            raise InvalidArgumentError("the runtime is closed")
        self._make(None)
        return self._p

    def _make(self, state):
        """Creates the C runtime, or restores it from `state` (bytes)."""
        program, config = self._program._handle, ctypes.byref(self._config)
        if state is None:
            def create(hosts, out):
                return lib.bvm_runtime_create(program, hosts, config, out)
        else:
            def create(hosts, out):
                return lib.bvm_runtime_restore_state(program, hosts, config, state,
                                                     len(state), out)
        self._p = create_with_hosts(self, self._hosts, self._keep, self._state,
                                    create)

    def save_state(self):
        """The runtime's whole state as bytes (docs/snapshots.md). Calls of
        Python async functions still pending are saved through the
        ``state_hook``; without one they make the save fail
        (``InvalidArgumentError``)."""
        return take_state(lib.bvm_runtime_save_state, self._ptr(), self._state)

    @classmethod
    def restore_state(cls, program, data, hosts=None, on_print=None,
                      on_fiber_end=None, state_hook=None, builtins=True):
        """A new runtime of `program` in a saved state, with these host
        functions and callbacks (the limits, budget and random generator
        come from the state; ``builtins`` and the ``state_hook``'s presence
        must be as when saved). ``InvalidStateError`` for bytes that are
        not a state of this program."""
        rt = cls(program, hosts=hosts, on_print=on_print, on_fiber_end=on_fiber_end,
                 state_hook=state_hook, builtins=builtins)
        rt._make(bytes(data))
        try:
            rt._tick = rt.clock[2]  # run() goes on from the saved tick
            if rt._state is not None:
                rt._state.deliver(rt)
        except BaseException:
            rt.close()
            raise
        return rt

    def _track(self, fiber):
        self._fibers[fiber.id] = fiber

    def tick(self):
        """One scheduler tick; then ended fibers are collected (their Fiber
        objects keep state, result and error). Returns the slices run."""
        rt = self._ptr()
        slices = ctypes.c_uint32()
        try:
            check(lib.bvm_runtime_tick(rt, ctypes.byref(slices)))
        finally:
            self._raise_deferred()
        self._collect()
        return slices.value

    def _collect(self):
        errors = []

        def ended(rtp, info, _user):
            try:
                f = fiber_from_info(rtp, info.contents)
                fiber = self._fibers.get(f.id)
                if fiber is not None:
                    fiber._ended = (f.state, f.result, f.error)
                if self._on_fiber_end is not None:
                    self._on_fiber_end(f)
            except BaseException as e:
                errors.append(e)
        check(lib.bvm_runtime_collect_ended_fibers(self._ptr(), _lib.FIBER_FN(ended),
                                                   None, None))
        if errors:
            raise errors[0]

    def set_clock(self, time_ms, dt_ms, tick):
        check(lib.bvm_runtime_set_clock(self._ptr(), time_ms, dt_ms, tick))

    def complete_timers(self, tick):
        """Settles the built-in timers (sleep, delay...) due at `tick`."""
        check(lib.bvm_runtime_complete_timers(self._ptr(), tick))

    @property
    def has_pending_timers(self):
        return bool(lib.bvm_runtime_has_pending_timers(self._ptr()))

    def run(self, max_ticks=1000, dt=16.0):
        """Ticks (clock, due timers, scheduler) until no fiber is live and
        no timer pending, or max_ticks more ticks; returns the ticks run."""
        ran = 0
        while ran < max_ticks and (self.live_fibers or self.has_pending_timers):
            self._next_tick(dt)
            ran += 1
        return ran

    def _next_tick(self, dt):
        # As the Runner does: the clock, the timers due, the scheduler.
        self._tick += 1
        self.set_clock((self._tick - 1) * dt, dt, self._tick)
        self.complete_timers(self._tick)
        self.tick()

    def call(self, function, *args, max_ticks=1000):
        """Runs `function` with args to its end and returns its result;
        raises ``BrainFault`` if it faulted or was cancelled, and
        ``TimeoutError`` if it is still running after max_ticks."""
        fiber = self.spawn(function, *args)
        for _ in range(max_ticks):
            if fiber.done:
                break
            self._next_tick(16.0)
        if not fiber.done:
            raise TimeoutError(f"{function} still running after {max_ticks} ticks")
        if fiber.state != "DONE":
            raise BrainFault(fiber.error, function)
        return fiber.result

    def close(self):
        """Frees the runtime and every value handle of it."""
        if self._p:
            lib.bvm_runtime_free(self._p)
            self._p = None
        self._closed = True
        self._keep = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if getattr(self, "_p", None) and lib is not None:
            self.close()


class RunnerRuntime(RuntimeBase):
    """The runtime of a Runner (owned by it)."""

    def __init__(self, runner):
        super().__init__()
        self._runner = weakref.ref(runner)

    def _ptr(self):
        runner = self._runner()
        if runner is None:
            raise InvalidArgumentError("the runner is gone")
        return runner._runtime_ptr()

"""Runners: the run loop of ``brainvm run`` (start-up, ticks, rules,
timers, limits) and its report."""

import ctypes
import weakref

from . import _lib
from ._lib import lib, c_value
from .errors import InvalidArgumentError, check
from .hosts import as_host_functions
from .runtime import (FIBER_STATES, RunnerRuntime, create_with_hosts, fiber_from_info,
                      make_config, print_callback, state_adapter)
from .state import take_state
from .values import to_python

RUN_STATUSES = ["done", "ticks", "limit"]


class Rule:
    """A rule's record: runs, fired, faults and the first fault's error."""

    __slots__ = ("function", "runs", "fired", "faults", "error")

    def __init__(self, function, runs, fired, faults, error):
        self.function, self.runs, self.fired = function, runs, fired
        self.faults, self.error = faults, error

    def __repr__(self):
        return (f"Rule({self.function!r}, runs={self.runs}, fired={self.fired}, "
                f"faults={self.faults})")


class Report:
    """A run's report with Python values: ``status`` ("done", "ticks",
    "limit"), ``ticks``, ``result`` (``has_result`` says whether the entry
    fiber finished), ``fibers`` (``EndedFiber``s by id), ``rules``,
    ``variables``, ``output``, ``stats``, ``faulted``; ``json()`` is the
    report exactly as ``brainvm run`` prints it."""

    def __init__(self, pointer):
        self._p = pointer
        rt = lib.bvm_report_runtime(pointer)
        self.status = RUN_STATUSES[lib.bvm_report_status(pointer)]
        self.ticks = lib.bvm_report_ticks(pointer)
        self.faulted = bool(lib.bvm_report_faulted(pointer))
        h = c_value()
        self.has_result = bool(lib.bvm_report_result(pointer, ctypes.byref(h)))
        self.result = to_python(rt, h.value) if self.has_result else None
        self.fibers = [fiber_from_info(rt, lib.bvm_report_fiber(pointer, i).contents)
                       for i in range(lib.bvm_report_fiber_count(pointer))]
        self.rules = []
        for i in range(lib.bvm_report_rule_count(pointer)):
            r = lib.bvm_report_rule(pointer, i).contents
            self.rules.append(Rule(r.function.decode("utf-8", "replace"), r.runs,
                                   r.fired, r.faults, to_python(rt, r.first_error)))
        self.variables = {}
        for i in range(lib.bvm_report_var_count(pointer)):
            name = lib.bvm_report_var(pointer, i, ctypes.byref(h))
            self.variables[name.decode("utf-8", "replace")] = to_python(rt, h.value)
        n = ctypes.c_size_t()
        self.output = []
        for i in range(lib.bvm_report_output_count(pointer)):
            p = lib.bvm_report_output(pointer, i, ctypes.byref(n))
            self.output.append(ctypes.string_at(p, n.value).decode("utf-8", "replace"))
        a, b, c = ctypes.c_uint64(), ctypes.c_uint64(), ctypes.c_uint64()
        check(lib.bvm_report_stats(pointer, ctypes.byref(a), ctypes.byref(b),
                                   ctypes.byref(c)))
        self.stats = {"instructions": a.value, "slices": b.value, "handles": c.value}

    def json(self, pretty=False):
        """The JSON report, byte for byte what ``brainvm run`` prints (with
        ``pretty``: ``brainvm run --pretty``), trailing newline included."""
        if not self._p:
            raise InvalidArgumentError("the report is closed")
        data, n = ctypes.c_void_p(), ctypes.c_size_t()
        check(lib.bvm_report_json(self._p, int(pretty), ctypes.byref(data),
                                  ctypes.byref(n)))
        return _lib.take_buffer(data, n.value).decode("utf-8")

    def close(self):
        if self._p:
            lib.bvm_report_free(self._p)
            self._p = None

    def __del__(self):
        if getattr(self, "_p", None) and lib is not None:
            self.close()

    def __repr__(self):
        return f"Report(status={self.status!r}, ticks={self.ticks})"


class Runner:
    """``brainvm run`` in-process::

        runner = Runner(program, ticks=60, budget=500, on_tick=each_frame)

        @runner.host(async_=True)
        def look(pending, direction): ...

        report = runner.run()          # or runner.step() per frame

    Options: ``ticks`` (1000), ``dt`` (ms per tick, 16), ``entry`` (the
    function run as fiber 1), ``on_tick(runtime, tick)`` (before each tick;
    return False to stop), ``on_print``, ``hosts``, ``state_hook`` (see
    ``save_state``), and the limits of ``Runtime`` (``budget``,
    ``max_instructions``, ``max_heap_bytes``, ``builtins``, ``seed``...).
    ``runner.runtime`` gives variables, handles and values (set variables
    before the first step).
    """

    def __init__(self, program, ticks=1000, dt=16.0, entry=None, on_tick=None,
                 on_print=None, hosts=None, state_hook=None, **options):
        self._p = None
        self._closed = False
        self._program = program
        self._hosts = as_host_functions(hosts)
        self._print = print_callback(on_print)
        self.runtime = RunnerRuntime(self)
        self._state = state_adapter(self.runtime, state_hook)
        self._config = make_config(options, self._print, self._state)
        self._options = _lib.RunOptions()
        lib.bvm_run_options_init(ctypes.byref(self._options))
        self._options.max_ticks = ticks
        self._options.dt_ms = dt
        self._entry = entry.encode("utf-8") if entry else None
        self._options.entry = self._entry
        self._on_tick = on_tick
        self._keep = []
        if on_tick is not None:
            # Holds the runner weakly: no cycle keeps it (and its C runner)
            # alive until a garbage collection.
            ref = weakref.ref(self)

            def tick(_rt, number, _user):
                runner = ref()
                if runner is None:
                    return 0
                try:
                    return 0 if runner._on_tick(runner.runtime, number) is False else 1
                except BaseException as e:  # stops the run; raised by step()/run()
                    runner.runtime._deferred = e
                    return 0
            self._tick_cb = _lib.TICK_FN(tick)
            self._options.on_tick = self._tick_cb

    def host(self, fn=None, *, name=None, async_=False):
        """Decorator registering a host function (before the run starts)."""
        if self._p or self._closed:
            raise InvalidArgumentError("register host functions before the run starts")
        if fn is not None:
            return self._hosts.add(fn, name, async_ or None)
        return lambda f: self._hosts.add(f, name, async_)

    def _runtime_ptr(self):
        return lib.bvm_runner_runtime(self._ptr())

    def _ptr(self):
        if self._p:
            return self._p
        if self._closed:
            raise InvalidArgumentError("the runner is closed")
        self._make(None)
        return self._p

    def _make(self, state):
        """Creates the C runner, or restores it from `state` (bytes)."""
        program = self._program._handle
        config, options = ctypes.byref(self._config), ctypes.byref(self._options)
        if state is None:
            def create(hosts, out):
                return lib.bvm_runner_create(program, hosts, config, options, out)
        else:
            def create(hosts, out):
                return lib.bvm_runner_restore_state(program, hosts, config, options,
                                                    state, len(state), out)
        self._p = create_with_hosts(self.runtime, self._hosts, self._keep,
                                    self._state, create)

    def save_state(self):
        """The whole run's state as bytes, as ``brainvm run --save-state``
        saves it (plus the ``state_hook``'s part, with one). Calls of Python
        async functions still pending are saved through the
        ``state_hook``; without one they make the save fail."""
        return take_state(lib.bvm_runner_save_state, self._ptr(), self._state)

    @classmethod
    def restore_state(cls, program, data, ticks=1000, on_tick=None, on_print=None,
                      hosts=None, state_hook=None, builtins=True):
        """A runner that goes on from a saved run for ``ticks`` more ticks
        (as ``brainvm run --load-state --ticks``), with these host functions
        and callbacks. dt, entry, limits and seed come from the state;
        ``builtins`` and the ``state_hook``'s presence must be as when
        saved. Its report is the one the run would have made without the
        interruption."""
        runner = cls(program, ticks=ticks, on_tick=on_tick, on_print=on_print,
                     hosts=hosts, state_hook=state_hook, builtins=builtins)
        runner._make(bytes(data))
        try:
            runner.max_ticks = runner.ticks + ticks
            if runner._state is not None:
                runner._state.deliver(runner.runtime)
        except BaseException:
            runner.close()
            raise
        return runner

    @property
    def max_ticks(self):
        """The tick limit, counted from the run's first tick; raise it to
        go on with a run stopped there."""
        return self._options.max_ticks

    @max_ticks.setter
    def max_ticks(self, ticks):
        check(lib.bvm_runner_set_max_ticks(self._ptr(), ticks))
        self._options.max_ticks = ticks

    def start(self):
        """Makes the runner now (LinkError for missing host functions)."""
        self._ptr()
        return self

    def step(self):
        """Runs the next tick; False once the run is over."""
        more = ctypes.c_int()
        try:
            check(lib.bvm_runner_step(self._ptr(), ctypes.byref(more)))
        finally:
            self.runtime._raise_deferred()
        return bool(more.value)

    def run(self):
        """Runs to completion and returns the report."""
        try:
            check(lib.bvm_runner_run(self._ptr()))
        finally:
            self.runtime._raise_deferred()
        return self.report()

    @property
    def finished(self):
        return bool(lib.bvm_runner_finished(self._ptr()))

    @property
    def ticks(self):
        return lib.bvm_runner_ticks(self._ptr())

    def report(self):
        """The report of the run so far."""
        out = ctypes.c_void_p()
        check(lib.bvm_runner_report(self._ptr(), ctypes.byref(out)))
        try:
            return Report(out)
        except BaseException:
            lib.bvm_report_free(out)
            raise

    def close(self):
        if self._p:
            lib.bvm_runner_free(self._p)
            self._p = None
        self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if getattr(self, "_p", None) and lib is not None:
            self.close()


__all__ = ["Runner", "Report", "Rule", "FIBER_STATES"]

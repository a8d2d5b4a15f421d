"""Host functions written in Python: the decorators, the set of functions a
runtime binds, and the trampolines the C library calls."""

import ctypes
import weakref

from . import _lib
from ._lib import lib, c_value
from .errors import BrainvmError, HostError
from .values import tag_number, to_python, from_python


def host_function(name=None, *, async_=False):
    """Marks a function as a host function (``@host_function``,
    ``@host_function("name")``, ``@host_function(async_=True)``), to pass in
    ``hosts=[...]``. A sync function is called with the brain's arguments
    as Python values and returns the result. An async one is called as
    ``fn(pending, *args)`` and settles ``pending`` (a ``Pending``) now or
    later."""
    def mark(fn):
        fn.__brainvm_host__ = (name or fn.__name__, async_)
        return fn
    if callable(name):
        fn, name = name, None
        return mark(fn)
    return mark


class HostFunctions:
    """A set of host functions by name; also a decorator like
    ``host_function`` (``@hosts``, ``@hosts("name", async_=True)``)."""

    def __init__(self, functions=()):
        self._entries = {}
        for fn in functions:
            self.add(fn)

    def add(self, fn, name=None, async_=None):
        marked = getattr(fn, "__brainvm_host__", None)
        if name is None:
            name = marked[0] if marked else fn.__name__
        if async_ is None:
            async_ = marked[1] if marked else False
        if not name:
            raise ValueError("a host function needs a name")
        if name in self._entries:
            raise ValueError(f"host function {name!r} is already registered")
        self._entries[name] = (fn, bool(async_))
        return fn

    def __call__(self, name=None, *, async_=False):
        if callable(name):
            return self.add(name)
        return lambda fn: self.add(fn, name, async_)

    def update(self, other):
        for name, (fn, async_) in other.items():
            self.add(fn, name, async_)

    def items(self):
        return self._entries.items()

    def __contains__(self, name):
        return name in self._entries

    def __len__(self):
        return len(self._entries)


def as_host_functions(hosts):
    if hosts is None:
        return HostFunctions()
    if isinstance(hosts, HostFunctions):
        copy = HostFunctions()
        copy.update(hosts)
        return copy
    if isinstance(hosts, dict):
        out = HostFunctions()
        for name, fn in hosts.items():
            out.add(fn, name)
        return out
    return HostFunctions(hosts)


class Pending:
    """The pending result of an async host call: settle it once with
    ``resolve(value)``, ``reject(message, tag)`` or ``cancel()``."""

    def __init__(self, runtime, handle, function):
        self.runtime = runtime
        self.handle = handle
        self.function = function

    def resolve(self, value=None):
        self.runtime.resolve(self.handle, value)

    def reject(self, message, tag="HostError"):
        self.runtime.reject(self.handle, message, tag)

    def cancel(self, message=None):
        self.runtime.cancel(self.handle, message)

    def __repr__(self):
        return f"Pending({self.function!r}, handle={self.handle})"


def _args(call, rt):
    out = []
    for i in range(lib.bvm_call_argc(call)):
        h = c_value()
        if lib.bvm_call_arg(call, i, ctypes.byref(h)) != 0:
            raise BrainvmError(lib.bvm_last_error_message().decode())
        out.append(to_python(rt, h.value))
    return out


def _fail(call, name, error, owner):
    """Fails the call with the exception; exceptions that are not errors
    (KeyboardInterrupt...) are raised again once the runtime returns."""
    if isinstance(error, HostError):
        try:
            tag = tag_number(error.tag)
        except ValueError:
            tag = 1
        return lib.bvm_call_fail_tag(call, tag, str(error.message).encode(
            "utf-8", "replace"))
    if not isinstance(error, Exception) and owner is not None:
        owner._deferred = error
    text = f"{name}: {type(error).__name__}: {error}"
    return lib.bvm_call_fail(call, text.encode("utf-8", "replace"))


def make_trampoline(owner, name, fn, async_):
    """The ctypes callback for fn. It holds the runtime object weakly (the
    runtime holds the callback)."""
    ref = weakref.ref(owner)

    if not async_:
        def sync(call, _user):
            try:
                rt = lib.bvm_call_runtime(call)
                result = fn(*_args(call, rt))
                h = from_python(rt, result)
                try:
                    return lib.bvm_call_return(call, h)
                finally:
                    lib.bvm_value_release(rt, h)
            except BaseException as e:  # nothing may cross into C
                return _fail(call, name, e, ref())
        return _lib.SYNC_FN(sync)

    def async_call(call, handle, _user):
        owner = ref()
        try:
            rt = lib.bvm_call_runtime(call)
            if owner is not None:
                owner._pending[handle] = name  # until settled (saved states)
            fn(Pending(owner, handle, name), *_args(call, rt))
        except BaseException as e:
            if owner is not None:
                owner._pending.pop(handle, None)
            _fail(call, name, e, owner)
    return _lib.ASYNC_FN(async_call)

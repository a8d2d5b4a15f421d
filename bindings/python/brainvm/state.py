"""Saved states: the C state hook of a Python runtime or runner, which saves
its async host functions' operations in flight (docs/python.md).

The hook's part of a state is JSON: ``{"pending": [{"handle": 3,
"function": "fetch", "data": ...}, ...]}``, one entry per handle of a Python
async function still pending, ``data`` being what the user's
``state_hook.save_pending(pending)`` returned for it."""

import ctypes
import json

from . import _lib
from ._lib import lib
from .errors import check
from .hosts import Pending

_HOST_ERROR = 9      # BVM_ERR_HOST
_INVALID_STATE = 11  # BVM_ERR_INVALID_STATE
_PENDING = 0         # BVM_HANDLE_PENDING


def check_hook(hook):
    if hook is not None and not (callable(getattr(hook, "save_pending", None)) and
                                 callable(getattr(hook, "restore_pending", None))):
        raise TypeError("a state_hook needs save_pending(pending) and "
                        "restore_pending(pending, data) methods")


def still_pending(rt, handle):
    s = ctypes.c_int()
    return (lib.bvm_runtime_handle_state(rt, handle, ctypes.byref(s)) == 0 and
            s.value == _PENDING)


class StateHookAdapter:
    """The bvm_state_hook of one runtime object (a ``RuntimeBase``, whose
    ``_pending`` maps the handles of its async host functions' calls not
    settled yet to the functions' names) and the user's hook."""

    def __init__(self, owner, hook):
        self._owner = owner  # a weakref.ref
        self._hook = hook
        self.error = None     # an exception of the user's hook, raised later
        self.restored = []    # (handle, function, data) read by a restore
        self._save_cb = _lib.STATE_SAVE_FN(self._save)
        self._restore_cb = _lib.STATE_RESTORE_FN(self._restore)
        self.struct = _lib.StateHook(ctypes.sizeof(_lib.StateHook), self._save_cb,
                                     self._restore_cb, None)

    def _save(self, rt, out, _user):
        try:
            owner = self._owner()
            entries = []
            for handle, function in sorted(owner._pending.items()):
                if not still_pending(rt, handle):
                    continue
                data = self._hook.save_pending(Pending(owner, handle, function))
                entries.append({"handle": handle, "function": function,
                                "data": data})
            text = json.dumps({"pending": entries}, separators=(",", ":"))
            blob = text.encode("utf-8")
            for e in entries:
                if lib.bvm_state_claim(out, e["handle"]) != 0:
                    return lib.bvm_last_error_code()
            return lib.bvm_state_write(out, blob, len(blob))
        except BaseException as e:  # nothing may cross into C
            self.error = e
            return _HOST_ERROR

    def _restore(self, _rt, data, length, _user):
        self.restored = []
        try:
            doc = json.loads(ctypes.string_at(data, length).decode("utf-8")
                             if length else "")
            self.restored = [(int(e["handle"]), str(e["function"]), e["data"])
                             for e in doc["pending"]]
            return 0
        except Exception:  # not the JSON this hook writes
            return _INVALID_STATE
        except BaseException as e:
            self.error = e
            return _HOST_ERROR

    def deliver(self, owner):
        """Hands the restored operations to the user's hook, as new
        ``Pending`` objects of `owner` (the restored runtime)."""
        restored, self.restored = self.restored, []
        for handle, function, data in restored:
            owner._pending[handle] = function
            self._hook.restore_pending(Pending(owner, handle, function), data)

    def raise_error(self):
        e, self.error = self.error, None
        if e is not None:
            raise e


def take_state(fn, pointer, adapter=None):
    """Calls bvm_*_save_state and returns the bytes, raising the user
    hook's own exception if it failed the save."""
    data, n = ctypes.c_void_p(), ctypes.c_size_t()
    status = fn(pointer, ctypes.byref(data), ctypes.byref(n))
    if adapter is not None:
        adapter.raise_error()
    check(status)
    return _lib.take_buffer(data, n.value)

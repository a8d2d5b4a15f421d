"""brainvm for Python: programs, runtimes, runners, host functions and
values over the C API (libbrainvm_c) with ctypes. See docs/python.md."""

from ._lib import lib as _c, path as _path
from .errors import (AssemblyError, BrainFault, BrainvmError, Diagnostic, FileError,
                     HostError, InternalError, InvalidArgumentError, InvalidImageError,
                     InvalidStateError, LimitError, LinkError, OutOfMemoryError,
                     VerifyError)
from .hosts import HostFunctions, Pending, host_function
from .program import Program
from .runner import Report, Rule, Runner
from .runtime import EndedFiber, Fiber, Runtime, Variables
from .values import EnumValue, ErrorValue, Handle, Struct

__version__ = _c.bvm_version().decode()


def library_path():
    """The libbrainvm_c file these bindings loaded."""
    return _path


def live_objects():
    """Objects alive in the C library (programs, runtimes, runners, reports,
    value handles): a leak check."""
    return _c.bvm_debug_live_objects()


__all__ = [
    "AssemblyError", "BrainFault", "BrainvmError", "Diagnostic", "EndedFiber",
    "EnumValue", "ErrorValue", "Fiber", "FileError", "Handle", "HostError",
    "HostFunctions", "InternalError", "InvalidArgumentError", "InvalidImageError",
    "InvalidStateError", "LimitError", "LinkError", "OutOfMemoryError", "Pending",
    "Program", "Report", "Rule", "Runner", "Runtime", "Struct", "Variables",
    "VerifyError",
    "host_function", "library_path", "live_objects",
]

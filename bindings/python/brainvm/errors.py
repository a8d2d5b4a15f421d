"""Exceptions: library failures carry the C API's code and diagnostics."""

from dataclasses import dataclass

from ._lib import lib


@dataclass(frozen=True)
class Diagnostic:
    """One located message (file, line and column are empty / 0 when
    unknown; offset and pc are -1 when they do not apply)."""
    message: str
    file: str = ""
    line: int = 0
    column: int = 0
    length: int = 0
    offset: int = -1
    function: str = ""
    pc: int = -1
    source_line: str = ""
    formatted: str = ""

    def __str__(self):
        return self.formatted or self.message


class BrainvmError(Exception):
    """A call into brainvm failed. ``code`` is the C API's status name
    (``"BVM_ERR_ASSEMBLY"``...), ``diagnostics`` the located messages."""

    def __init__(self, message, code="BVM_ERR_INTERNAL", diagnostics=()):
        super().__init__(message)
        self.message = message
        self.code = code
        self.diagnostics = list(diagnostics)


class AssemblyError(BrainvmError):
    """The .bvasm text is invalid (every error of the text is a diagnostic)."""


class InvalidImageError(BrainvmError):
    """The image bytes are malformed (the diagnostic has the offset)."""


class VerifyError(BrainvmError):
    """The verifier rejected the program."""


class LinkError(BrainvmError):
    """Host imports are missing or of the wrong kind (sync/async)."""


class InvalidArgumentError(BrainvmError, ValueError):
    """A bad argument: unknown function, wrong kind, closed object..."""


class LimitError(BrainvmError):
    """A configured limit was hit (memory cap, fibers, handles...)."""


class FileError(BrainvmError, OSError):
    """A file could not be read."""


class OutOfMemoryError(BrainvmError, MemoryError):
    """The process ran out of memory inside the library."""


class InternalError(BrainvmError):
    """An unexpected failure inside the library."""


class InvalidStateError(BrainvmError):
    """Saved-state bytes are malformed, damaged or of another program (the
    message has the offset and the reason)."""


_BY_CODE = {
    1: AssemblyError, 2: InvalidImageError, 3: VerifyError, 4: LinkError,
    5: InvalidArgumentError, 6: LimitError, 7: FileError, 8: OutOfMemoryError,
    9: BrainvmError, 10: InternalError, 11: InvalidStateError,
}


def _text(b):
    return b.decode("utf-8", "replace") if b else ""


def last_error(status):
    """The exception for a failed status, from the thread's last error."""
    diagnostics = []
    for i in range(lib.bvm_last_error_diagnostic_count()):
        d = lib.bvm_last_error_diagnostic(i).contents
        diagnostics.append(Diagnostic(
            message=_text(d.message), file=_text(d.file), line=d.line,
            column=d.column, length=d.length, offset=d.offset,
            function=_text(d.function), pc=d.pc,
            source_line=_text(d.source_line), formatted=_text(d.formatted)))
    message = _text(lib.bvm_last_error_message()) or _text(lib.bvm_status_name(status))
    cls = _BY_CODE.get(status, BrainvmError)
    return cls(message, _text(lib.bvm_status_name(status)), diagnostics)


def check(status):
    if status != 0:
        raise last_error(status)


class HostError(Exception):
    """Raise from a host function to fail the call with exactly this message
    (and tag: ``"HostError"`` unless given). Any other exception fails it
    too, as ``HostError: NAME: ExceptionType: message``."""

    def __init__(self, message, tag="HostError"):
        super().__init__(message)
        self.message = message
        self.tag = tag


class BrainFault(Exception):
    """A fiber ended with an error (``Runtime.call``); ``error`` is the
    brain's error value (tag, message, trace)."""

    def __init__(self, error, function=""):
        super().__init__(f"{function}: {error}" if function else str(error))
        self.error = error
        self.function = function


__all__ = [
    "Diagnostic", "BrainvmError", "AssemblyError", "InvalidImageError",
    "VerifyError", "LinkError", "InvalidArgumentError", "LimitError",
    "FileError", "OutOfMemoryError", "InternalError", "InvalidStateError",
    "HostError", "BrainFault",
]

"""Programs: assembled from text or read from images, verified once, then
shared by any number of runtimes and runners."""

import ctypes

from . import _lib
from ._lib import lib
from .errors import check


class Program:
    """A brainvm program. Make one with ``Program.assemble(text)``,
    ``Program.load(path)`` (text or image) or ``Program.from_image(bytes)``;
    failures raise ``AssemblyError``/``InvalidImageError``/``FileError``
    with ``.diagnostics``."""

    def __init__(self, _pointer):
        self._p = _pointer

    @classmethod
    def assemble(cls, text, filename="<input>"):
        b = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        out = ctypes.c_void_p()
        check(lib.bvm_program_assemble(b, len(b), filename.encode("utf-8"),
                                       ctypes.byref(out)))
        return cls(out)

    @classmethod
    def from_image(cls, data, filename="<image>"):
        data = bytes(data)
        out = ctypes.c_void_p()
        check(lib.bvm_program_read_image(data, len(data), filename.encode("utf-8"),
                                         ctypes.byref(out)))
        return cls(out)

    @classmethod
    def load(cls, path):
        out = ctypes.c_void_p()
        check(lib.bvm_program_load_file(str(path).encode("utf-8"), ctypes.byref(out)))
        return cls(out)

    @property
    def _handle(self):
        if not self._p:
            raise ValueError("the program is closed")
        return self._p

    def verify(self, max_stack_size=4096, require_runnable=True,
               superinstructions=True):
        """Verifies and links the program (once; runtimes do it themselves
        otherwise). Raises ``VerifyError`` listing every problem."""
        o = _lib.VerifyOptions()
        lib.bvm_verify_options_init(ctypes.byref(o))
        o.max_stack_size = max_stack_size
        o.require_runnable = int(require_runnable)
        o.superinstructions = int(superinstructions)
        check(lib.bvm_program_verify(self._handle, ctypes.byref(o)))
        return self

    @property
    def verified(self):
        return bool(lib.bvm_program_is_verified(self._handle))

    def disassemble(self):
        """.bvasm text that reassembles to the identical image."""
        data, n = ctypes.c_void_p(), ctypes.c_size_t()
        check(lib.bvm_program_disassemble(self._handle, ctypes.byref(data),
                                          ctypes.byref(n)))
        return _lib.take_buffer(data, n.value).decode("utf-8")

    def to_image(self, strip=False):
        """The .bvm image bytes (``strip`` drops debug info)."""
        data, n = ctypes.c_void_p(), ctypes.c_size_t()
        check(lib.bvm_program_write_image(self._handle, int(strip), ctypes.byref(data),
                                          ctypes.byref(n)))
        return _lib.take_buffer(data, n.value)

    @property
    def functions(self):
        """The function names, in program order."""
        h = self._handle
        return [lib.bvm_program_function_name(h, i).decode("utf-8")
                for i in range(lib.bvm_program_function_count(h))]

    def close(self):
        """Frees the program (runtimes made from it keep what they need)."""
        if self._p:
            lib.bvm_program_free(self._p)
            self._p = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if getattr(self, "_p", None) and lib is not None:
            self.close()

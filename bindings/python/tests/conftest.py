# The tests import the `brainvm` package found first: an installed one on
# PYTHONPATH (scripts/check-c-embed), else the one of this checkout. The
# library is found as docs/python.md says (BRAINVM_LIBRARY in CTest).
import os
import sys
from pathlib import Path

import pytest

try:
    import brainvm  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Under ASan (the `asan` preset) every C call is much slower: loops scale
# down.
SANITIZED = bool(os.environ.get("BRAINVM_SANITIZED"))


@pytest.fixture
def scale():
    return 0.1 if SANITIZED else 1.0

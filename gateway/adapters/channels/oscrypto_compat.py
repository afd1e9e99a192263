"""Let oscrypto 1.3.0 (pyas2lib's crypto backend) load against OpenSSL 3.0.10 and later.

oscrypto finds the libcrypto version with the pattern ``\\d\\.\\d\\.\\d[a-z]*``,
which reads "3.0.19" as no version at all, and refuses to import.  ``install()``
puts a finder in front of the import system that rewrites that one pattern to
``\\d\\.\\d\\.\\d+[a-z]*`` in the two oscrypto modules that carry it, as they are
loaded.  A release that no longer has the broken pattern is loaded unchanged.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import CodeType, ModuleType
from typing import Any

PATCHED_MODULES = ("oscrypto._openssl._libcrypto_cffi", "oscrypto._openssl._libcrypto_ctypes")
BROKEN = rb"re.search('\\b(\\d\\.\\d\\.\\d[a-z]*)\\b', version_string)"
FIXED = rb"re.search('\\b(\\d\\.\\d\\.\\d+[a-z]*)\\b', version_string)"


def rewrite(source: bytes) -> bytes:
    """``source`` with the version pattern fixed (unchanged when it is not there)."""
    return source.replace(BROKEN, FIXED)


class _Loader(importlib.machinery.SourceFileLoader):
    def get_code(self, fullname: str) -> CodeType:
        # always from the rewritten source: a cached .pyc holds the unpatched pattern
        path = self.get_filename(fullname)
        return self.source_to_code(rewrite(self.get_data(path)), path)  # type: ignore[arg-type]


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> Any:
        if fullname not in PATCHED_MODULES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
            return spec
        loader = _Loader(fullname, spec.origin)
        return importlib.util.spec_from_file_location(fullname, spec.origin, loader=loader)


def install() -> None:
    """Idempotent; call before the first import of oscrypto (``as2_mime`` does)."""
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())

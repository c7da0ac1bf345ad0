"""Building and finding the compiled fast paths (``aigeo_assets.ingest.native_works``,
``aigeo_assets.lifesci.native_pubmed``): one way for both.

A C file beside its wrapper is compiled with the interpreter's own flags (gcc and Python's headers:
Debian's ``gcc`` and ``python3-dev``, which ``make setup`` installs) into ``<name><EXT_SUFFIX>``
beside it, written under a temporary name and renamed, with this folder on the include path for
what both readers share (``native_buf.h``). The module carries the SHA-1 of the source it was built
from, its C file and the shared headers together (``SOURCE_SHA``); a module built from another source, or none, is not used
(:meth:`NativeModule.available` says why) and the caller's Python path is used instead.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import os
import subprocess
import sysconfig
from pathlib import Path


HEADER_DIR = Path(__file__).parent
"""On every compiled reader's include path: what the readers share."""
SHARED_HEADERS = (HEADER_DIR / "native_buf.h",)
"""The headers every compiled reader includes from ``HEADER_DIR``."""


class NativeModule:
    """One compiled module: ``source`` (the ``.c`` file) built into the importable ``module``."""

    def __init__(self, source: Path, module: str) -> None:
        self.source = source
        self.module = module
        self.available = functools.lru_cache(maxsize=1)(self._available)

    def source_sha(self) -> str:
        """The SHA-1 of the C file followed by the shared headers: a change to either rebuilds."""
        digest = hashlib.sha1(self.source.read_bytes())
        for header in SHARED_HEADERS:
            digest.update(header.read_bytes())
        return digest.hexdigest()

    def built_path(self) -> Path:
        return self.source.with_name(self.source.stem + sysconfig.get_config_var("EXT_SUFFIX"))

    def build(self) -> Path:
        """Compile the source unless the module beside it was built from this very source."""
        target = self.built_path()
        if self.available() is None:
            return target
        sha = self.source_sha()
        include = sysconfig.get_paths()["include"]
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        cmd = [
            os.environ.get("CC", "gcc"), "-O2", "-shared", "-fPIC", "-std=c11", "-D_DEFAULT_SOURCE", "-Wall", "-Wno-unused-parameter",
            f"-DAIGEO_SOURCE_SHA=\"{sha}\"", f"-I{include}", f"-I{HEADER_DIR}", str(self.source), "-o", str(tmp),
        ]
        try:
            subprocess.run(cmd, check=True)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        importlib.invalidate_caches()
        self.available.cache_clear()
        return target

    def _available(self) -> str | None:
        """None when the compiled module can be used; else why not (asked once per process)."""
        try:
            module = importlib.import_module(self.module)
        except ImportError as exc:
            return f"not built ({exc}): `make setup` builds it"
        if getattr(module, "SOURCE_SHA", None) != self.source_sha():
            return f"built from another version of {self.source.name}: `make setup` rebuilds it"
        return None

    def load(self):
        """The compiled module (``available()`` must be None)."""
        return importlib.import_module(self.module)

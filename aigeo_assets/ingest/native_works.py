"""The compiled works reader: a part's JSON Lines read into its extract columns in C, each line the C
reader is not certain of left to the line-by-line reader.

The ``isal`` reader spends ~55 us a line of a paper-world part (6.9 kB): ~11 inflating, ~20 in
msgspec's typed decode, ~11 making the rows in Python and ~21 converting them to Arrow
(docs/scale.md). ``_native_works.c`` reads the inflated lines straight into Arrow's buffers
(offsets, bytes, validity) with a strict JSON reader that knows the declared record schema
(``work_record``): a line is read there only when it is certain that the line-by-line reader would
accept it and what rows it would make (strict JSON and UTF-8, each declared field of its type, no
repeated declared key, an Int16 year, a non-empty own id, an abstract whose positions it rebuilds
as ``works.abstract_from_inverted_index`` does). Every other line, whatever is unusual about it, goes
to the line-by-line reader (``part_extract.read_numbered_lines``), so quarantine rows, and the rows of
an unusual record, come from one place only; the two sets of rows are merged in line order.
``aigeo_assets_tests/ingest/test_native_reader.py`` compares the result with the ``lines`` reader's on
the tiny world, the planted faults, hand-made edge cases and the real records.

**Building it.** ``make setup`` (``scripts/bootstrap.sh``) runs ``python -m
aigeo_assets.ingest.native_works --build``, which compiles the C file with the interpreter's own
flags (gcc and Python's headers: Debian's ``gcc`` and ``python3-dev``, which the setup installs) into
``_native_works<EXT_SUFFIX>`` beside it, written under a temporary name and renamed. The module
carries the SHA-1 of the source it was built from; a module built from another source, or none, is
not used (``available()`` says why) and the ``isal`` reader is used instead.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pyarrow as pa

SOURCE = Path(__file__).with_name("_native_works.c")
MODULE = "aigeo_assets.ingest._native_works"


def source_sha() -> str:
    return hashlib.sha1(SOURCE.read_bytes()).hexdigest()


def built_path() -> Path:
    return SOURCE.with_name("_native_works" + sysconfig.get_config_var("EXT_SUFFIX"))


def build() -> Path:
    """Compile ``_native_works.c`` unless the module beside it was built from this very source."""
    target = built_path()
    if available() is None:
        return target
    sha = source_sha()
    include = sysconfig.get_paths()["include"]
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    cmd = [
        os.environ.get("CC", "gcc"), "-O2", "-shared", "-fPIC", "-std=c11", "-D_DEFAULT_SOURCE", "-Wall", "-Wno-unused-parameter",
        f"-DAIGEO_SOURCE_SHA=\"{sha}\"", f"-I{include}", str(SOURCE), "-o", str(tmp),
    ]
    try:
        subprocess.run(cmd, check=True)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    importlib.invalidate_caches()
    available.cache_clear()
    return target


@functools.lru_cache(maxsize=1)
def available() -> str | None:
    """None when the compiled reader can be used; else why not (asked once per process)."""
    try:
        module = importlib.import_module(MODULE)
    except ImportError as exc:
        return f"not built ({exc}): `make setup` builds it"
    if getattr(module, "SOURCE_SHA", None) != source_sha():
        return "built from another version of _native_works.c: `make setup` rebuilds it"
    return None


def extractor():
    """A new ``Extractor`` of the compiled module (``available()`` must be None)."""
    return importlib.import_module(MODULE).Extractor()


def arrow_columns(columns: dict, schema_of) -> dict[str, pa.Table]:
    """``Extractor.finish()``'s columns as Arrow tables of the extract schemas (``schema_of(table)``),
    their buffers taken as they are (no copy of the strings)."""
    by_table: dict[str, dict[str, pa.Array]] = {}
    for name, (n, values, data, valid) in columns.items():
        table, column = name.split(".")
        typ = schema_of(table).field(column).type
        mask = np.frombuffer(valid, np.uint8)
        nulls = int(n - np.count_nonzero(mask))
        bitmap = pa.py_buffer(np.packbits(mask, bitorder="little")) if nulls else None
        if data is not None:
            array = pa.Array.from_buffers(typ, n, [bitmap, pa.py_buffer(values), pa.py_buffer(data)], null_count=nulls)
        elif typ == pa.bool_():
            bits = np.packbits(np.frombuffer(values, np.uint8), bitorder="little")
            array = pa.Array.from_buffers(typ, n, [bitmap, pa.py_buffer(bits)], null_count=nulls)
        else:
            array = pa.Array.from_buffers(typ, n, [bitmap, pa.py_buffer(values)], null_count=nulls)
        by_table.setdefault(table, {})[column] = array
    out = {}
    for table, arrays in by_table.items():
        schema = schema_of(table)
        out[table] = pa.Table.from_arrays([arrays[f.name] for f in schema], schema=schema)
    return out


if __name__ == "__main__":
    if sys.argv[1:] != ["--build"]:
        sys.exit("usage: python -m aigeo_assets.ingest.native_works --build")
    print(f"aigeo: compiled works reader {build()}")

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
aigeo_assets.ingest.native_works --build``, which compiles the C file (``aigeo_assets.native_build``,
shared with the compiled PubMed reader) with the interpreter's own
flags (gcc and Python's headers: Debian's ``gcc`` and ``python3-dev``, which the setup installs) into
``_native_works<EXT_SUFFIX>`` beside it, written under a temporary name and renamed. The module
carries the SHA-1 of the source it was built from; a module built from another source, or none, is
not used (``available()`` says why) and the ``isal`` reader is used instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pyarrow as pa

from aigeo_assets.native_build import NativeModule

_NATIVE = NativeModule(Path(__file__).with_name("_native_works.c"), "aigeo_assets.ingest._native_works")
build = _NATIVE.build
"""Compile ``_native_works.c`` unless the module beside it was built from this very source."""
available = _NATIVE.available
"""None when the compiled reader can be used; else why not (asked once per process)."""


def extractor():
    """A new ``Extractor`` of the compiled module (``available()`` must be None)."""
    return _NATIVE.load().Extractor()


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

"""The compiled PubMed batch reader: each batch of whole records the intact reader cuts
(``pubmed._IntactSource``) read into its records' fields in C, every batch the C reader is not
certain of left to lxml and the Python walk.

Without it, a record of the paper world (5.4 kB of XML) costs the intact reader, by stage
(docs/scale.md, ``benchmarks/pubmed_parse.py``): inflating and cutting 12 us, lxml's parse of the 64
KB batches 32, the Python walk of each record's elements (``_item``) 39, the tables 22.
``_native_pubmed.c`` reads a batch with a strict XML reader of its own into a flat tree (names,
attributes, and the decoded character data of the whole batch in document order, so that an
element's ``itertext()`` is one contiguous range), then reads each record as ``pubmed._citation``
does, loop by loop (the first PMID, AuthorList, ArticleDate and Article Affiliation; the last
Article, Journal, ArticleTitle, Abstract, ...), with Python's white space (``str.split`` /
``str.strip``: every code point ``str.isspace`` accepts) and returns per record a tuple of its
fields; ``pubmed._native_item`` makes the item from it (the year's checks, ``is_pmid``,
``_version``, the problems and their texts, the same functions as the walk's). What Python would
read in a way beyond a plain scan is handed back raw for Python to decide: a year that is not ASCII
digits (``int()`` accepts ``+2012``, ``2_012`` and other scripts' digits), a MedlineDate with
non-ASCII characters (the regular expression's digit class takes any script's digits), a DOI with
non-ASCII characters (``str.lower``), a field of more bytes than ``MAX_FIELD_CHARS`` (counted in
characters by ``_oversize_field``).

**What it leaves to lxml.** A batch is taken whole or not at all: ``parse`` returns None -- the
batch goes to ``lxml.etree.fromstring`` and the walk exactly as without this module -- for any byte
that is not UTF-8 or not an XML 1.0 character, a carriage return (libxml2 normalises line ends), a
comment, CDATA section or processing instruction (the head's XML declaration apart: version 1.0,
UTF-8), a DOCTYPE with an internal subset, a byte-order mark, an entity other than XML's five, a
character reference that is malformed or names no legal character, a default namespace
(``xmlns="..."``), a namespace prefix not bound (on the element or above) to MathML's or XLink's
namespace -- libxml2 rejects an unbound prefix and an empty or malformed URI, so only these two
exact URIs are taken; MathML's ``mml:`` elements are read, their names matching no field, their text
part of the element's --, a prefixed attribute other than such a binding, a duplicate attribute,
a malformed or mismatched tag, text after the root, a child of the root that is neither a record
(``PubmedArticle``, ``MedlineCitation``, ``DeleteCitation``, ``PubmedBookArticle``) nor the batch's
sentinel, a record whose start tag spans lines (lxml's ``sourceline``), more than 65,000 lines or
200 levels in a batch. Records are numbered as lxml numbers them (the line of the start tag plus the
lines before the batch); the sentinel's line advances the count as in ``pubmed._intact_items``.

**Building it.** ``make setup`` (``scripts/bootstrap.sh``) runs ``python -m
aigeo_assets.lifesci.native_pubmed --build`` (``aigeo_assets.native_build``, shared with the
compiled works reader): gcc with the interpreter's flags, ``_native_pubmed<EXT_SUFFIX>`` beside the
source, which it only uses when built from this very source (``SOURCE_SHA``; ``available()`` says
why not). Not built, stale or switched off (:func:`disabled`): every batch goes to lxml, as before.

**Verified** by ``aigeo_assets_tests/lifesci/test_native_pubmed.py``: the items, stats and tables
with and without it are equal on every real sample (all their batches vouched for, MathML
included), a generated world's files (all vouched for) and hand-made records for every field rule
and problem (markup, MathML, Unicode spaces, references, entities, labels, authors, affiliations,
years, PMIDs, versions, field caps, DOIs, references, repeated elements), and each construct above
is shown to defer.

**Speed** (``benchmarks/pubmed_native.py``, the two alternated file by file, machine at a load of
3-4 on 2 cores): on 20 of the paper world's files (412,121 records, all 32,574 batches vouched for)
21,708 records per CPU-second for the items against 6,015 with lxml and the walk (46.1 against 166.2
us a record, 3.6x), 20,456 against 6,307 for ``parse_pubmed_file`` with its tables (3.2x); on the 93
real samples (792 records, all 182 batches vouched for) the items 9,574 against 3,224 (3.0x; the
2016 MEDLINE file 58 against 189 us a record, its tables 86 against 217), the tables 716 against 621
(mostly files of one record, where building the tables dominates). Tables identical throughout
(``results/pubmed_native_paper.json``, ``results/pubmed_native_real.json``).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from aigeo_assets.native_build import NativeModule

_NATIVE = NativeModule(Path(__file__).with_name("_native_pubmed.c"), "aigeo_assets.lifesci._native_pubmed")
build = _NATIVE.build
"""Compile ``_native_pubmed.c`` unless the module beside it was built from this very source."""
available = _NATIVE.available
"""None when the compiled reader can be used; else why not (asked once per process)."""

_enabled = True


def parser() -> Callable | None:
    """``parse(batch, closed, first, offset, max_field)`` of the compiled module, or None when it is not built,
    stale, or switched off (:func:`disabled`): the intact reader then walks every batch in Python."""
    if not _enabled or available() is not None:
        return None
    return _NATIVE.load().parse


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """Within the block the intact reader does not use the compiled reader (tests, benchmarks)."""
    global _enabled
    before, _enabled = _enabled, False
    try:
        yield
    finally:
        _enabled = before


if __name__ == "__main__":
    if sys.argv[1:] != ["--build"]:
        sys.exit("usage: python -m aigeo_assets.lifesci.native_pubmed --build")
    print(f"aigeo: compiled PubMed reader {build()}")

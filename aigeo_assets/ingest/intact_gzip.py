"""The lines of an intact gzip works part, inflated by ISA-L: the fast line source of the part reader.

``snapshot.iter_lines`` reads a gzip part with zlib and holds back recent output until each member's
checksum is verified, so that it can report exactly which lines a damaged stretch cost
(``truncated_gzip``, ``corrupt_gzip``) and resume at the next intact member. That care costs about
twice ISA-L's inflate (``isal``, a dependency) on a part that has nothing to report, which is almost
every part. ``intact_gzip_lines`` reads a part member by member with ISA-L's zlib-compatible
decoder and gives the same (line number, line) pairs ``iter_lines`` gives, as long as the stream is
a sequence of complete gzip members, each with its CRC-32 and length checked; anything else
(a truncated member, a corrupt one, bytes after the last member that are not a member, such as zero
padding, which ``iter_lines`` reports as ``corrupt_gzip``) raises ``GzipNotIntact``, and the caller
reads the part again with ``iter_lines``, which reports the break. Lines are split at each newline and
given without it, a blank or whitespace-only line is numbered but not given, and a last line without
a newline is given: ``iter_lines``'s rules for a gzip part.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from isal import isal_zlib

CHUNK_BYTES = 1 << 20
"""Compressed bytes inflated at a time (about 7 MB of JSON Lines each on OpenAlex-like records)."""

_GZIP_WBITS = 16 + isal_zlib.MAX_WBITS


class GzipNotIntact(ValueError):
    """The part's gzip stream is not a sequence of complete, checked members: read it with ``iter_lines``."""


def intact_gzip_blocks(fh: BinaryIO, chunk_bytes: int = CHUNK_BYTES, most: int = 4 * CHUNK_BYTES) -> Iterator[bytes]:
    """The decompressed bytes of the gzip stream ``fh`` (a file open for reading in binary), at most
    ``most`` bytes a block (memory stays flat whatever a member inflates to), member by member with
    ISA-L, each member's CRC-32 and length checked; raises ``GzipNotIntact`` (possibly after giving
    some blocks) when the stream is not a sequence of complete, checked members. Both intact readers
    use it: the works parts' (``intact_gzip_lines``) and the PubMed files' (``lifesci.pubmed``)."""
    member = None  # the decoder of the member being read; None between members
    while chunk := fh.read(chunk_bytes):
        full = False  # the last step filled its output: more may be pending without new input
        while chunk or full:
            if member is None:
                member = isal_zlib.decompressobj(_GZIP_WBITS)
            try:
                out = member.decompress(chunk, most)
            except isal_zlib.error as exc:
                raise GzipNotIntact(f"corrupt gzip data: {exc}") from None
            full = len(out) == most
            if member.eof:  # the member's CRC-32 and length were checked: the next member follows
                chunk, member, full = member.unused_data, None, False
            else:
                chunk = member.unconsumed_tail
            if out:
                yield out
    if member is not None:
        raise GzipNotIntact("gzip stream ends early")


def intact_gzip_line_chunks(path: Path) -> Iterator[tuple[memoryview, bool]]:
    """The inflated bytes of a gzip part cut at line ends: (whole lines, each ending with its newline,
    False), then (the last line, which has no newline, True) when there is one; raises
    ``GzipNotIntact`` (possibly after giving some chunks) when the stream breaks, and ``OSError``
    when the file cannot be read. Both part readers take their lines from it (``intact_gzip_lines``,
    and the compiled reader's ``part_extract.native_extract``)."""
    pending = b""
    with open(path, "rb") as fh:
        for out in intact_gzip_blocks(fh):
            data = pending + out if pending else out
            cut = data.rfind(b"\n") + 1
            if cut:
                yield memoryview(data)[:cut], False
            pending = data[cut:]
    if pending:
        yield memoryview(pending), True


def intact_gzip_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(1-based line number, line) of the non-blank lines of a gzip part, as ``snapshot.iter_lines``
    gives them; raises ``GzipNotIntact`` (possibly after giving some lines) when the stream breaks,
    and ``OSError`` when the file cannot be read."""
    lineno = 0
    for chunk, last in intact_gzip_line_chunks(path):
        lines = chunk.tobytes().split(b"\n")
        if not last:
            lines.pop()  # the empty piece after the chunk's final newline
        for line in lines:
            lineno += 1
            if line and not line.isspace():
                yield lineno, line

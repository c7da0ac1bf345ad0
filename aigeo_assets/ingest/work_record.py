"""The declared schema of an OpenAlex work record: every field aigeo reads, with its type.

A works line is decoded once, by msgspec, straight into the ``Work`` structs below; the decoder
checks each declared field's type while it reads, so no field is used before it is checked and a
field of the wrong type is never coerced into a plausible-looking value (a country ``"US"`` is not
read as the list ``["U", "S"]``, a title ``{"a": 1}`` is not turned into ``"{'a': 1}"``). Fields
aigeo does not read are skipped unchecked: OpenAlex adds fields all the time.

The schema (``null`` or an absent key is accepted wherever OpenAlex ships nulls; ``str?`` below):

====================================================  ==========================================
field                                                 type
====================================================  ==========================================
``id``, ``doi``, ``title``, ``type``, ``type_crossref``  str?
``publication_year``                                  int? (a JSON integer; ``2015.0``, ``"2015"``, ``true`` fail)
``ids.pmid``                                          str?
``abstract_inverted_index``                           {str: [int >= 0]}?
``primary_location.{raw_type, raw_source_name}``      str?
``primary_location.source.{id, display_name, issn_l, type}``  str?
``topics[]``, ``primary_topic``                       {id: str (required in topics[], str? in
                                                      primary_topic), score: number?,
                                                      subfield/field/domain: {id: str?}?}
``authorships[].author_position``, ``.author.id``     str?
``authorships[].institutions[].{id, display_name, country_code}``  str?
``authorships[].countries``, ``.raw_affiliation_strings``  [str]?
``authorships[].affiliations[].raw_affiliation_string``  str?; ``.institution_ids``: [str]?
``referenced_works``                                  [str]?
``concepts[]``                                        {id: str (required), display_name: str?,
                                                      level: int 0..32767?, score: number?}
====================================================  ==========================================

A line that does not decode against it gives one quarantine row: ``malformed_json`` (not JSON, or
not UTF-8 where a used string is), ``not_an_object`` (JSON, but not an object), or ``bad_field``
with the field's path and what was found, e.g. ``authorships[2].countries[0]: expected str, got
int``.

**The year.** ``year_of_line`` decodes only ``publication_year`` (the top-level key, as the full
decoder reads it: the last of duplicate keys, never a nested one, never a regex's guess) with the
same rules; the per-part extracts, the parser and the snapshot sensor all attribute a line to a year
with it, so they cannot disagree. A line without a usable year gets a ``YearProblem``: reason
``year_unknown`` (no or null ``publication_year``), ``bad_field`` (a year that is not an integer),
``malformed_json`` or ``not_an_object``.
"""

from __future__ import annotations

from typing import Annotated, NamedTuple

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType


class Source(Struct, gc=False):
    id: str | None = None
    display_name: str | None = None
    issn_l: str | None = None
    type: str | None = None


class Location(Struct, gc=False):
    source: Source | None = None
    raw_type: str | None = None
    raw_source_name: str | None = None


class Ids(Struct, gc=False):
    pmid: str | None = None


class TopicLevel(Struct, gc=False):
    """A topic's subfield, field or domain."""

    id: str | None = None


class Topic(Struct, gc=False):
    id: str
    subfield: TopicLevel | None = None
    field: TopicLevel | None = None
    domain: TopicLevel | None = None
    score: float | None = None


class PrimaryTopic(Topic, gc=False):
    """``primary_topic``: its subfield places the work even when the topic id is missing (records
    trimmed by hand or by older API versions); a topic row is made from it only when it has an id."""

    id: str | None = None


class Concept(Struct, gc=False):
    id: str
    display_name: str | None = None
    level: Annotated[int, Meta(ge=0, le=32767)] | None = None
    score: float | None = None


class InstitutionRef(Struct, gc=False):
    id: str | None = None
    display_name: str | None = None
    country_code: str | None = None


class AuthorRef(Struct, gc=False):
    id: str | None = None


class Affiliation(Struct, gc=False):
    raw_affiliation_string: str | None = None
    institution_ids: list[str] | None = None


class Authorship(Struct, gc=False):
    author_position: str | None = None
    author: AuthorRef | None = None
    institutions: list[InstitutionRef] | None = None
    countries: list[str] | None = None
    raw_affiliation_strings: list[str] | None = None
    affiliations: list[Affiliation] | None = None


class Work(Struct, gc=False):
    """The fields of an OpenAlex work record that aigeo reads (the table in the module docstring)."""

    id: str | None = None
    publication_year: int | None | UnsetType = UNSET
    doi: str | None = None
    ids: Ids | None = None
    type: str | None = None
    type_crossref: str | None = None
    title: str | None = None
    abstract_inverted_index: dict[str, list[Annotated[int, Meta(ge=0)]]] | None = None
    primary_location: Location | None = None
    primary_topic: PrimaryTopic | None = None
    authorships: list[Authorship] | None = None
    referenced_works: list[str] | None = None
    concepts: list[Concept] | None = None
    topics: list[Topic] | None = None


class YearOnly(Struct, gc=False):
    publication_year: int | None | UnsetType = UNSET


class YearProblem(NamedTuple):
    """Why a line cannot be attributed to a publication year (a quarantine reason and detail)."""

    reason: str
    detail: str


UNATTRIBUTED = "cannot be attributed to a year: reported by every yearly scan"

_decode_work = msgspec.json.Decoder(Work).decode
_decode_year = msgspec.json.Decoder(YearOnly).decode
_convert = msgspec.convert
ValidationError = msgspec.ValidationError
DecodeError = msgspec.DecodeError


class RecordError(ValueError):
    """A record that does not match the declared schema; ``reason`` and ``str()`` are its quarantine row."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason


def describe_error(exc: Exception) -> tuple[str, str]:
    """(reason, detail) of a decoding failure: ``bad_field`` names the field path and what was found."""
    msg = str(exc)
    if isinstance(exc, ValidationError):
        text, sep, path = msg.rpartition(" - at `$")
        if not sep:
            if msg.startswith("Expected `object`, got `"):
                return "not_an_object", msg[len("Expected `object`, got `") :].rstrip("`")
            return "bad_field", _plain(msg)
        return "bad_field", f"{path.rstrip('`').lstrip('.')}: {_plain(text)}"
    if isinstance(exc, UnicodeDecodeError):
        return "malformed_json", f"not UTF-8: {msg}"[:200]
    return "malformed_json", msg[:200]


def _plain(text: str) -> str:
    text = text.replace("`", "")
    return text[:1].lower() + text[1:]


def decode_work(line: bytes) -> Work:
    """One works line -> ``Work``; raises ``RecordError`` (reason, detail) when it does not match the schema."""
    try:
        return _decode_work(line)
    except (DecodeError, UnicodeDecodeError) as exc:
        raise RecordError(*describe_error(exc)) from None


def work_from_object(obj) -> Work:
    """An already decoded record (a dict) -> ``Work``, with the same checks as ``decode_work``."""
    try:
        return _convert(obj, Work)
    except ValidationError as exc:
        raise RecordError(*describe_error(exc)) from None


def year_of_work(work: Work | YearOnly) -> int | YearProblem:
    """The publication year of a decoded record, or why it has none (the same answer as ``year_of_line``)."""
    year = work.publication_year
    if year.__class__ is int:
        return year
    if year is None:
        return YearProblem("year_unknown", f"publication_year is null ({UNATTRIBUTED})")
    return YearProblem("year_unknown", f"no publication_year ({UNATTRIBUTED})")


def year_of_line(line: bytes) -> int | YearProblem:
    """The publication year of a works line as the decoder reads it, or why it has none.

    Only ``publication_year`` is decoded (the rest of the line is checked to be JSON and skipped),
    so this is much cheaper than decoding the record, and gives the same year the full decoder does.
    """
    try:
        decoded = _decode_year(line)
    except (DecodeError, UnicodeDecodeError) as exc:
        reason, detail = describe_error(exc)
        return YearProblem(reason, f"{detail} ({UNATTRIBUTED})")
    return year_of_work(decoded)

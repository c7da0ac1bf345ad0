"""The PubMed parse in CPU per record: the reader before issue 13's intact reader, the reader now and
lxml's bare ``iterparse`` on the same files, in one process (``results/pubmed_parse.json``).

Inputs, each a corpus of its own in the results:

* ``demo``: the demo world's PubMed baseline files (``data/sources/sample-demo-*/pubmed``, generated
  with ``aigeo world --scale demo`` into ``AIGEO_DATA_DIR`` when absent; ``--demo-files`` of them);
* ``paper``: with ``--paper-files N``, the first N files of the paper-scale world
  (``sources/sample-paper-*/pubmed`` under ``AIGEO_DATA_DIR`` or ``data/``, about 25,000 records each;
  skipped when that world is absent: it takes minutes to generate);
* ``real``: every real sample in ``../shared/samples/pubmed`` (baseline ``PubmedArticleSet`` files,
  the 2016 ``MedlineCitationSet`` with its ``DeleteCitation``, E-utilities downloads).

What is timed (CPU seconds, ``time.process_time``; the best of ``--repeat`` per file, the readers
alternated file by file so that each meets the same machine load):

* ``before``: ``parse_pubmed_file`` of git's ``--before-ref`` version of
  ``aigeo_assets/lifesci/pubmed.py`` (every file through the record framer and ``iterparse``),
  imported from a temporary copy;
* ``start``: ``parse_pubmed_file`` of git's ``--start-ref`` version (the reader this round started
  from: the same reader, its string columns converted value by value by pandas from object
  columns);
* ``after``: ``parse_pubmed_file`` now (the intact reader; the framer where a file is not intact);
* ``framer``: ``parse_pubmed_file(reader="framer")`` now, the fallback alone;
* ``peer``: lxml's bare ``iterparse`` over the same bytes (``isal`` inflating), each record element
  counted, cleared and detached, no field read: what parsing alone costs with lxml's own streaming.

Per corpus, on its largest file, ``stages``: where a record's CPU goes in the intact reader
(``inflate_and_cut``: ``_IntactSource.batches``, ``isal`` inflating and the byte checks; ``parse``:
lxml's ``fromstring`` of each batch; ``walk``: the Python field walk, ``_item`` on each record
element; ``tables``: the rest of ``after``, items to the four frames), beside two ways of moving the
field extraction into C that issue 13 asked to measure, on the same parsed documents:
``xslt_fields``, one ``lxml.etree.XSLT`` transform per batch emitting every field the walk reads as
delimited text (:data:`FIELDS_XSLT`; its white-space rule ``normalize-space(translate(...))`` is
Python's ``" ".join(text.split())``), and ``xslt_fields_xml_space`` the same without the
``translate`` (XML white space only: not the walk's values, a lower bound of the transform's cost);
``xpath_references``, one compiled ``lxml.etree.XPath`` per batch returning every cited PMID (one
field of the walk's ~25), beside ``walk_references``, the walk's loop for the same field. Neither
transform's text is read back here: its cost alone is compared with the whole walk's.

Then ``pool``: ``pubmed_files.file_manifest`` (parse into the cache) of the demo files with one
worker and with one per core, in wall and CPU seconds, manifest and quarantine asserted equal.

Before, after and framer give identical tables (asserted per file: the four frames, deleted PMIDs,
versions and counts). Records are citation records (``n_records``: articles, quarantined, superseded,
deleted and out of years). Each corpus also gives its largest file alone: the real samples are
mostly files of one record, where building the four tables of a file costs more than reading it.
Run: ``.venv/bin/python benchmarks/pubmed_parse.py [--repeat 3] [--demo-files 4] [--paper-files 3]
[--paper-dir DIR]`` (``DIR``: a paper world's ``pubmed`` folder, read only).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from results_file import repo_path, write_results  # noqa: E402

from aigeo_assets.ingest.records_folder import shared_samples_dir  # noqa: E402
from aigeo_assets.lifesci import pubmed as now  # noqa: E402

BEFORE_REF = "8c92c20"
"""The last commit before the intact reader (issue 13)."""


START_REF = "879cd6c"
"""The commit this round of issue 13 started from (string columns converted by pandas)."""


def reader_at(ref: str, tmp: Path, name: str = "pubmed_before"):
    """git's ``ref`` version of ``aigeo_assets/lifesci/pubmed.py``, imported from a copy in ``tmp``."""
    text = subprocess.run(["git", "-C", str(REPO), "show", f"{ref}:aigeo_assets/lifesci/pubmed.py"],
                          check=True, capture_output=True, text=True).stdout
    copy = tmp / f"{name}.py"
    copy.write_text(text)
    spec = importlib.util.spec_from_file_location(name, copy)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def bare_iterparse(path: Path) -> int:
    """lxml's ``iterparse`` over the file's bytes, each record element cleared and detached: the peer."""
    from isal import igzip
    from lxml import etree

    n = 0
    opener = igzip.open if path.read_bytes()[:2] == b"\x1f\x8b" else open
    with opener(path, "rb") as raw:
        for _, el in etree.iterparse(raw, events=("end",), tag=now._TARGETS, resolve_entities=False,
                                     no_network=True, huge_tree=True):
            n += 1
            el.clear(keep_tail=True)
            parent = el.getparent()
            if parent is not None:
                while el.getprevious() is not None:
                    del parent[0]
    return n


_PY_SPACE = "\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
"""Python's white space that XPath's ``normalize-space`` leaves alone and XML 1.0 allows."""
_FLAT = "normalize-space(translate({0}, $W, $SP))"
_TEXT = "{0}/node()[1][self::text()]"
"""``el.text`` (the text before the first child) of the first node of ``{0}``."""

FIELDS_XSLT = f"""<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:output method="text" encoding="UTF-8"/>
<xsl:param name="F"/><xsl:param name="R"/><xsl:param name="L"/><xsl:param name="S"/><xsl:param name="X"/>
<xsl:variable name="W" select="'{''.join(f'&#x{ord(c):x};' for c in _PY_SPACE)}'"/>
<xsl:variable name="SP" select="'{' ' * len(_PY_SPACE)}'"/>
<xsl:template match="/">
 <xsl:for-each select="/*/*">
  <xsl:variable name="c" select="self::PubmedArticle/MedlineCitation[last()] | self::MedlineCitation"/>
  <xsl:variable name="a" select="$c/Article[last()]"/>
  <xsl:choose>
   <xsl:when test="not($c) or $a/Affiliation">W</xsl:when>
   <xsl:otherwise>
    <xsl:variable name="d" select="self::PubmedArticle/PubmedData[last()]"/>
    <xsl:variable name="j" select="$a/Journal[last()]"/>
    <xsl:variable name="pd" select="$j/JournalIssue[last()]/PubDate[1]"/>
    <xsl:variable name="p" select="$c/PMID[1]"/>
    <xsl:text>A</xsl:text><xsl:value-of select="$F"/>
    <xsl:value-of select="{_TEXT.format('$p')}"/><xsl:value-of select="$F"/>
    <xsl:if test="$p/@Version">v<xsl:value-of select="$p/@Version"/></xsl:if><xsl:value-of select="$F"/>
    <xsl:value-of select="{_TEXT.format('$pd/Year[1]')}"/><xsl:value-of select="$F"/>
    <xsl:value-of select="{_TEXT.format('$pd/MedlineDate[1]')}"/><xsl:value-of select="$F"/>
    <xsl:value-of select="{_TEXT.format('$a/ArticleDate[1]/Year[1]')}"/><xsl:value-of select="$F"/>
    <xsl:value-of select="{_FLAT.format('$a/ArticleTitle[last()]')}"/><xsl:value-of select="$F"/>
    <xsl:variable name="sections" select="$a/Abstract[last()]/AbstractText[{_FLAT.format('.')}]"/>
    <xsl:choose>
     <xsl:when test="$sections/@Label">
      <xsl:value-of select="$X"/>
      <xsl:for-each select="$sections">
       <xsl:if test="position() > 1"><xsl:value-of select="$L"/></xsl:if>
       <xsl:value-of select="@Label"/><xsl:value-of select="$X"/><xsl:value-of select="{_FLAT.format('.')}"/>
      </xsl:for-each>
     </xsl:when>
     <xsl:otherwise>
      <xsl:for-each select="$sections">
       <xsl:if test="position() > 1"><xsl:text> </xsl:text></xsl:if><xsl:value-of select="{_FLAT.format('.')}"/>
      </xsl:for-each>
     </xsl:otherwise>
    </xsl:choose><xsl:value-of select="$F"/>
    <xsl:value-of select="{_FLAT.format('$j/Title[last()]')}"/><xsl:value-of select="$F"/>
    <xsl:value-of select="{_TEXT.format('$j/ISOAbbreviation[last()]')}"/><xsl:value-of select="$F"/>
    <xsl:value-of select="{_TEXT.format("$j/ISSN[not(@IssnType) or @IssnType='Print'][last()]")}"/><xsl:value-of select="$F"/>
    <xsl:value-of select="{_TEXT.format("$j/ISSN[@IssnType='Electronic'][last()]")}"/><xsl:value-of select="$F"/>
    <xsl:value-of select="{_TEXT.format('$c/MedlineJournalInfo[last()]/ISSNLinking[1]')}"/><xsl:value-of select="$F"/>
    <xsl:for-each select="$a/PublicationTypeList[last()]/PublicationType">
     <xsl:if test="position() > 1"><xsl:value-of select="$L"/></xsl:if><xsl:value-of select="{_TEXT.format('.')}"/>
    </xsl:for-each><xsl:value-of select="$F"/>
    <xsl:for-each select="$c/MeshHeadingList[last()]//DescriptorName">
     <xsl:if test="position() > 1"><xsl:value-of select="$L"/></xsl:if><xsl:value-of select="{_TEXT.format('.')}"/>
    </xsl:for-each><xsl:value-of select="$F"/>
    <xsl:for-each select="$d/ArticleIdList/*[@IdType='doi'] | $a/ELocationID[@EIdType='doi']">
     <xsl:if test="position() > 1"><xsl:value-of select="$L"/></xsl:if><xsl:value-of select="{_TEXT.format('.')}"/>
    </xsl:for-each><xsl:value-of select="$F"/>
    <xsl:for-each select="$d/ReferenceList//ArticleId[@IdType='pubmed']">
     <xsl:if test="position() > 1"><xsl:value-of select="$L"/></xsl:if><xsl:value-of select="{_FLAT.format(_TEXT.format('.'))}"/>
    </xsl:for-each><xsl:value-of select="$F"/>
    <xsl:value-of select="count($a/AuthorList[1][not(@Type='editors')]/Author[not(@ValidYN='N')])"/>
   </xsl:otherwise>
  </xsl:choose>
  <xsl:value-of select="$R"/>
 </xsl:for-each>
 <xsl:value-of select="$S"/>
 <xsl:for-each select="/*/*">
  <xsl:variable name="r" select="position() - 1"/>
  <xsl:variable name="c" select="self::PubmedArticle/MedlineCitation[last()] | self::MedlineCitation"/>
  <xsl:for-each select="$c/Article[last()][not(Affiliation)]/AuthorList[1][not(@Type='editors')]/Author[not(@ValidYN='N')]">
   <xsl:variable name="head">
    <xsl:value-of select="$r"/><xsl:value-of select="$F"/>
    <xsl:value-of select="position() - 1"/><xsl:value-of select="$F"/>
    <xsl:value-of select="{_TEXT.format('LastName[last()]')}"/><xsl:value-of select="$F"/>
    <xsl:value-of select="{_TEXT.format('ForeName[last()]')}"/><xsl:value-of select="$F"/>
    <xsl:value-of select="{_FLAT.format('CollectiveName[last()]')}"/><xsl:value-of select="$F"/>
   </xsl:variable>
   <xsl:variable name="affiliations" select="(AffiliationInfo/Affiliation | Affiliation)[{_FLAT.format('.')}]"/>
   <xsl:choose>
    <xsl:when test="$affiliations">
     <xsl:for-each select="$affiliations">
      <xsl:value-of select="$head"/><xsl:value-of select="position() - 1"/><xsl:value-of select="$F"/>
      <xsl:value-of select="{_FLAT.format('.')}"/><xsl:value-of select="$F"/>
     </xsl:for-each>
    </xsl:when>
    <xsl:otherwise><xsl:value-of select="$head"/>0<xsl:value-of select="$F"/><xsl:value-of select="$F"/></xsl:otherwise>
   </xsl:choose>
  </xsl:for-each>
 </xsl:for-each>
</xsl:template>
</xsl:stylesheet>
"""
"""The field-extraction candidate measured in ``stages``: per batch, one line per child of the root
(``W``: left to the walk, a record the transform cannot vouch for; ``A`` and the article fields,
white space flattened as the walk does, the ``el.text`` of stripped fields raw for Python's
``strip``), then the author rows (one per author and affiliation). Separators are private-use
characters (U+E000-U+E004, passed as parameters: lxml refuses control characters) that a batch
would be checked not to hold."""


def stages(path: Path) -> dict:
    """us per record of each stage of the intact reader on ``path``, and of the C candidates on the
    same parsed batches (one batch in memory at a time)."""
    from lxml import etree

    cpu = time.process_time
    separators = {k: etree.XSLT.strparam(chr(0xE000 + i)) for i, k in enumerate("FRLSX")}
    exact = etree.XSLT(etree.XML(FIELDS_XSLT.encode()))
    xml_space = etree.XSLT(etree.XML(FIELDS_XSLT.replace("translate(", "concat(").replace(", $W, $SP)", ", '')").encode()))
    references = etree.XPath("/*/PubmedArticle/PubmedData[last()]/ReferenceList//ArticleId[@IdType='pubmed']"
                             "/node()[1][self::text()]", smart_strings=False)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    t = cpu()
    with now._IntactSource(path, now.MAX_RECORD_BYTES) as source:
        batches = [b for b, _ in source.batches()]
    cost = {"inflate_and_cut": cpu() - t, "parse": 0.0, "walk": 0.0, "xslt_fields": 0.0, "xslt_fields_xml_space": 0.0,
            "walk_references": 0.0, "xpath_references": 0.0}
    n = 0
    while batches:
        batch = batches.pop(0)
        t0 = cpu()
        root = etree.fromstring(batch, parser)
        t1 = cpu()
        records = [e for e in root if e.tag in now._TARGET_SET]
        t2 = cpu()
        for e in records:
            now._item(e, 0, None)
        t3 = cpu()
        for e in records:
            for data in e:
                if data.tag == "PubmedData":
                    for refs in data:
                        if refs.tag == "ReferenceList":
                            [r.text for r in refs.iter("ArticleId") if r.get("IdType") == "pubmed"]
        t4 = cpu()
        references(root)
        t5 = cpu()
        str(exact(root, **separators))
        t6 = cpu()
        str(xml_space(root, **separators))
        t7 = cpu()
        n += len(records)
        for key, dt in (("parse", t1 - t0), ("walk", t3 - t2), ("walk_references", t4 - t3), ("xpath_references", t5 - t4),
                        ("xslt_fields", t6 - t5), ("xslt_fields_xml_space", t7 - t6)):
            cost[key] += dt
    return {"file": path.name, "records": n, **{f"{k}_us_per_record": round(v / n * 1e6, 1) for k, v in cost.items()}}


def same_tables(a, b, path: Path) -> None:
    for name in ("articles", "authors", "references", "quarantine"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=f"{path.name} {name}")
    assert (a.deleted_pmids, a.article_versions, a.n_records, a.n_quarantined_records, a.n_superseded, a.n_deleted) \
        == (b.deleted_pmids, b.article_versions, b.n_records, b.n_quarantined_records, b.n_superseded, b.n_deleted), path


def measure(files: list[Path], before, start, repeat: int) -> dict:
    """Best-of-``repeat`` CPU seconds per reader over ``files`` (alternated file by file)."""
    cpu = time.process_time
    readers = {
        "before": before.parse_pubmed_file,
        "start": start.parse_pubmed_file,
        "after": now.parse_pubmed_file,
        "framer": lambda f: now.parse_pubmed_file(f, reader="framer"),
        "peer": bare_iterparse,
    }
    seconds = dict.fromkeys(readers, 0.0)
    records = 0
    largest: dict = {}  # the file with the most records: its figures alone (no per-file costs spread thin)
    for path in files:
        best = dict.fromkeys(readers, float("inf"))
        out = {}
        for _ in range(repeat):
            for name, read in readers.items():
                t = cpu()
                out[name] = read(path)
                best[name] = min(best[name], cpu() - t)
        same_tables(out["before"], out["after"], path)
        same_tables(out["start"], out["after"], path)
        same_tables(out["framer"], out["after"], path)
        n = out["after"].n_records
        records += n
        for name in readers:
            seconds[name] += best[name]
        if n > largest.get("records", 0):
            largest = {"file": path.name, "records": n,
                       **{f"{k}_us_per_record": round(best[k] / n * 1e6, 1) for k in readers},
                       "after_over_before": round(best["before"] / best["after"], 2),
                       "after_over_start": round(best["start"] / best["after"], 2)}
    result = {"files": len(files), "bytes": sum(f.stat().st_size for f in files), "records": records}
    for name, s in seconds.items():
        result[name] = {"cpu_seconds": round(s, 3), "us_per_record": round(s / records * 1e6, 1),
                        "records_per_cpu_second": round(records / s)}
    result["after_over_before"] = round(seconds["before"] / seconds["after"], 2)
    result["after_over_start"] = round(seconds["start"] / seconds["after"], 2)
    result["identical_tables"] = True
    result["largest_file"] = largest
    big = next(p for p in files if p.name == largest["file"])
    result["stages"] = {**stages(big), "after_us_per_record": largest["after_us_per_record"]}
    s = result["stages"]
    s["tables_us_per_record"] = round(s["after_us_per_record"] - s["inflate_and_cut_us_per_record"]
                                      - s["parse_us_per_record"] - s["walk_us_per_record"], 1)
    return result


def pool(files: list[Path], tmp: Path) -> dict:
    """``file_manifest`` (parse and cache every file) with one worker and with one per core, wall and
    CPU seconds (the workers' included), manifest and quarantine asserted equal."""
    import resource
    import shutil

    from aigeo_assets.lifesci import pubmed_files as pf

    def run(workers: int):
        cache = tmp / f"pool{workers}"
        shutil.rmtree(cache, ignore_errors=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t_wall, t_cpu = time.perf_counter(), time.process_time()
        manifest, quarantine = pf.file_manifest(files, cache, workers=workers)
        wall, own = time.perf_counter() - t_wall, time.process_time() - t_cpu
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return manifest, quarantine, wall, own + (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    workers = pf.parse_workers(len(files))
    m1, q1, wall1, cpu1 = run(1)
    mn, qn, walln, cpun = run(workers)
    pd.testing.assert_frame_equal(m1, mn)
    pd.testing.assert_frame_equal(q1, qn)
    print(f"  file_manifest of the demo files: 1 worker {wall1:.1f} s wall ({cpu1:.1f} CPU-s); {workers} workers "
          f"{walln:.1f} s wall ({cpun:.1f} CPU-s); identical manifest and quarantine", flush=True)
    return {"workers": workers, "one_worker_wall_seconds": round(wall1, 2), "one_worker_cpu_seconds": round(cpu1, 2),
            "pool_wall_seconds": round(walln, 2), "pool_cpu_seconds": round(cpun, 2),
            "wall_speedup": round(wall1 / walln, 2), "identical": True}


def demo_files(n: int) -> tuple[Path, list[Path]]:
    """The first ``n`` PubMed files of the demo world (generated first when absent)."""
    from aigeo_assets.sampleworld import generate_world

    data = Path(os.environ.get("AIGEO_DATA_DIR") or REPO / "data")
    found = sorted(data.glob("sources/sample-demo-*/pubmed"))
    folder = found[-1] if found else generate_world(data / "sources" / "sample-demo-20221121", scale="demo") / "pubmed"
    return folder, sorted(folder.rglob("*.xml.gz"))[:n]


def paper_files(n: int, folder: Path | None = None) -> tuple[Path | None, list[Path]]:
    """The first ``n`` PubMed files of the paper-scale world (``folder``, else found under the data
    folder), when it is there."""
    data = Path(os.environ.get("AIGEO_DATA_DIR") or REPO / "data")
    found = ([folder] if folder is not None else sorted(data.glob("sources/sample-paper-*/pubmed"))) if n else []
    return (found[-1], sorted(found[-1].rglob("*.xml.gz"))[:n]) if found else (None, [])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--demo-files", type=int, default=4, help="demo-world PubMed files (about 5,000 records each)")
    ap.add_argument("--paper-files", type=int, default=0, help="paper-world PubMed files (0: none)")
    ap.add_argument("--paper-dir", type=Path, help="a paper world's pubmed folder (default: under the data folder)")
    ap.add_argument("--before-ref", default=BEFORE_REF, help="git revision of the reader before")
    ap.add_argument("--start-ref", default=START_REF, help="git revision this round started from")
    args = ap.parse_args()
    demo_folder, demo = demo_files(args.demo_files)
    paper_folder, paper = paper_files(args.paper_files, args.paper_dir)
    samples = shared_samples_dir() / "pubmed"
    real = sorted(p for p in samples.rglob("*") if p.name.endswith((".xml", ".xml.gz"))) if samples.is_dir() else []
    with tempfile.TemporaryDirectory(prefix="bench_pubmed_parse_") as tmp:
        before = reader_at(args.before_ref, Path(tmp))
        start = reader_at(args.start_ref, Path(tmp), "pubmed_start")
        corpora = {}
        for name, folder, files in (("demo", demo_folder, demo), ("paper", paper_folder, paper), ("real", samples, real)):
            if not files:
                print(f"  {name}: no files, skipped", flush=True)
                continue
            r = measure(files, before, start, args.repeat)
            corpora[name] = {"source": repo_path(folder), **r}
            print(f"  {name}: {r['files']} files, {r['records']:,} records; us per record: "
                  + ", ".join(f"{k} {r[k]['us_per_record']}" for k in ("before", "start", "after", "framer", "peer"))
                  + f"; after {r['after_over_before']}x before, {r['after_over_start']}x start; records per CPU-s: "
                  + ", ".join(f"{k} {r[k]['records_per_cpu_second']:,}" for k in ("before", "start", "after", "peer"))
                  + "; identical tables", flush=True)
            big = r["largest_file"]
            print(f"    largest file {big['file']} ({big['records']:,} records): us per record before "
                  f"{big['before_us_per_record']}, start {big['start_us_per_record']}, after {big['after_us_per_record']} "
                  f"({big['after_over_before']}x, {big['after_over_start']}x), "
                  f"peer {big['peer_us_per_record']}", flush=True)
            st = r["stages"]
            print("    stages of the largest file, us per record: " + ", ".join(
                f"{k.removesuffix('_us_per_record')} {v}" for k, v in st.items() if k.endswith("_us_per_record")), flush=True)
        parallel = pool(demo, Path(tmp)) if demo else None
    write_results("pubmed_parse", {"repeat": args.repeat, "before_ref": args.before_ref, "start_ref": args.start_ref, "corpora": corpora,
                                   "pool": parallel})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

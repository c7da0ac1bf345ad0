"""The PubMed baseline records of the life-science part (Schmallenbach et al. 2024): ``PubmedArticle`` XML lines
(authors and affiliation strings, journal, dates, abstract, MeSH, publication types, references) and the
multi-member gzip files they go into.

``pubmed/baseline/pubmed26nNNNN.xml.gz``
    multi-member gzip (mtime 0; the first member, the XML head, carries the inner name
    ``pubmed26nNNNN.xml``; then one member per render chunk of ``RENDER_CHUNK`` records that wrote
    to the file, then the tail) XML files in the shape of the NLM PubMed
    baseline / efetch output: ``<?xml version="1.0" ?>``, the PubMed DOCTYPE line, then
    ``<PubmedArticleSet>`` with one ``<PubmedArticle>`` per line. Each record has
    ``MedlineCitation[@Status="MEDLINE"][@Owner="NLM"]`` with ``PMID[@Version="1"]``,
    ``DateCompleted``, ``DateRevised``, ``Article`` (``Journal`` with one ``ISSN`` of
    ``@IssnType`` Print or Electronic, ``JournalIssue/Volume|Issue|PubDate`` where ``PubDate``
    holds ``Year`` [+ ``Month``] or, for ~3 %, a ``MedlineDate`` such as ``2015 Jan-Feb``,
    ``Title`` in NLM case, ``ISOAbbreviation``), ``ArticleTitle``, ``Pagination``,
    ``ELocationID[@EIdType="doi"]`` (when the record has a DOI), ``Abstract`` (``AbstractText``,
    structured ones with ``@Label`` [+ ``@NlmCategory``]; ~4 % of the non-AI records and ~3 % of
    the AI records have no abstract), ``AuthorList`` (persons with ``LastName``/``ForeName``/
    ``Initials``/optional ``Identifier[@Source="ORCID"]``/``AffiliationInfo/Affiliation``; ~1.5 %
    of records have a ``CollectiveName`` group author in a middle position; some authors have no
    affiliation, some two ``AffiliationInfo`` elements, some one affiliation string holding two
    addresses joined by ``"; "``), ``Language``, ``PublicationTypeList``; then
    ``MedlineJournalInfo`` (``Country``, ``MedlineTA``, ``NlmUniqueID``, ``ISSNLinking``),
    ``CitationSubset``, ``MeshHeadingList`` (``DescriptorName[@UI]``); and ``PubmedData`` with
    ``History``, ``PublicationStatus``, ``ArticleIdList`` (``pubmed``, ``doi``) and a
    ``ReferenceList`` of ``Reference/Citation`` + ``ArticleIdList/ArticleId[@IdType="pubmed"]``
    (~10 % of references to outside works carry no ``ArticleIdList``).

    Years: ``max(start, 2000) .. end``. PMIDs rise with the year (a year's PMIDs start near the
    real ones: 10.6 M in 2000, +1.1 M a year) and the world's own PMIDs are all ``≡ 3 (mod 8)``;
    references to works outside the world use other PMIDs, so no outside reference can hit a
    world record. As in the real baseline, a file holds records of any year: every record goes to
    a random file (records within a file ascend by PMID). The number of files depends only on the
    scale and the years (planned records / ``records_per_file``, so < 30,000 records a file), not
    on the seed.

    Three kinds of records:

    * AI articles (the population of Schmallenbach et al. 2024): the title or the abstract (or both) contains one
      of ``AI_TERMS`` in a natural sentence, sometimes hyphenated (``deep-learning``),
      plural (``random forests``) or with an acronym (``convolutional neural networks (CNNs)``).
      AI articles cite only works outside the world.
    * citing records: non-AI life-science articles (no AI term, nor any word of
      ``NONAI_FORBIDDEN``) whose ``ReferenceList`` cites AI articles. **All PubMed citations of
      AI articles come from these records** (the others come from OpenAlex-only citers, ``openalex_records``); a
      citing work cites a given AI article at most once and is never older than the articles it
      cites.
    * background records: non-AI records that cite no AI article (~10 % of the citing records).

    Clinical records (AI or not) carry at least one text marker of the Haynes broad filters
    (``randomized``/``randomly``, ``clinical trial``, ``diagnostic accuracy``, ``sensitivity and
    specificity``) and, for trials, the ``PublicationType`` "Randomized Controlled Trial" or
    "Clinical Trial"; non-clinical records match none of ``CLINICAL_PATTERN`` (``random forest``
    is not a marker here) and carry no clinical publication type. Note: PubMed's therapy/broad
    query uses ``random*[tiab]``, which also matches "random forest", so an AI article whose AI
    term is "random forest" passes that filter; the truth's per-article ``clinical`` is the
    filter's answer (planted clinical or "random forest"), ``clinical_planted`` the planted flag.
    Citing records never say "random forest", so clinical citations are exactly the planted ones.

    Malformed records (at most one per file, listed in the truth): one record without a ``PMID``
    element in the first file and in every file whose 0-based index is ``≡ 3 (mod 7)``; and the
    last file is truncated (a complete gzip stream whose XML stops in the middle of its last
    record, with no closing ``</PubmedArticleSet>``). Both are sacrificial background records
    (no AI term, no citation of an AI article), so every other truth (``truth``) is exact.
"""

from __future__ import annotations

import gzip
import io
import math
import re

from aigeo_assets.sampleworld.lifesci.params import (
    DOCTYPE,
    Q_BARE_EMAIL,
    Q_COLLECTIVE,
    Q_EMAIL,
    Q_JOINED_AFFIL,
    Q_MEDLINE_DATE,
    Q_NO_AFFIL,
    Q_NO_DOI,
    Q_ORCID,
    Q_STRUCTURED,
    Q_TWO_AFFIL,
)
from aigeo_assets.sampleworld.lifesci.vocabulary import (
    AU_STATES,
    CA_PROVINCES,
    CONDITIONS,
    LS_DEPARTMENTS,
    MESH_ALGO,
    MESH_ANIMAL,
    MESH_DEMO,
    MESH_HUMANS,
    MONTHS,
    PT_EXTRA,
    PT_JOURNAL,
    PT_REVIEW,
    PT_VALIDATION,
    US_STATES,
    AI_MESH,
    EMAIL_TLD,
    ZIP_AFTER_CITY,
    ZIP_BEFORE_CITY,
    ascii_fold,
    xml_escape,
)
from aigeo_assets.sampleworld.lifesci.outlets import Journal

FILE_HEAD = "<?xml version=\"1.0\" ?>\n" + DOCTYPE + "\n<PubmedArticleSet>\n"


def gzip_member(data: bytes, inner_name: str = "") -> bytes:
    """One gzip member (mtime 0, level 3) of ``data``; a baseline file is a sequence of them."""
    bio = io.BytesIO()
    with gzip.GzipFile(filename=inner_name, mode="wb", fileobj=bio, mtime=0, compresslevel=3) as gz:
        gz.write(data)
    return bio.getvalue()


class PubmedRecords:
    """Renders the PubMed records of a ``LifesciWorld`` from its streams ``r`` and ``rng``: the
    record's XML, its DOI left in ``doi``, its text in ``text``, its persons in ``auth_log`` (for
    the OpenAlex twin), quirk counts in ``quirks``."""

    def _country_name(self, cc: str) -> str:
        names, cum = self.country_variants[cc]
        return names[self.pick(cum)]

    def _address(self, city_i: int, inst_i: int) -> str:
        r = self.r
        city = self.geo.cities[city_i]
        cc = city.country_code
        inst = self.insts[inst_i].display_name
        rnd = r.random  # FastRandom's choice and randrange written out for the commonest branches
        dept = LS_DEPARTMENTS[int(rnd() * len(LS_DEPARTMENTS))]
        country = self._country_name(cc)
        name = city.name
        if cc == "US":
            st = city.admin1 if city.admin1 in US_STATES else None
            if st and rnd() < 0.7:
                loc = f"{name}, {st} {10000 + int(rnd() * 89999)}"
            elif st:
                loc = f"{name}, {US_STATES[st]}"
            else:
                loc = name
        elif cc == "CA":
            p = CA_PROVINCES.get(city.admin1)
            if p and r.random() < 0.5:
                z = (f"{r.choice('ABCEGHJKLMNPRSTVXY')}{r.randrange(10)}{r.choice('ABCEGHJKLMNPRSTVWXYZ')} "
                     f"{r.randrange(10)}{r.choice('ABCEGHJKLMNPRSTVWXYZ')}{r.randrange(10)}")
                loc = f"{name}, {p} {z}"
            else:
                loc = f"{name}, {p}" if p else name
        elif cc == "AU":
            st = AU_STATES.get(city.admin1)
            loc = f"{name}, {st} {r.randrange(2000, 7999)}" if st else name
        elif cc == "GB":
            loc = (f"{name} {r.choice('BCELMNOSW')}{r.choice('ABCDEHLNST')}{r.randrange(1, 20)} "
                   f"{r.randrange(10)}{r.choice('ABDEFGHJLNPQRSTUWXYZ')}{r.choice('ABDEFGHJLNPQRSTUWXYZ')}"
                   if r.random() < 0.5 else name)
        elif cc == "JP":
            loc = f"{name} {r.randrange(100, 999)}-{r.randrange(0, 9999):04d}" if r.random() < 0.7 else name
        elif cc == "NL":
            loc = f"{r.randrange(1000, 9999)} {r.choice('ABCDEGHJKLMNPRSTVWXZ')}{r.choice('ABCDEGHJKLMNPRSTVWXZ')} {name}"
        elif cc in ZIP_BEFORE_CITY and rnd() < 0.6:
            d = ZIP_BEFORE_CITY[cc]
            lo = 10 ** (d - 1)
            loc = f"{lo + int(rnd() * (10 * lo - lo))} {name}"
        elif ZIP_AFTER_CITY.get(cc) and 3 <= ZIP_AFTER_CITY[cc] <= 8 and rnd() < 0.5:
            d = ZIP_AFTER_CITY[cc]
            lo = 10 ** (d - 1)
            loc = f"{name} {lo + int(rnd() * (10 * lo - lo))}"
        else:
            loc = name
        return f"{dept}, {inst}, {loc}, {country}"

    def _email(self, last: str, fore: str, inst_i: int, cc: str) -> str:
        word = self._email_word(inst_i)
        tld = EMAIL_TLD.get(cc, cc.lower())
        return f"{ascii_fold(fore.split()[0])}.{ascii_fold(last)}@{ascii_fold(word)}.{tld}"

    def _email_word(self, inst_i: int) -> str:
        cache = self.__dict__.setdefault("_email_words", {})
        word = cache.get(inst_i)
        if word is None:
            inst = self.insts[inst_i].display_name
            word = cache[inst_i] = next((w for w in re.split(r"[\s,()]+", inst)
                                         if len(w) > 3 and w not in ("University", "Institute")), "univ")
        return word


    def _author_xml(self, cc: str | None, city: int | None, with_affil: bool, lead: bool,
                    collective: str | None = None) -> str:
        r, Qs = self.r, self.quirks
        if collective is not None:
            Qs["collective_authors"] += 1
            return f'<Author ValidYN="Y"><CollectiveName>{xml_escape(collective)}</CollectiveName></Author>'
        ln, fore, ini = self.draw_person(cc)
        parts = [f'<Author ValidYN="Y"><LastName>{xml_escape(ln)}</LastName><ForeName>{xml_escape(fore)}</ForeName>'
                 f'<Initials>{ini}</Initials>']
        rnd = r.random
        inst = None
        if rnd() < Q_ORCID:
            parts.append(f'<Identifier Source="ORCID">0000-000{1 + int(rnd() * 2)}-{1000 + int(rnd() * 8999)}-'
                         f'{100 + int(rnd() * 899)}{"0123456789X"[int(rnd() * 11)]}</Identifier>')
        if with_affil:
            inst = self.draw_inst(city)
            addr = self._address(city, inst)
            second = None
            u = r.random()
            if u < Q_JOINED_AFFIL:
                c2 = self.draw_city(cc)
                addr = f"{addr}; {self._address(c2, self.draw_inst(c2))}"
                Qs["joined_affiliation_strings"] += 1
            elif u < Q_JOINED_AFFIL + Q_TWO_AFFIL:
                c2 = city if r.random() < 0.6 else self.draw_city(cc)
                second = self._address(c2, self.draw_inst(c2))
                Qs["authors_with_two_affiliations"] += 1
            last_addr = second if second is not None else addr
            v = r.random()
            tail = "."
            if lead and v < Q_EMAIL:
                tail = f". Electronic address: {self._email(ln, fore, inst, cc)}."
                Qs["electronic_address_suffixes"] += 1
            elif lead and v < Q_EMAIL + Q_BARE_EMAIL:
                tail = f". {self._email(ln, fore, inst, cc)}."
                Qs["bare_email_suffixes"] += 1
            if second is None:
                parts.append(f"<AffiliationInfo><Affiliation>{xml_escape(addr + tail)}</Affiliation></AffiliationInfo>")
            else:
                parts.append(f"<AffiliationInfo><Affiliation>{xml_escape(addr)}.</Affiliation></AffiliationInfo>")
                parts.append(f"<AffiliationInfo><Affiliation>{xml_escape(last_addr + tail)}</Affiliation></AffiliationInfo>")
        parts.append("</Author>")
        self.auth_log.append((ln, fore, cc, city, inst))  # the twin's authorship (inst None: drawn later)
        return "".join(parts)

    # ------------------------------------------------------------------------------------------
    def _ai_authors(self, lead_cc: str, n: int, foreign: list[str], first_only: bool, first_cc: str) -> str:
        """The byline: the lead (last) author in ``lead_cc``, the first in ``first_cc`` (``plan_year``
        decided both, and the foreign countries), every foreign country at least once."""
        r = self.r
        slots = [lead_cc] * (n - 1)
        if foreign:
            rest = list(foreign)
            if first_cc != lead_cc:
                slots[0] = first_cc
                rest.remove(first_cc)
            pos = r.sample(range(1, n - 1), len(rest))
            for p, f in zip(pos, rest):
                slots[p] = f
            for p in range(1, n - 1):
                if p not in pos and r.random() < 0.25:
                    slots[p] = r.choice(foreign)
        lead_city = self.draw_city(lead_cc)
        self.auth_log = []
        collective_at = -1
        if n >= 3 and r.random() < Q_COLLECTIVE:
            dom = [p for p in range(1, n - 1) if slots[p] == lead_cc]
            if dom:
                collective_at = r.choice(dom)
        out = ['<AuthorList CompleteYN="Y">']
        for p, cc in enumerate(slots):
            if p == collective_at:
                group = " ".join(w[:1].upper() + w[1:] for w in r.choice(CONDITIONS)[0].split())
                out.append(self._author_xml(None, None, False, False,
                                            collective=f"{group} {r.choice(['Study Group', 'Consortium', 'Investigators'])}"))
                continue
            if cc == lead_cc:
                city = lead_city if r.random() < 0.7 else self.draw_city(cc)
            else:
                city = self.draw_city(cc)
            if first_only:
                affil = p == 0
            else:
                affil = not (cc == lead_cc and r.random() < Q_NO_AFFIL)
            if not affil and not first_only:
                self.quirks["authors_without_affiliation"] += 1
            out.append(self._author_xml(cc, city, affil, False))
        out.append(self._author_xml(lead_cc, lead_city, not first_only or n == 1, True))
        out.append("</AuthorList>")
        return "".join(out)

    def _plain_authors(self, n: int) -> str:
        r = self.r
        lead = self.codes[self.pick(self.global_cum)]
        other = self.codes[self.pick(self.partner_cum)] if r.random() < 0.15 else lead
        lead_city = self.draw_city(lead)
        self.auth_log = []
        out = ['<AuthorList CompleteYN="Y">']
        for p in range(n):
            cc = lead if (p == n - 1 or other == lead or r.random() < 0.6) else other
            city = lead_city if (cc == lead and r.random() < 0.7) else self.draw_city(cc)
            affil = r.random() >= Q_NO_AFFIL or p == n - 1
            if not affil:
                self.quirks["authors_without_affiliation"] += 1
            out.append(self._author_xml(cc, city, affil, p == n - 1))
        out.append("</AuthorList>")
        return "".join(out)

    # ------------------------------------------------------------------------------------------
    def _abstract_xml(self, sections: list[tuple[str, str]] | None) -> str:
        if not sections:
            return ""
        r = self.r
        if r.random() < Q_STRUCTURED:
            self.quirks["structured_abstracts"] += 1
            nlm = r.random() < 0.6
            parts = []
            for label, text in sections:
                cat = {"OBJECTIVE": "OBJECTIVE", "BACKGROUND": "BACKGROUND", "METHODS": "METHODS",
                       "RESULTS": "RESULTS", "CONCLUSIONS": "CONCLUSIONS"}[label]
                attr = f' Label="{label}" NlmCategory="{cat}"' if nlm else f' Label="{label}"'
                parts.append(f"<AbstractText{attr}>{xml_escape(text)}</AbstractText>")
            return "<Abstract>" + "".join(parts) + "</Abstract>"
        return "<Abstract><AbstractText>" + xml_escape(" ".join(t for _, t in sections)) + "</AbstractText></Abstract>"

    # ------------------------------------------------------------------------------------------
    def _record_xml(self, pmid: int | None, year: int, j: Journal, title: str, sections: list, authors: str,
                    pts: list, mesh: list, refs: list[str], truncate: bool = False, doi_ok: bool | None = None) -> str:
        """The record's XML line; its DOI (or None) is left in ``self.doi``. ``doi_ok`` (AI
        articles: decided with their twin) overrides the draw of whether it has one."""
        r = self.r
        rnd = r.random  # FastRandom's randrange(a, b) is a + int(random() * (b - a)): written out below
        month = int(rnd() * 12)
        u = rnd()
        if u < Q_MEDLINE_DATE:
            pubdate = f"<MedlineDate>{year} {MONTHS[month]}-{MONTHS[min(month + 1, 11)]}</MedlineDate>"
            self.quirks["medline_dates"] += 1
        elif u < 0.12:
            pubdate = f"<Year>{year}</Year>"
        else:
            pubdate = f"<Year>{year}</Year><Month>{MONTHS[month]}</Month>"
        elec = j.issn_type == "Electronic"
        model = "Electronic" if elec else r.choice(["Print", "Print-Electronic", "Print-Electronic"])
        vol = max(1, year - j.founded + 1)
        p1 = 1 + int(rnd() * 1999)
        pages = f"e{10000 + int(rnd() * 89999)}" if elec else f"{p1}-{p1 + 4 + int(rnd() * 11)}"
        no_doi = rnd() < Q_NO_DOI if doi_ok is None else not doi_ok
        doi = None if no_doi else f"{j.doi_prefix}/{ascii_fold(j.iso.split()[0])[:6]}.{year}.{10000 + int(rnd() * 89999)}"
        self.doi = doi
        if doi is None:
            self.quirks["records_without_doi"] += 1
        dc = min(year + 1, 2025)
        out = ['<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">']
        if pmid is not None:
            out.append(f'<PMID Version="1">{pmid}</PMID>')
        out.append(f"<DateCompleted><Year>{dc}</Year><Month>{1 + int(rnd() * 12):02d}</Month><Day>{1 + int(rnd() * 28):02d}</Day>"
                   f"</DateCompleted><DateRevised><Year>{min(dc + int(rnd() * 4), 2025)}</Year><Month>"
                   f"{1 + int(rnd() * 12):02d}</Month><Day>{1 + int(rnd() * 28):02d}</Day></DateRevised>")
        out.append(f'<Article PubModel="{model}"><Journal><ISSN IssnType="{j.issn_type}">{j.issn}</ISSN>'
                   f'<JournalIssue CitedMedium="{"Internet" if elec else "Print"}"><Volume>{vol}</Volume>'
                   f'{"" if elec else f"<Issue>{1 + int(rnd() * 12)}</Issue>"}<PubDate>{pubdate}</PubDate></JournalIssue>'
                   f"<Title>{xml_escape(j.title)}</Title><ISOAbbreviation>{xml_escape(j.iso)}</ISOAbbreviation></Journal>"
                   f"<ArticleTitle>{xml_escape(title)}</ArticleTitle><Pagination><MedlinePgn>{pages}</MedlinePgn></Pagination>")
        if doi:
            out.append(f'<ELocationID EIdType="doi" ValidYN="Y">{doi}</ELocationID>')
        out.append(self._abstract_xml(sections))
        out.append(authors)
        out.append("<Language>eng</Language><PublicationTypeList>")
        for name, ui in [PT_JOURNAL] + pts:
            out.append(f'<PublicationType UI="{ui}">{name}</PublicationType>')
        out.append("</PublicationTypeList></Article>")
        out.append(f"<MedlineJournalInfo><Country>{j.country}</Country><MedlineTA>{xml_escape(j.iso)}</MedlineTA>"
                   f"<NlmUniqueID>{j.nlm_id}</NlmUniqueID><ISSNLinking>{j.issn}</ISSNLinking></MedlineJournalInfo>"
                   "<CitationSubset>IM</CitationSubset><MeshHeadingList>")
        for name, ui in mesh:
            out.append(f'<MeshHeading><DescriptorName UI="{ui}" MajorTopicYN="N">{xml_escape(name)}</DescriptorName></MeshHeading>')
        out.append("</MeshHeadingList></MedlineCitation><PubmedData><History>")
        for status, y_, m_ in (("entrez", year, month + 1), ("pubmed", year, month + 1), ("medline", dc, 1 + int(rnd() * 12))):
            out.append(f'<PubMedPubDate PubStatus="{status}"><Year>{y_}</Year><Month>{m_}</Month>'
                       f"<Day>{1 + int(rnd() * 28)}</Day></PubMedPubDate>")
        out.append("</History><PublicationStatus>ppublish</PublicationStatus><ArticleIdList>")
        if pmid is not None:
            out.append(f'<ArticleId IdType="pubmed">{pmid}</ArticleId>')
        if doi:
            out.append(f'<ArticleId IdType="doi">{doi}</ArticleId>')
        out.append("</ArticleIdList>")
        if refs:
            out.append("<ReferenceList>")
            out.extend(refs)
            out.append("</ReferenceList>")
        out.append("</PubmedData></PubmedArticle>")
        xml = "".join(out)
        if truncate:
            return xml[: int(len(xml) * r.uniform(0.3, 0.7))]
        return xml

    def _ext_refs(self, n: int, pmid: int, year: int) -> list[str]:
        # FastRandom's expovariate, choice and randrange written out (the same draws, in the same order):
        # this loop makes a few million references at paper scale
        rnd = self.r.random
        pool = self.iso_pool_esc
        n_pool = len(pool)
        span = max(pmid, 100_001) - 100_000
        log = math.log
        out = []
        for _ in range(n):
            yr = year - min(int(-log(1.0 - rnd()) / 0.2), 30)
            # the journal abbreviation is the only part that may need escaping: it is escaped once
            cit = (f"{pool[int(rnd() * n_pool)]}. {yr};{1 + int(rnd() * 79)}:{1 + int(rnd() * 899)}-"
                   f"{901 + int(rnd() * 98)}.")
            if rnd() < 0.1:
                out.append(f"<Reference><Citation>{cit}</Citation></Reference>")
                continue
            x = 100_000 + int(rnd() * span)
            if x % 8 == 3:
                x += 1
            out.append(f'<Reference><Citation>{cit}</Citation><ArticleIdList><ArticleId IdType="pubmed">{x}'
                       "</ArticleId></ArticleIdList></Reference>")
        return out

    def _mesh_base(self, cond: tuple, animal: bool = False) -> list:
        r = self.r
        if animal:
            mesh = list(MESH_ANIMAL)
        else:
            mesh = [MESH_HUMANS] + r.sample(MESH_DEMO, r.randrange(0, 4))
        mesh.append((cond[1], cond[2]))
        return mesh

    def _pubtypes(self) -> list:
        r = self.r
        return [(n, ui) for n, ui, p in PT_EXTRA if r.random() < p]


    def background_xml(self, year: int, pmid: int | None, truncate: bool = False, clinical: str | None = None) -> str:
        r = self.r
        cond = r.choice(CONDITIONS)
        title, sections, mesh_x, pts, animal = self.nonai_text(clinical, cond)
        j = self.journals[self.pick(self.citer_cum)]
        authors = self._plain_authors(1 + min(int(r.expovariate(0.3)), 14))
        refs = self._ext_refs(int(self.rng.poisson(self.ls.external_refs_mean)) + 1, pmid or self.last_pmid + 8, year)
        return self._record_xml(pmid, year, j, title, sections, authors, self._pubtypes() + pts,
                                self._mesh_base(cond, animal) + mesh_x, refs, truncate=truncate)


    def ai_xml(self, y: int, pmid: int, cc: str, foreign: list[str], first_only: bool, first_cc: str, n_auth: int,
                clinical: bool, kw: str, j: Journal, has_doi: bool | None = None) -> str:
        r = self.r
        if first_only:
            self.quirks["first_author_only_affiliation"] += 1
        authors = self._ai_authors(cc, n_auth, foreign, first_only, first_cc)
        cond = r.choice(CONDITIONS)
        clin_kind = None
        if clinical:
            u = r.random()
            clin_kind = "diagnostic" if u < 0.7 else ("rct" if u < 0.9 else "trial")
        title, sections, mesh_x, pts = self.ai_text(kw, clin_kind, cond)
        self.text = (title, sections)
        mesh = self._mesh_base(cond) + [AI_MESH[kw]] + ([MESH_ALGO] if r.random() < 0.3 else []) + mesh_x
        extra = self._pubtypes() + ([PT_VALIDATION] if r.random() < 0.05 else []) + pts
        refs = self._ext_refs(int(self.rng.poisson(self.ls.external_refs_mean * 2)) + 1, pmid, y)
        return self._record_xml(pmid, y, j, title, sections, authors, extra, mesh, refs, doi_ok=has_doi)

    def citing_xml(self, y: int, pmid: int, cited_pmid: list[int], cited_year: list[int], cited_journal: list[int],
                    clin_kind: str | None, ext_mean: float) -> str:
        r = self.r
        cond = r.choice(CONDITIONS)
        title, sections, mesh_x, pts, animal = self.nonai_text(clin_kind, cond)
        self.text = (title, sections)
        j = self.journals[self.pick(self.citer_cum)]
        self.journal = j
        authors = self._plain_authors(1 + min(int(r.expovariate(0.25)), 19))
        refs = self._ext_refs(int(self.rng.poisson(ext_mean)), pmid, y)
        rnd = r.random
        for cited, cy, cji in zip(cited_pmid, cited_year, cited_journal):
            cj = self.outlets[cji]
            cit = f"{cj.iso}. {cy};{max(1, cy - cj.founded + 1)}:{1 + int(rnd() * 899)}-{901 + int(rnd() * 98)}."
            refs.append(f'<Reference><Citation>{xml_escape(cit)}</Citation><ArticleIdList><ArticleId IdType="pubmed">'
                        f"{cited}</ArticleId></ArticleIdList></Reference>")
        r.shuffle(refs)
        pts = pts + ([PT_REVIEW] if (clin_kind is None and r.random() < 0.08) else [])
        return self._record_xml(pmid, y, j, title, sections, authors, self._pubtypes() + pts,
                                self._mesh_base(cond, animal) + mesh_x, refs)

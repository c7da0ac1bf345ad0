"""The outlet rankings of the life-science part (Schmallenbach et al. 2024): ``rankings/journal_ranking.csv``
(Journal Citation Reports-like) and ``rankings/conference_ranking.csv`` (the CORE portal export shape).

``rankings/journal_ranking.csv``
    Journal Citation Reports-like table, header row, LF line ends, sorted by category and rank.
    Columns: ``issn`` (NNNN-NNNN, the journal's ISSN-L = the records' ``ISSNLinking``),
    ``journal_title`` (upper case, JCR style; differs from the PubMed ``Title``), ``category``
    (a JCR-like subject category), ``rank_in_category`` (1 = best), ``n_in_category``. A
    journal in several categories has several rows. Besides the journals that publish AI
    articles, the table ranks "filler" journals (they may publish citing records) and the
    OpenAlex AI journals of ``vocab.VENUES`` (category "Computer Science, Artificial
    Intelligence"). About 8 % of the journals that publish AI articles are not ranked at all.
    Columns: ``JOURNAL_COLUMNS``.
    High-ranked journal = rank 1-3 in at least one of its categories.

``rankings/conference_ranking.csv``
    The CORE portal export shape (``/conf-ranks/?...&do=Export``) plus a header row (the real
    export has none; the pipeline's ranking reader needs one), LF line ends, sorted by title (a
    title with a leading space sorts first, as in the real export), nine columns
    ``id, title, acronym, source, rank, dblp, primary_for, for2, for3`` (``CONFERENCE_COLUMNS``):
    ``id`` (CORE id), ``title``, ``acronym``, ``source`` (ICORE2026, CORE2023, CORE2021,
    CORE2018 or ERA2010), ``rank`` (A*, A, B, C or Unranked), ``dblp`` (Yes/No), up to three
    ANZSRC field-of-research codes (4601 applied computing, 4602 AI, 4603 computer vision, 4611
    machine learning, ...; empty when fewer). The titles of the rows for the sample world's
    OpenAlex conference venues are exactly the OpenAlex ``display_name`` of every ``conference``
    in ``vocab.VENUES`` (life-science ones: MICCAI "A", EMBC "B", BIBM "B"; AI ones: A* except
    ICASSP "B"; IEEE ICC "B") and of ISMB ("Intelligent Systems in Molecular Biology", "A*", a
    life-science conference only this part of the world uses); the other rows are fillers.
    High-ranked conference = A*.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from aigeo_assets.sampleworld import vocab as V
from aigeo_assets.sampleworld.lifesci.params import LS_CONFERENCES
from aigeo_assets.sampleworld.lifesci.vocabulary import CS_AI_CATEGORY

# OpenAlex conference venues -> (acronym, rank, FoR codes, source)
JOURNAL_COLUMNS = ("issn", "journal_title", "category", "rank_in_category", "n_in_category")
CONFERENCE_COLUMNS = ("id", "title", "acronym", "source", "rank", "dblp", "primary_for", "for2", "for3")
CONFERENCE_RANKS = {
    "Medical Image Computing and Computer-Assisted Intervention": ("MICCAI", "A", ("4603", "4601")),
    "Annual International Conference of the IEEE Engineering in Medicine and Biology Society": ("EMBC", "B", ("4601",)),
    "IEEE International Conference on Bioinformatics and Biomedicine": ("BIBM", "B", ("4601", "4605")),
    "Computer Vision and Pattern Recognition": ("CVPR", "A*", ("4603",)),
    "Neural Information Processing Systems": ("NeurIPS", "A*", ("4611",)),
    "International Conference on Machine Learning": ("ICML", "A*", ("4611",)),
    "Proceedings of the AAAI Conference on Artificial Intelligence": ("AAAI", "A*", ("4602",)),
    "International Joint Conference on Artificial Intelligence": ("IJCAI", "A*", ("4602",)),
    "Meeting of the Association for Computational Linguistics": ("ACL", "A*", ("4602",)),
    "International Conference on Computer Vision": ("ICCV", "A*", ("4603",)),
    "International Conference on Robotics and Automation": ("ICRA", "A*", ("4602",)),
    "Knowledge Discovery and Data Mining": ("KDD", "A*", ("4605",)),
    "International Conference on Acoustics, Speech, and Signal Processing": ("ICASSP", "B", ("4006",)),
    "IEEE International Conference on Communications": ("ICC", "B", ("4006",)),
}
_FILLER_CONFERENCES = [
    ("International Conference on Health Informatics", "HEALTHINF", "4601"),
    ("IEEE International Symposium on Biomedical Imaging", "ISBI", "4603"),
    ("Conference on Medical Imaging with Deep Learning", "MIDL", "4603"),
    ("Machine Learning for Healthcare Conference", "MLHC", "4611"),
    ("ACM Conference on Bioinformatics, Computational Biology, and Health Informatics", "ACM-BCB", "4601"),
    ("International Conference on Research in Computational Molecular Biology", "RECOMB", "4601"),
    ("Pacific Symposium on Biocomputing", "PSB", "4601"),
    ("European Conference on Computational Biology", "ECCB", "4601"),
    ("Conference on Artificial Intelligence in Medicine", "AIME", "4602"),
    ("International Conference on Pattern Recognition", "ICPR", "4603"),
    ("British Machine Vision Conference", "BMVC", "4603"),
    ("European Conference on Computer Vision", "ECCV", "4603"),
    ("International Conference on Learning Representations", "ICLR", "4611"),
    ("Conference on Uncertainty in Artificial Intelligence", "UAI", "4602"),
    ("International Conference on Artificial Intelligence and Statistics", "AISTATS", "4611"),
    ("IEEE International Conference on Data Mining", "ICDM", "4605"),
    ("SIAM International Conference on Data Mining", "SDM", "4605"),
    ("Conference on Empirical Methods in Natural Language Processing", "EMNLP", "4602"),
    ("International Conference on Computational Linguistics", "COLING", "4602"),
    ("IEEE International Conference on Healthcare Informatics", "ICHI", "4601"),
    ("International Conference on Pervasive Computing Technologies for Healthcare", "PervasiveHealth", "4608"),
    ("IEEE International Conference on Bioinformatics and Bioengineering", "BIBE", "4601"),
    ("Asia-Pacific Bioinformatics Conference", "APBC", "4601"),
    ("International Workshop on Machine Learning in Medical Imaging", "MLMI", "4603"),
    ("Conference on Information Processing in Medical Imaging", "IPMI", "4603"),
    (" International Conference on Biomedical Engineering Systems and Technologies", "BIOSTEC", "4601"),
    ("Australasian Workshop on Health Informatics and Knowledge Management", "HIKM", "4601"),
    ("International Conference on Intelligent Systems for Molecular Biology", "ISMB", "4601"),
    ("Workshop on Algorithms in Bioinformatics", "WABI", "4613"),
    ("International Symposium on Computer-Based Medical Systems", "CBMS", "4601"),
]
_AI_JOURNAL_ORDER = ["0162-8828", "1532-4435", "2162-237X", "0004-3702", "0031-3203", "0893-6080", "0885-6125",
                     "0950-7051", "0957-4174", "0925-2312", "1568-4946"]


class Rankings:
    """Writes the rankings files of a ``LifesciWorld`` (reads its journals, draws the CORE ids and
    the filler conferences from its stream ``r``, sets ``conferences``)."""

    def write_rankings(self, root: Path) -> None:
        r = self.r
        d = root / "rankings"
        d.mkdir(parents=True, exist_ok=True)
        rows = []
        for j in self.journals:
            for c, (rank, n) in j.ranks.items():
                rows.append((c, rank, j.issn, j.name.upper(), n))
        # OpenAlex AI journals (ranking only)
        venues = {v[2]: v[1] for v in V.VENUES if v[3] == "journal" and v[5] == "ai" and v[2]}
        ai_j = [(issn, venues[issn]) for issn in _AI_JOURNAL_ORDER if issn in venues]
        for rank, (issn, name) in enumerate(ai_j, start=1):
            rows.append((CS_AI_CATEGORY, rank, issn, name.upper(), len(ai_j)))
        rows.sort(key=lambda x: (x[0], x[1]))
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(JOURNAL_COLUMNS)
        for c, rank, issn, name, n in rows:
            w.writerow([issn, name, c, rank, n])
        (d / "journal_ranking.csv").write_text(buf.getvalue(), encoding="utf-8")
        # conferences (CORE export shape, no header)
        used_ids: set[int] = set()

        def new_id() -> int:
            while True:
                x = r.randrange(1, 2400)
                if x not in used_ids:
                    used_ids.add(x)
                    return x

        crow = []
        self.conferences = []
        for v in V.VENUES:
            if v[3] != "conference":
                continue
            acr, rank, fors = CONFERENCE_RANKS[v[1]]
            cid = new_id()
            crow.append([cid, v[1], acr, "ICORE2026", rank, "Yes", *(list(fors) + ["", "", ""])[:3]])
            self.conferences.append({"openalex_source_id": v[0], "title": v[1], "acronym": acr, "rank": rank,
                                     "core_id": cid, "kind": v[5], "high_ranked": rank == "A*"})
        seen = {v[1] for v in V.VENUES}
        for sid, title, _, acr, rank, _, _ in LS_CONFERENCES:
            if title in seen:
                continue
            cid = new_id()
            crow.append([cid, title, acr, "ICORE2026", rank, "Yes", "4601", "4611", ""])
            self.conferences.append({"openalex_source_id": sid, "title": title, "acronym": acr, "rank": rank,
                                     "core_id": cid, "kind": "lifesci", "high_ranked": rank == "A*"})
        sources = ["ICORE2026", "ICORE2026", "ICORE2026", "CORE2023", "CORE2021", "CORE2018", "ERA2010"]
        for title, acr, fo in _FILLER_CONFERENCES:
            rank = r.choices(["A*", "A", "B", "C", "Unranked"], weights=[0.05, 0.2, 0.35, 0.3, 0.1])[0]
            f2 = r.choice(["", "", "4601", "4611", "4605"])
            crow.append([new_id(), title, acr, r.choice(sources), rank, r.choice(["Yes", "No"]), fo,
                         "" if f2 == fo else f2, ""])
        crow.sort(key=lambda x: (x[1], x[0]))
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(CONFERENCE_COLUMNS)
        w.writerows(crow)
        (d / "conference_ranking.csv").write_text(buf.getvalue(), encoding="utf-8")

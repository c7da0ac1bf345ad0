"""The small corpus the fake OpenAlex (``openalex_fake.FakeOpenAlex``) serves in the API client's
tests: works of 2018-2019 tagged AI, computer science or medicine, and institutions in Paris."""

from __future__ import annotations

AI = "C154945302"  # concept Artificial intelligence
CS = "C41008148"  # level-0 Computer science
MED = "C71924100"  # level-0 Medicine


def openalex_work(n: int, year: int, concepts: list[str], subfield: str | None = None) -> dict:
    """Work ``W<n>`` of ``year`` with ``concepts`` (and a topic ``subfield``): a first author at one of four
    US institutions, a last author with none, and references to earlier works whose number is a multiple of 3."""
    inst = f"https://openalex.org/I{1000 + n % 4}"
    return {
        "id": f"https://openalex.org/W{n}",
        "doi": f"https://doi.org/10.1/{n}",
        "title": f"Work {n}",
        "publication_year": year,
        "publication_date": f"{year}-03-01",
        "type": "article",
        "type_crossref": "journal-article",
        "ids": {"openalex": f"https://openalex.org/W{n}", **({"pmid": f"https://pubmed.ncbi.nlm.nih.gov/{9000 + n}"} if n % 2 == 0 else {})},
        "authorships": [
            {
                "author_position": "first",
                "author": {"id": f"https://openalex.org/A{n}", "display_name": f"Author {n}"},
                "institutions": [
                    {"id": inst, "display_name": f"Univ {n % 4}", "country_code": "US", "type": "education"}
                ],
                "countries": ["US"],
                "raw_affiliation_strings": [f"Univ {n % 4}"],
            },
            {
                "author_position": "last",
                "author": {"id": f"https://openalex.org/A{n + 500}", "display_name": f"Author {n + 500}"},
                "institutions": [],
                "countries": [],
                "raw_affiliation_strings": [],
            },
        ],
        "concepts": [
            {"id": f"https://openalex.org/{c}", "display_name": c, "level": 1, "score": 0.5} for c in concepts
        ],
        "primary_topic": (
            {"subfield": {"id": f"https://openalex.org/subfields/{subfield}"}, "field": None, "domain": None}
            if subfield
            else None
        ),
        "referenced_works": [f"https://openalex.org/W{m}" for m in range(1, n) if m % 3 == 0][:5],
    }


def make_corpus() -> list[dict]:
    """2019: W1..W7 AI (W6, W7 also 1702), W8 CS only, W9 1702 only, W10 MED; 2018: W11..W13 AI."""
    works = [openalex_work(n, 2019, [AI] if n % 2 else [AI, CS], "1702" if n >= 6 else None) for n in range(1, 8)]
    works.append(openalex_work(8, 2019, [CS]))
    works.append(openalex_work(9, 2019, [MED], "1702"))
    works.append(openalex_work(10, 2019, [MED]))
    works += [openalex_work(n, 2018, [AI]) for n in range(11, 14)]
    return works


def make_institutions(n: int) -> list[dict]:
    """``n`` institutions ``I100``, ``I101``, ... in Paris."""
    return [
        {
            "id": f"https://openalex.org/I{100 + i}",
            "display_name": f"Institution {i}",
            "country_code": "FR",
            "type": "education",
            "geo": {"city": "Paris", "geonames_city_id": "2988507", "region": None, "country_code": "FR",
                    "latitude": 48.85, "longitude": 2.35},
        }
        for i in range(n)
    ]

"""AlShebli et al. 2022's part of the sample world (the OpenAlex works, institutions and merged ids, and
``truth.json``), by what each module makes:

``common``
    OpenAlex ids, the random stream of a year, the quirk counters, gzip and manifest writers.
``world``
    ``World``: geography, institutions, authors, and each year's draws (works, moves, citations).
``disruption``
    Supplementary Fig. 3's planted disruptive and developmental cities.
``records``
    ``YearRenderer``: a year's OpenAlex work records, in this process or in a worker's.
``truth``
    ``truth.json``.

``sampleworld.generator.generate_world`` runs it beside the life-science part (``sampleworld.lifesci``).
"""

"""The cores this process may run on, for every part of aigeo that sizes a pool of processes (standard
library only, so the sample-world generator and the PubMed parser do not import Dagster for it)."""

import os


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity: a container's or ``taskset``'s limit,
    not the machine's), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)

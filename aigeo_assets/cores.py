"""The cores this process may run on, for every part of aigeo that sizes a pool of processes, and the
one-thread limit of BLAS for dense steps that gain nothing from its threads (standard library at import,
so the sample-world generator and the PubMed parser do not import Dagster for it)."""

import functools
import os


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity: a container's or ``taskset``'s limit,
    not the machine's), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


@functools.cache
def _blas_pools():
    """The process's BLAS thread pools (threadpoolctl), scanned once."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_blas_thread():
    """A context in which the process's BLAS uses one thread. For dense steps that are small or
    many (the count fits' QRs, Gram products and Schur complements, ``absorb.TwoWayProjection``'s
    blocks) or batched (the robustness cascades' matrix products): OpenBLAS's second thread
    spin-waits beside such work, so on the 2-core machine it doubled or more the CPU seconds for
    no wall time, and took them from the other worker of ``aigeo run`` (issue 13: the QR of a
    70,000 x 11 design, 36 ms of CPU with two threads, 8 ms with one; the demo world's
    ``out_robustness_centralities`` under cProfile, 13.2 against 7.3 CPU-s, 7.2 against 7.4 s). The numbers are
    those of the same routines, summed in another order at most (rounding)."""
    return _blas_pools().limit(limits=1, user_api="blas")


def with_one_blas_thread(fn):
    """``fn`` run under ``one_blas_thread``."""

    @functools.wraps(fn)
    def limited(*args, **kwargs):
        with one_blas_thread():
            return fn(*args, **kwargs)

    return limited

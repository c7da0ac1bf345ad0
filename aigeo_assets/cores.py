"""The cores this process may run on, for every part of aigeo that sizes a pool of processes, the
one-thread limit of BLAS for dense steps that gain nothing from its threads, and the heap kept for
the iterations of a fit (standard library at import, so the sample-world generator and the PubMed
parser do not import Dagster for it)."""

import contextlib
import ctypes
import functools
import os
import signal


def die_with_parent(parent_pid: int | None = None) -> None:
    """Ask Linux to SIGKILL this process when the process that started it dies (``PR_SET_PDEATHSIG``),
    so a pool's worker never goes on working for a killed command (an ``aigeo run`` worker, a sample
    world's renderer). ``parent_pid``: the pid of that process, as it passed it; when it already died
    before the request took effect (this process's parent is no longer it), this one ends at once.
    Elsewhere than Linux, nothing."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)


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


def within(*contexts):
    """A decorator: the function runs inside each of ``contexts`` (functions giving a context
    manager, such as ``one_blas_thread`` and ``reused_heap``), entered in the order given."""

    def decorate(fn):
        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            with contextlib.ExitStack() as stack:
                for context in contexts:
                    stack.enter_context(context())
                return fn(*args, **kwargs)

        return wrapped

    return decorate


_M_TRIM_THRESHOLD, _M_MMAP_MAX = -1, -4  # mallopt's parameters (glibc's malloc.h)
_GLIBC_MMAP_MAX, _GLIBC_TRIM_THRESHOLD = 65_536, 128 * 1024  # glibc's defaults
_heap_depth = 0


@functools.cache
def _glibc():
    """glibc's C library when this process runs on it (its ``mallopt`` and ``malloc_trim``), else None."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


@contextlib.contextmanager
def reused_heap():
    """A context in which glibc's malloc serves large arrays from its heap and keeps what they free
    for the next, instead of mapping fresh pages for each and unmapping them when freed. For fits
    that allocate the same large temporaries every iteration: above 32 MB glibc maps every array
    anew, and the kernel then faults in and zeroes it page by page, so an IRLS iteration on the
    pooled citation gravity design (9.4 M pair-years, 75 MB a column) cost about an eighth more CPU
    than its arithmetic (issue 13: ``out_gravity_citations`` 79.6 -> 71.1 CPU-s on the paper world,
    peak memory +1-3 %; the by-year fits, whose arrays stay under 32 MB, unchanged). At exit glibc's
    defaults return and the freed pages go back to the system
    (``malloc_trim``), so the heap it kept lasts one fit. Nested contexts act as one; off glibc, nothing
    changes. The numbers are the same: only where the arrays live changes."""
    global _heap_depth
    libc = _glibc()
    if libc is None:
        yield
        return
    if _heap_depth == 0:
        libc.mallopt(_M_MMAP_MAX, 0)
        libc.mallopt(_M_TRIM_THRESHOLD, 2**31 - 1)
    _heap_depth += 1
    try:
        yield
    finally:
        _heap_depth -= 1
        if _heap_depth == 0:
            libc.mallopt(_M_MMAP_MAX, _GLIBC_MMAP_MAX)
            libc.mallopt(_M_TRIM_THRESHOLD, _GLIBC_TRIM_THRESHOLD)
            libc.malloc_trim(0)

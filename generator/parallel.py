"""Share a loop over independent items between this process and forked copies of it.

The build machines have two cores, and the audit's and the build's loops over thousands of
pages are each item on its own. `shared_map` runs one such loop on every core: the copies are
forked (they start with everything already loaded, nothing is pickled on the way in), each takes
every n-th item, and the results come back in the items' own order, so the outcome is the same
as the plain loop's, byte for byte. Where the platform cannot fork, or the items are few, the
loop simply runs here.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# Below this many items a fork costs more than it saves.
MIN_SHARED = 256
FORKING = "fork" in multiprocessing.get_all_start_methods()


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def shares(items: int, processes: int | None = None, min_shared: int | None = None) -> int:
    """How many processes `shared_map` would share *items* items between (1: this one only)."""
    if not FORKING:
        return 1
    least = MIN_SHARED if min_shared is None else min_shared
    return max(1, min(processes or cores(), items // max(least, 1)))


def shared_map(
    work: Callable[[Item], Result],
    items: Sequence[Item],
    processes: int | None = None,
    min_shared: int | None = None,
) -> list[Result]:
    """Return `[work(item) for item in items]`, computed on up to *processes* cores.

    Each process takes a share only if it gets at least *min_shared* items (`MIN_SHARED`).
    *work* and every result must be safe to run in a forked copy: results travel back pickled,
    and whatever else *work* changes in the copy is lost with it. An exception is raised here,
    as the plain loop would raise it.
    """
    count = shares(len(items), processes, min_shared)
    if count < 2:
        return [work(item) for item in items]
    context = multiprocessing.get_context("fork")
    children = []
    # Frozen, the objects made so far are left alone by every process's garbage collector
    # until the shares are done: a collection writes to each object it visits, which would
    # copy the memory the processes share, page by page, into each of them.
    gc.freeze()
    results: list[Any] = [None] * len(items)
    failed: list[int] = []
    try:
        for share in range(1, count):
            receiver, sender = context.Pipe(duplex=False)
            child = context.Process(target=_run_share, args=(sender, work, items, share, count))
            child.start()
            sender.close()
            children.append((child, receiver))
        results[0::count] = [work(item) for item in items[0::count]]
    finally:
        for share, (child, receiver) in enumerate(children, start=1):
            try:
                kind, value = receiver.recv()
            except EOFError:
                kind, value = "failed", None
            finally:
                receiver.close()
                child.join()
            if kind == "done":
                results[share::count] = value
            else:
                failed.append(share)
        gc.unfreeze()
    # A share that failed is done again here: its error is raised as this process raises it
    # (a template's mistake stays a template error, with its line), and a worker that was
    # merely lost costs time, not the result.
    for share in failed:
        results[share::count] = [work(item) for item in items[share::count]]
    return results


def _run_share(
    sender: Any, work: Callable[[Any], Any], items: Sequence[Any], share: int, count: int
) -> None:
    try:
        sender.send(("done", [work(item) for item in items[share::count]]))
    except BaseException:  # the parent does this share again and raises; never past here
        sender.send(("failed", None))
    finally:
        sender.close()
        os._exit(0)


Tell = Callable[[Any], None]
"""How work run by `in_fork` sends a message (anything picklable) to the process waiting."""


def in_fork(
    work: Callable[[Tell], Result],
    hear: Tell | None = None,
    *,
    passed: tuple[type[BaseException], ...] = (),
    what: str = "the work",
) -> Result:
    """Return `work(tell)`, run in a forked copy of this process, which ends with it.

    The copy starts with everything this process has loaded, and the memory the work needs
    goes back to the system whole when it ends: a stage that reads a whole programme, or
    builds a whole site, leaves nothing behind in this process but its result. What the work
    tells arrives at *hear* as it comes. An exception of a type in *passed* (it must pickle as
    itself) is raised here as the work raised it; any other becomes a RuntimeError carrying
    the copy's traceback. Where the platform cannot fork, the work runs here.
    """
    if not FORKING:
        return work(hear or _ignore)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_run_forked, args=(sender, work, hear is not None, passed))
    # The copy shares this process's memory until either writes to it: frozen until the copy
    # is done, the objects already made are left alone by both garbage collectors (a
    # collection writes to every object it visits), so they stay shared; what was freed is
    # handed back to the system first.
    gc.collect()
    trim_heap()
    gc.freeze()
    try:
        child.start()
    except BaseException:
        gc.unfreeze()
        raise
    sender.close()
    outcome: tuple[str, Any] = ("failed", "it stopped without a word")
    try:
        while True:
            try:
                kind, value = receiver.recv()
            except EOFError:
                break
            if kind == "message":
                if hear is not None:
                    hear(value)
            else:
                outcome = (kind, value)
        child.join()
    finally:
        gc.unfreeze()
        receiver.close()
        if child.is_alive():
            child.terminate()
            child.join()
    kind, value = outcome
    if kind == "done":
        result: Result = value
        return result
    if kind == "raised":
        raise value
    raise RuntimeError(f"{what} failed: {value}")


def _ignore(_message: Any) -> None:
    pass


def _run_forked(
    sender: Any, work: Callable[[Tell], Any], tell: bool, passed: tuple[type[BaseException], ...]
) -> None:
    def send(message: Any) -> None:
        sender.send(("message", message))

    try:
        sender.send(("done", work(send if tell else _ignore)))
    except passed as exc:
        sender.send(("raised", exc))
    except BaseException as exc:  # the parent reports it; a copy must never raise past here
        sender.send(("failed", "".join(traceback.format_exception(exc)).strip()))
    finally:
        sender.close()


def trim_heap() -> None:
    """Return the C heap's free memory to the system (glibc keeps it otherwise)."""
    try:
        libc = ctypes.CDLL(None)
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to trim
        return
    trim(0)


@contextmanager
def fewer_full_collections() -> Iterator[None]:
    """Let the garbage collector walk every object at most a tenth as often, for a while.

    A stage that builds a whole site makes millions of objects that live until it ends, and
    the collector walks all of them again each time their number grows by a quarter (measured:
    ten full walks, 2.2 s, in a build of 8,000 pages; three, 1.4 s, with this, and the same peak
    memory). Cycles are still collected, later.
    """
    first, second, third = gc.get_threshold()
    gc.set_threshold(first, second, max(third, 100))
    try:
        yield
    finally:
        gc.set_threshold(first, second, third)

"""Share a loop over independent items between this process and forked copies of it.

The build machines have two cores, and the audit's and the build's loops over thousands of
pages are each item on its own. `shared_map` runs one such loop on every core: the copies are
forked (they start with everything already loaded, nothing is pickled on the way in), each takes
every n-th item, and the results come back in the items' own order, so the outcome is the same
as the plain loop's, byte for byte. Where the platform cannot fork, or the items are few, the
loop simply runs here.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Sequence
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

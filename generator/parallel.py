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
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Generic, Protocol, TypeVar

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
    _hold_shared(collect=False)
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
        _release_shared()
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
"""Who hears the messages of work run by `begin` (each anything picklable)."""


class Channel:
    """How work run by `begin` speaks to the process waiting for it.

    Called with a message (anything picklable), it sends it to be heard as it comes (progress);
    `hand_over` sends a value the waiting process asks for with `Forked.part` while the work
    goes on (a first result, such as the site's sources written, before the rest is ready).
    """

    def __init__(self, send: Callable[[str, Any], None]) -> None:
        self._send = send

    def __call__(self, message: Any) -> None:
        self._send("message", message)

    def hand_over(self, value: Any) -> None:
        self._send("part", value)


def begin(
    work: Callable[[Channel], Result],
    hear: Tell | None = None,
    *,
    passed: tuple[type[BaseException], ...] = (),
    what: str = "the work",
    here: bool = False,
) -> Forked[Result]:
    """Start `work(channel)` in a forked copy of this process, which ends with it; return at once.

    The copy starts with everything this process has loaded, and the memory the work needs
    goes back to the system whole when it ends: a stage that reads a whole programme, or
    builds a whole site, leaves nothing behind in this process but its result
    (`Forked.result`). An exception of a type in *passed* (it must pickle as itself) is raised
    there as the work raised it; any other becomes a RuntimeError carrying the copy's
    traceback.

    This process goes on with its own work meanwhile: what the copy tells (heard at *hear*)
    and hands over waits in the pipe until `Forked.part` or `Forked.result` reads it, so the
    work should tell little while this process is busy. Used as a context manager, the copy is
    stopped on the way out if it has not finished. Where the platform cannot fork, or *here*
    is true (work too small to be worth a process), the work runs here, now, and its outcome
    waits the same way.
    """
    return Forked(work, hear or _ignore, passed, what, here)


class Forked(Generic[Result]):
    """Work running in a forked copy of this process (`begin`)."""

    def __init__(
        self,
        work: Callable[[Channel], Result],
        hear: Tell,
        passed: tuple[type[BaseException], ...],
        what: str,
        here: bool = False,
    ) -> None:
        self._hear = hear
        self._what = what
        self._parts: list[Any] = []
        self._outcome: tuple[str, Any] | None = None
        self._child: Any = None
        self._receiver: Any = None
        if here or not FORKING:
            self._run_here(work, passed)
            return
        context = multiprocessing.get_context("fork")
        self._receiver, sender = context.Pipe(duplex=False)
        self._child = context.Process(target=_run_forked, args=(sender, work, passed))
        _hold_shared()
        try:
            self._child.start()
        except BaseException:
            _release_shared()
            raise
        sender.close()

    def _run_here(
        self, work: Callable[[Channel], Result], passed: tuple[type[BaseException], ...]
    ) -> None:
        def send(kind: str, value: Any) -> None:
            if kind == "message":
                self._hear(value)
            else:
                self._parts.append(value)

        try:
            self._outcome = ("done", work(Channel(send)))
        except passed as exc:
            self._outcome = ("raised", exc)

    def part(self) -> Any:
        """Return the next value the work handed over, hearing its messages until then.

        A work that ends (or fails) without handing one over raises here as `result` would.
        """
        while not self._parts and self._outcome is None:
            self._receive()
        if self._parts:
            return self._parts.pop(0)
        self.result()
        raise RuntimeError(f"{self._what} ended without handing over what was asked for")

    def result(self) -> Result:
        """Wait for the work to end, hearing its messages; return its result or raise its error."""
        while self._outcome is None:
            self._receive()
        self._end()
        kind, value = self._outcome
        if kind == "done":
            result: Result = value
            return result
        if kind == "raised":
            raise value
        raise RuntimeError(f"{self._what} failed: {value}")

    def _receive(self) -> None:
        try:
            kind, value = self._receiver.recv()
        except EOFError:
            self._outcome = ("failed", "it stopped without a word")
            return
        if kind == "message":
            self._hear(value)
        elif kind == "part":
            self._parts.append(value)
        else:
            self._outcome = (kind, value)

    def _end(self, stop: bool = False) -> None:
        """Let the copy go (stopped first if *stop*) and close the pipe; once."""
        child, self._child = self._child, None
        if child is None:
            return
        try:
            if stop and child.is_alive():
                child.terminate()
            child.join()
        finally:
            self._receiver.close()
            _release_shared()

    def __enter__(self) -> Forked[Result]:
        return self

    def __exit__(self, *_exc: object) -> None:
        """Stop the copy if nobody waited for its end (this process is failing, or done)."""
        if self._outcome is None:
            self._outcome = ("failed", "it was stopped")
            self._end(stop=True)
        else:
            self._end()


def _ignore(_message: Any) -> None:
    pass


def _run_forked(
    sender: Any, work: Callable[[Channel], Any], passed: tuple[type[BaseException], ...]
) -> None:
    global _sharing
    _sharing = 0  # the copies this process shares memory with are its parent's, not its own

    def send(kind: str, value: Any) -> None:
        sender.send((kind, value))

    try:
        sender.send(("done", work(Channel(send))))
    except passed as exc:
        sender.send(("raised", exc))
    except BaseException as exc:  # the parent reports it; a copy must never raise past here
        sender.send(("failed", "".join(traceback.format_exception(exc)).strip()))
    finally:
        sender.close()


class SharedEvent(Protocol):
    """A flag set once, seen by this process and the copies it forks (`shared_event`)."""

    def set(self) -> None: ...

    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...


def shared_event() -> SharedEvent:
    """Return an event that this process and every copy it forks from now on share.

    One copy can wait for another with it (the sources are written only once a copy of them
    is kept). Where the platform cannot fork, the work runs here, in order, and a plain
    event does.
    """
    if FORKING:
        return multiprocessing.get_context("fork").Event()
    return threading.Event()


# How many forked copies are running whose memory this process still shares (`_hold_shared`).
_sharing = 0


def _hold_shared(collect: bool = True) -> None:
    """Before a fork: hand freed memory back (if *collect*), then leave every object made so far
    alone.

    The copy shares this process's memory until either writes to it: frozen until the copy is
    done, the objects already made are left alone by both garbage collectors (a collection
    writes to every object it visits), so they stay shared. Copies may overlap; the objects
    are let go when the last one ends (`_release_shared`).
    """
    global _sharing
    if collect:
        gc.collect()
        trim_heap()
    gc.freeze()
    _sharing += 1


def _release_shared() -> None:
    global _sharing
    _sharing -= 1
    if _sharing == 0:
        gc.unfreeze()


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

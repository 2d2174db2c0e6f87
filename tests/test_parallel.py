"""Sharing a loop between cores gives the plain loop's answer, in order, and reports failures."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from generator.errors import InputError, Problem
from generator.parallel import (
    Channel,
    SharedEvent,
    begin,
    fewer_full_collections,
    shared_event,
    shared_map,
)


def _square_and_pid(n: int) -> tuple[int, int]:
    return n * n, os.getpid()


def test_results_come_back_in_the_items_order_from_more_than_one_process() -> None:
    items = list(range(1000))
    results = shared_map(_square_and_pid, items, processes=2, min_shared=10)
    assert [square for square, _ in results] == [n * n for n in items]
    # Every other item was worked out in a forked copy: two processes took part.
    assert len({pid for _, pid in results}) == 2
    assert results[0][1] == os.getpid() != results[1][1]


def test_few_items_stay_in_this_process() -> None:
    results = shared_map(_square_and_pid, list(range(20)), processes=2)
    assert {pid for _, pid in results} == {os.getpid()}


def _fails_on_seven(n: int) -> int:
    if n == 7:
        raise ValueError("seven is not allowed")
    return n


def test_a_failure_in_a_worker_is_raised_here_as_the_plain_loop_raises_it() -> None:
    with pytest.raises(ValueError, match="seven is not allowed"):
        shared_map(_fails_on_seven, list(range(100)), processes=2, min_shared=10)


def test_a_failure_here_still_waits_for_the_workers_and_is_raised() -> None:
    with pytest.raises(ValueError, match="seven"):
        shared_map(_fails_on_seven, list(range(7, 100)), processes=2, min_shared=10)


def _dies_in_a_worker(n: int) -> int:
    if os.getpid() != PARENT:
        os._exit(3)  # a worker lost without a word
    return n


PARENT = os.getpid()


def test_a_lost_worker_costs_time_not_the_result() -> None:
    assert shared_map(_dies_in_a_worker, list(range(50)), processes=2, min_shared=10) == list(
        range(50)
    )


def in_fork(
    work: Callable[[Channel], object],
    hear: Callable[[object], None] | None = None,
    **options: Any,
) -> object:
    """Run *work* in a fork and wait for it, as the build's stages do."""
    with begin(work, hear, **options) as forked:
        return forked.result()


def _told_and_pid(tell: Callable[[object], None]) -> int:
    for n in range(3):
        tell(("step", n))
    return os.getpid()


@pytest.mark.parametrize("forking", [True, False], ids=["forked", "where fork is missing"])
def test_work_in_a_fork_returns_its_result_and_is_heard_as_it_goes(
    monkeypatch: pytest.MonkeyPatch, forking: bool
) -> None:
    monkeypatch.setattr("generator.parallel.FORKING", forking)
    heard: list[object] = []
    pid = in_fork(_told_and_pid, heard.append)
    assert heard == [("step", 0), ("step", 1), ("step", 2)]
    assert (pid != os.getpid()) is forking
    # Nobody listening: the work still runs, and what it tells goes nowhere.
    assert (in_fork(_told_and_pid) == os.getpid()) is not forking


def _refuses(_tell: Callable[[object], None]) -> None:
    raise InputError([Problem("data/participants.csv", "no 'id' column", line=1)])


def _breaks(_tell: Callable[[object], None]) -> None:
    raise KeyError("a bug")


def test_an_input_error_in_a_fork_is_raised_here_as_itself() -> None:
    with pytest.raises(InputError) as caught:
        in_fork(_refuses, passed=(InputError,))
    assert caught.value.problems == [Problem("data/participants.csv", "no 'id' column", line=1)]


def test_any_other_failure_in_a_fork_is_raised_here_with_the_fork_s_traceback() -> None:
    with pytest.raises(RuntimeError) as caught:
        in_fork(_breaks, passed=(InputError,), what="the test work")
    message = str(caught.value)
    assert message.startswith("the test work failed: Traceback")
    assert "_breaks" in message and "KeyError: 'a bug'" in message


def _dies(_tell: Callable[[object], None]) -> None:
    os._exit(3)


def test_a_fork_that_dies_without_a_word_is_a_failure_not_a_result() -> None:
    with pytest.raises(RuntimeError, match="the test work failed: it stopped without a word"):
        in_fork(_dies, what="the test work")


def test_fewer_full_collections_while_inside_and_as_before_after_even_on_error() -> None:
    before = gc.get_threshold()
    with pytest.raises(ValueError), fewer_full_collections():
        inside = gc.get_threshold()
        raise ValueError("stop")
    assert inside[:2] == before[:2] and inside[2] >= 100
    assert gc.get_threshold() == before


def _hands_over_then_goes_on(tell: Channel) -> str:
    tell("before")
    tell.hand_over(("first", os.getpid()))
    tell("after")
    return "last"


@pytest.mark.parametrize("forking", [True, False], ids=["forked", "where fork is missing"])
def test_begun_work_hands_over_a_first_value_then_ends_with_its_result(
    monkeypatch: pytest.MonkeyPatch, forking: bool
) -> None:
    monkeypatch.setattr("generator.parallel.FORKING", forking)
    heard: list[object] = []
    with begin(_hands_over_then_goes_on, heard.append) as forked:
        first = forked.part()
        # Forked, what came after the value waits in the pipe; run here, the work is all done.
        assert heard == (["before"] if forking else ["before", "after"])
        assert forked.result() == "last"
    assert first[0] == "first" and (first[1] != os.getpid()) is forking
    assert heard == ["before", "after"]
    assert gc.get_freeze_count() == 0, "the objects frozen for the copy are let go"


def _ends_without_handing_over(_tell: Channel) -> str:
    return "only a result"


def test_asking_for_a_value_never_handed_over_is_an_error() -> None:
    with (
        begin(_ends_without_handing_over, what="the test work") as forked,
        pytest.raises(RuntimeError, match="the test work ended without handing over"),
    ):
        forked.part()


def _waits_for(event: SharedEvent, _tell: Channel) -> bool:
    return event.wait(30)


def _sets(event: SharedEvent, _tell: Channel) -> None:
    event.set()


def test_one_copy_waits_for_another_through_a_shared_event_and_overlapping_copies_unfreeze_once() -> (
    None
):
    event = shared_event()
    with begin(partial(_waits_for, event)) as waiting:
        with begin(partial(_sets, event)) as setting:
            setting.result()
            assert gc.get_freeze_count() > 0, "still frozen: the other copy runs"
        assert waiting.result() is True
    assert gc.get_freeze_count() == 0


def test_a_copy_nobody_waited_for_is_stopped_on_the_way_out() -> None:
    never = shared_event()
    with begin(partial(_waits_for, never)) as forked:
        child = forked._child
        assert child is not None and child.is_alive()
    assert not child.is_alive() and child.exitcode != 0
    assert gc.get_freeze_count() == 0

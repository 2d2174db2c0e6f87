"""Sharing a loop between cores gives the plain loop's answer, in order, and reports failures."""

from __future__ import annotations

import os

import pytest

from generator.parallel import shared_map


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

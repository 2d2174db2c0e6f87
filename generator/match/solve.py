"""Solve the assignment: the most pairs the rules allow and, among those, the highest score.

The optimum is exact: scipy's linear_sum_assignment on a cost matrix where every eligible cell
costs ``-(BIG + score)``, so one more pair always beats any gain in score.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from generator.match.encode import BoolMatrix, IntArray, Pool
from generator.match.rules import HardRule, eligible
from generator.match.score import max_score, score_matrix

Progress = Callable[[str], None]
Tick = Callable[[int], None]

# Cohorts at least this big (mentors × mentees) get a progress line per chunk.
LARGE_COHORT_CELLS = 1_000_000
# Cells per chunk of rule masks and scores: bounds temporary memory to a few tens of MB.
CHUNK_CELLS = 2_000_000
# With a progress bar, the scoring loop takes at least this many steps.
TICKS = 100
# Cohorts with at least this many mentees take about a second or more to match: worth a bar.
PROGRESS_MENTEES = 2_000


def solve(
    pool: Pool,
    rules: Sequence[HardRule],
    room: IntArray,
    taken_mentees: BoolMatrix,
    say: Progress,
    tick: Tick | None = None,
) -> list[tuple[int, int]]:
    """Return the (mentor, mentee) index pairs of a max-cardinality, max-score assignment.

    *tick* is called with the number of mentees scored after each chunk of the scoring loop.
    """
    m_all = np.flatnonzero(room > 0).astype(np.int64)
    e_all = np.flatnonzero(~taken_mentees).astype(np.int64)
    if len(m_all) == 0 or len(e_all) == 0:
        return []
    large = len(m_all) * len(e_all) >= LARGE_COHORT_CELLS
    # Mentees are the rows of every matrix here, mentors (or their places) the columns.
    ok = np.zeros((len(e_all), len(m_all)), dtype=np.bool_)
    step = max(1, CHUNK_CELLS // len(e_all))
    for start in range(0, len(m_all), step):
        stop = min(start + step, len(m_all))
        ok[:, start:stop] = eligible(rules, pool, m_all[start:stop], e_all).T
        if large:
            say(f"  checked the rules for {stop:,} of {len(m_all):,} mentors")
    # Only people with an eligible partner enter the solver, the most constrained first:
    # the solver then finds short augmenting paths (twice as fast at 5,000 × 5,000). The
    # stable sort keeps id order among equals, so the order depends on the data alone.
    e_degree, m_degree = ok.sum(axis=1), ok.sum(axis=0)
    e_order = np.flatnonzero(e_degree)[np.argsort(e_degree[e_degree > 0], kind="stable")]
    m_order = np.flatnonzero(m_degree)[np.argsort(m_degree[m_degree > 0], kind="stable")]
    if len(e_order) == 0:
        return []
    ok = ok[np.ix_(e_order, m_order)]
    e_idx, m_idx = e_all[e_order], m_all[m_order]
    # A mentor never needs more places than they have eligible mentees.
    places = np.minimum(room[m_idx], m_degree[m_order]).astype(np.int64)

    pairs_max = min(int(places.sum()), len(e_idx))
    scale, big = integer_scale(max_score(pool.matching), pairs_max)
    cost = np.empty((len(e_idx), len(m_idx)), dtype=np.float64)
    step = max(1, CHUNK_CELLS // len(m_idx))
    if tick is not None:
        # Smaller chunks cost nothing measurable and let a progress bar move smoothly.
        step = min(step, max(1, -(-len(e_idx) // TICKS)))
    for start in range(0, len(e_idx), step):
        stop = min(start + step, len(e_idx))
        block = score_matrix(pool, m_idx, e_idx[start:stop])
        # Integer points make equal totals exactly equal, so ties never depend on rounding.
        block *= scale
        np.rint(block, out=block)
        block += big
        np.copyto(block, -0.0, where=~ok[start:stop])
        np.negative(block, out=cost[start:stop])
        if tick is not None:
            tick(stop - start)
        if large:
            say(f"  scored {stop:,} of {len(e_idx):,} mentees")
    del ok
    owner = np.arange(len(m_idx), dtype=np.int64)
    if int(places.max()) > 1:
        # Capacity c: a mentor is c identical columns.
        owner = np.repeat(owner, places)
        cost = np.repeat(cost, places, axis=1)
    say(f"  solving the assignment: {cost.shape[0]:,} mentees × {cost.shape[1]:,} mentor places")
    rows, cols = linear_sum_assignment(cost)
    picked = cost[rows, cols] < 0
    return sorted(
        (int(m_idx[owner[c]]), int(e_idx[r]))
        for r, c in zip(rows[picked], cols[picked], strict=True)
    )


def integer_scale(top: float, pairs_max: int) -> tuple[float, float]:
    """Choose points per score unit and the per-pair bonus so every total stays exact."""
    scale = 1_000_000.0
    while True:
        top_points = math.ceil(top * scale)
        big = float(pairs_max * top_points + 1)
        # Every partial sum the solver forms stays below 2**52: exact in float64.
        if pairs_max * (big + top_points) < 2.0**52 or scale <= 1.0:
            return scale, big
        scale /= 10.0

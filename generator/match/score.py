"""The soft score of a pair: skills wanted and offered, shared interests, preferred attributes."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from generator.config import Matching
from generator.match.encode import FloatArray, IntArray, Pool, label


def score_matrix(pool: Pool, mentors: IntArray, mentees: IntArray) -> FloatArray:
    """Return the soft score of every pair as a mentees × mentors matrix (see score_formula)."""
    m, e = pool.mentors, pool.mentees
    overlap = (e.skills[mentees] @ m.skills[mentors].T).toarray()
    shared = (e.interests[mentees] @ m.interests[mentors].T).toarray()
    both = e.interest_count[mentees][:, None] + m.interest_count[mentors][None, :]
    codes = {
        name: (m.codes[name][mentors][None, :], e.codes[name][mentees][:, None])
        for name in (*pool.matching.prefer_different, *pool.matching.prefer_same)
    }
    return _combine(pool.matching, overlap, e.skill_weight[mentees][:, None], shared, both, codes)


def pair_scores(pool: Pool, mentors: IntArray, mentees: IntArray) -> FloatArray:
    """Return the soft score of each pair (mentors[k], mentees[k])."""
    m, e = pool.mentors, pool.mentees
    overlap = np.asarray(m.skills[mentors].multiply(e.skills[mentees]).sum(axis=1))
    shared = np.asarray(m.interests[mentors].multiply(e.interests[mentees]).sum(axis=1))
    codes = {
        name: (m.codes[name][mentors], e.codes[name][mentees])
        for name in (*pool.matching.prefer_different, *pool.matching.prefer_same)
    }
    return _combine(
        pool.matching,
        overlap.ravel().astype(np.float64),
        e.skill_weight[mentees],
        shared.ravel().astype(np.float64),
        m.interest_count[mentors] + e.interest_count[mentees],
        codes,
    )


def _combine(
    rules: Matching,
    overlap: FloatArray,
    skill_weight: FloatArray,
    shared: FloatArray,
    both: FloatArray,
    codes: Mapping[str, tuple[IntArray, IntArray]],
) -> FloatArray:
    """Weigh the score's parts: the one place the formula is written down.

    Works in place on *overlap* and *shared*: at 25 million cells, every temporary matrix
    costs more than the arithmetic.
    """
    total = overlap
    total *= rules.weight_skills * skill_weight  # skill_weight is 1 / skills wanted (or 0)
    union = both - shared
    np.maximum(union, 1.0, out=union)  # the union is empty only when nothing is shared
    shared /= union
    shared *= rules.weight_interests
    total += shared
    for names, weight, same in (
        (rules.prefer_different, rules.weight_prefer_different, False),
        (rules.prefer_same, rules.weight_prefer_same, True),
    ):
        for name in names if weight else ():
            mentor_code, mentee_code = codes[name]
            hit = (mentor_code == mentee_code) if same else (mentor_code != mentee_code)
            hit &= mentor_code >= 0
            hit &= mentee_code >= 0
            np.add(total, weight / len(names), out=total, where=hit)
    return total


def max_score(rules: Matching) -> float:
    """Return the highest score a pair can get under these weights."""
    total = rules.weight_skills + rules.weight_interests
    total += rules.weight_prefer_different if rules.prefer_different else 0.0
    total += rules.weight_prefer_same if rules.prefer_same else 0.0
    return float(total)


def score_formula(rules: Matching) -> str:
    """Describe the score in one line, with this programme's weights."""
    parts = [
        f"{rules.weight_skills:g} × share of the mentee's wanted skills the mentor offers",
        f"{rules.weight_interests:g} × shared interests ÷ all interests of the two",
    ]
    for names, weight, verb in (
        (rules.prefer_different, rules.weight_prefer_different, "differ"),
        (rules.prefer_same, rules.weight_prefer_same, "are the same"),
    ):
        if len(names) == 1:
            single = "differs" if verb == "differ" else "is the same"
            parts.append(f"{weight:g} × ({label(names[0])} {single}: 1, else 0)")
        elif names:
            listed = ", ".join(map(label, names))
            parts.append(f"{weight:g} × share of {listed} that {verb}")
    return "score = " + " + ".join(parts) + f" (0 to {max_score(rules):g})"

"""Benchmark `portal match`: time and peak memory per cohort size, and mentor-match beside it.

    python benchmarks/bench_match.py                 # 100, 1,000 and 5,000 per role + comparison
    python benchmarks/bench_match.py --sizes 100 1000 --no-compare

Each size runs in a fresh subprocess so peak memory is that run's own. The comparison gives the
open-source `mentor-match` package (if installed) the same 500 × 500 input, our hard rules as its
Disqualify rules and our preferences as its Generic score rules, then checks both outcomes
against our hard rules.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import os
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.synthetic import minimal_config
from generator.config import ProgrammeConfig
from generator.match import propose_matches
from generator.model import Pair, Participant, Project

GRADES = [
    "Apprentice",
    "Officer",
    "Senior Officer",
    "Team Leader",
    "Manager",
    "Head of Service",
    "Director",
    "Executive Director",
]
# The demo programme's matching settings (programme.yaml).
MATCHING: dict[str, Any] = {
    "min_grade_gap": 3,
    "exclude_direct_line": True,
    "exclude_skip_level": True,
    "must_differ": ["department"],
    "prefer_different": ["network"],
    "prefer_same": ["location"],
    "mentor_capacity": 1,
    "weight_skills": 3,
    "weight_interests": 1,
    "weight_prefer_different": 1,
    "weight_prefer_same": 0.5,
}
COHORT = "c2"
SKILLS = [f"skill {i:02d}" for i in range(40)]
INTERESTS = [f"interest {i:02d}" for i in range(25)]
DEPARTMENTS = [f"Department {i:02d}" for i in range(12)]
SITES = ["Town Hall", "Depot", "Library", "Civic Centre"]
NETWORKS = ["", "", "network a", "network b", "network c", "network d"]


def synthetic_config(never_pair: list[list[str]]) -> ProgrammeConfig:
    """Return a minimal programme with the demo's matching rules and two cohorts."""
    return minimal_config(GRADES, {**MATCHING, "never_pair": never_pair})


def synthetic_programme(per_role: int, seed: int = 0) -> Project:
    """Return a seeded synthetic cohort: a management tree, departments, skills, history."""
    rng = random.Random(seed)
    # Leaders: a pyramid from executive directors down to team leaders, each with a manager
    # one or two grades up, mostly in the manager's department.
    shares = {7: 0.02, 6: 0.08, 5: 0.25, 4: 0.30, 3: 0.35}
    counts = {g: max(1, round(per_role * s)) for g, s in shares.items()}
    counts[3] += per_role - sum(counts.values())
    mentees: list[dict[str, Any]] = []
    by_grade: dict[int, list[dict[str, Any]]] = {}
    for grade in sorted(counts, reverse=True):
        for _ in range(counts[grade]):
            bosses = by_grade.get(grade + 1, []) + by_grade.get(grade + 2, [])
            boss = rng.choice(bosses) if bosses else None
            row = {
                "id": f"L{len(mentees):05d}",
                "grade": grade,
                "manager_id": boss["id"] if boss else "",
                "department": boss["department"]
                if boss and rng.random() < 0.8
                else rng.choice(DEPARTMENTS),
            }
            mentees.append(row)
            by_grade.setdefault(grade, []).append(row)
    managers = by_grade.get(3, []) + by_grade.get(4, [])
    mentors: list[dict[str, Any]] = []
    for i in range(per_role):
        boss = rng.choice(managers) if managers and rng.random() < 0.6 else None
        mentors.append(
            {
                "id": f"J{i:05d}",
                "grade": rng.randint(0, 2),
                "manager_id": boss["id"] if boss else "",
                "department": boss["department"] if boss else rng.choice(DEPARTMENTS),
            }
        )

    def participant(row: dict[str, Any], role: str) -> Participant:
        skills = "; ".join(
            rng.sample(SKILLS, rng.randint(2, 5) if role == "mentor" else rng.randint(1, 4))
        )
        return Participant(
            id=row["id"],
            name=f"Person {row['id']}",
            email=f"{row['id'].lower()}@synthetic.example",
            role=role,
            grade=GRADES[row["grade"]],
            department=row["department"],
            cohort=COHORT,
            location=rng.choice(SITES),
            manager_id=row["manager_id"],
            skills_offered=skills if role == "mentor" else "",
            skills_wanted=skills if role == "mentee" else "",
            interests="; ".join(rng.sample(INTERESTS, rng.randint(1, 4))),
            extra={"network": rng.choice(NETWORKS)},
        )

    people = [participant(r, "mentor") for r in mentors] + [
        participant(r, "mentee") for r in mentees
    ]
    # History: a tenth of the mentors mentored someone in the previous cohort.
    pairs = [
        Pair(
            pair_id=f"OLD{i:05d}",
            mentor_id=m["id"],
            mentee_id=rng.choice(mentees)["id"],
            cohort="c1",
            status="completed",
        )
        for i, m in enumerate(rng.sample(mentors, per_role // 10))
    ]
    never = [[rng.choice(mentors)["id"], rng.choice(mentees)["id"]] for _ in range(5)]
    return Project(
        root=Path("/nonexistent/synthetic"),
        config=synthetic_config(never),
        participants=tuple(people),
        pairs=tuple(pairs),
        sessions=(),
        surveys=(),
        stories=(),
        posts=(),
        guides=(),
        today=dt.date(2025, 1, 1),
    )


# --- an independent check of the hard rules, for both tools' outcomes ----------------------


def hard_rule_violations(project: Project, pairs: Iterable[tuple[str, str]]) -> Counter[str]:
    """Count, per hard rule, the pairs that break it (plain Python, not generator.match)."""
    people = project.participant_index()
    rules = project.config.matching
    earlier = {
        frozenset((p.mentor_id, p.mentee_id)) for p in project.pairs if p.status != "proposed"
    }
    never = {frozenset(p) for p in rules.never_pair}

    def above(pid: str) -> list[str]:
        chain: list[str] = []
        current = people[pid].manager_id
        while current and current in people and len(chain) < 2:
            chain.append(current)
            current = people[current].manager_id
        return chain

    broken: Counter[str] = Counter()
    load: Counter[str] = Counter()
    seen_mentees: Counter[str] = Counter()
    for mentor_id, mentee_id in pairs:
        mentor, mentee = people[mentor_id], people[mentee_id]
        load[mentor_id] += 1
        seen_mentees[mentee_id] += 1
        if GRADES.index(mentee.grade) - GRADES.index(mentor.grade) < rules.min_grade_gap:
            broken["grade gap"] += 1
        if mentee_id in above(mentor_id) or mentor_id in above(mentee_id):
            broken["reporting line"] += 1
        if mentor.department.casefold() == mentee.department.casefold():
            broken["same department"] += 1
        if frozenset((mentor_id, mentee_id)) in earlier:
            broken["repeat pair"] += 1
        if frozenset((mentor_id, mentee_id)) in never:
            broken["never_pair"] += 1
    broken["mentor over capacity"] += sum(1 for n in load.values() if n > rules.mentor_capacity)
    broken["mentee paired twice"] += sum(1 for n in seen_mentees.values() if n > 1)
    return +broken


def our_score(project: Project, pairs: Iterable[tuple[str, str]]) -> float:
    """Total the documented score formula over pairs (plain Python)."""
    people = project.participant_index()
    rules = project.config.matching
    total = 0.0
    for mentor_id, mentee_id in pairs:
        m, e = people[mentor_id], people[mentee_id]
        wanted = {s.casefold() for s in e.skills_wanted}
        offered = {s.casefold() for s in m.skills_offered}
        a, b = set(m.interests), set(e.interests)
        total += rules.weight_skills * (len(wanted & offered) / len(wanted) if wanted else 0)
        total += rules.weight_interests * (len(a & b) / len(a | b) if a | b else 0)
        net_a, net_b = m.extra.get("network", ""), e.extra.get("network", "")
        total += rules.weight_prefer_different * bool(net_a and net_b and net_a != net_b)
        total += rules.weight_prefer_same * (m.location == e.location)
    return total


# --- runs --------------------------------------------------------------------------------


def run_ours(per_role: int, seed: int) -> dict[str, Any]:
    """Time one matching run, then measure its peak traced memory in a second run."""
    project = synthetic_programme(per_role, seed)
    start, cpu = time.perf_counter(), time.process_time()
    result = propose_matches(project, COHORT)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    tracemalloc.start()
    propose_matches(project, COHORT)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    pairs = [(p.mentor_id, p.mentee_id) for p in result.proposals]
    return {
        "per_role": per_role,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_mb": peak / 2**20,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "pairs": len(pairs),
        "unmatched": len(result.unmatched),
        "violations": dict(hard_rule_violations(project, pairs)),
        "score": our_score(project, pairs),
    }


def run_mentor_match(per_role: int, seed: int) -> dict[str, Any]:
    """Run mentor-match on the same input, with our rules written in its rule language."""
    # mentor-match installs the untyped module 'matching'; it may also be absent.
    from matching import process  # type: ignore
    from matching.mentee import Mentee  # type: ignore
    from matching.mentor import Mentor  # type: ignore
    from matching.rules.rule import Disqualify, Generic  # type: ignore

    project = synthetic_programme(per_role, seed)
    people = project.participant_index()
    rules = project.config.matching
    earlier = {
        frozenset((p.mentor_id, p.mentee_id)) for p in project.pairs if p.status != "proposed"
    }
    never = {frozenset(p) for p in rules.never_pair}

    def above(pid: str) -> set[str]:
        chain: set[str] = set()
        current = people[pid].manager_id
        while current and current in people and len(chain) < 2:
            chain.add(current)
            current = people[current].manager_id
        return chain

    def convert(p: Participant) -> Any:
        kind = Mentor if p.role == "mentor" else Mentee
        obj = kind(
            **{
                "grade": GRADES.index(p.grade),
                "email": p.id,
                "first name": p.name,
                "organisation": p.department,
                "role": p.role,
            }
        )
        # mentor-match rules are Python callables over these objects: attach what they need.
        obj.pid = p.id
        obj.line = above(p.id)
        obj.skills = {s.casefold() for s in (p.skills_offered or p.skills_wanted)}
        obj.interests = set(p.interests)
        obj.network = p.extra.get("network", "")
        obj.location = p.location
        return obj

    cohort = [p for p in project.participants if p.cohort == COHORT]
    mentors = [convert(p) for p in cohort if p.role == "mentor"]
    mentees = [convert(p) for p in cohort if p.role == "mentee"]

    def share(m: Any) -> float:
        return len(m.mentor.skills & m.mentee.skills) / max(1, len(m.mentee.skills))

    rule_set = [
        Disqualify(lambda m: m.mentee.grade - m.mentor.grade < rules.min_grade_gap),
        Disqualify(lambda m: m.mentee.pid in m.mentor.line or m.mentor.pid in m.mentee.line),
        Disqualify(lambda m: m.mentor.organisation.casefold() == m.mentee.organisation.casefold()),
        Disqualify(lambda m: frozenset((m.mentor.pid, m.mentee.pid)) in earlier),
        Disqualify(lambda m: frozenset((m.mentor.pid, m.mentee.pid)) in never),
        # Integer points, ×2 of our weights: skills in thirds, interests, network, location.
        Generic({True: 2, False: 0}, lambda m: share(m) > 0),
        Generic({True: 2, False: 0}, lambda m: share(m) >= 0.5),
        Generic({True: 2, False: 0}, lambda m: share(m) >= 1),
        Generic({True: 2, False: 0}, lambda m: bool(m.mentor.interests & m.mentee.interests)),
        Generic(
            {True: 2, False: 0},
            lambda m: bool(
                m.mentor.network and m.mentee.network and m.mentor.network != m.mentee.network
            ),
        ),
        Generic({True: 1, False: 0}, lambda m: m.mentor.location == m.mentee.location),
    ]
    start, cpu = time.perf_counter(), time.process_time()
    done_mentors, _ = process.process_data(mentors, mentees, [rule_set])
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    pairs = [(m.pid, e.pid) for m in done_mentors for e in m.mentees]
    return {
        "per_role": per_role,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "munkres": importlib.metadata.version("munkres"),
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "pairs": len(pairs),
        "violations": dict(hard_rule_violations(project, pairs)),
        "score": our_score(project, pairs),
    }


def in_subprocess(kind: str, per_role: int, seed: int) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and return its JSON result."""
    out = subprocess.run(
        [sys.executable, __file__, "--one", kind, str(per_role), "--seed", str(seed)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def have_mentor_match() -> bool:
    """Say whether the mentor-match package is installed."""
    try:
        importlib.metadata.version("mentor-match")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def main() -> None:
    """Print the benchmark table and the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 1000, 5000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--compare-size", type=int, default=500)
    parser.add_argument("--no-compare", action="store_true")
    parser.add_argument("--one", nargs=2, metavar=("KIND", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        kind, size = args.one[0], int(args.one[1])
        run = run_ours if kind == "ours" else run_mentor_match
        print(json.dumps(run(size, args.seed)))
        return

    print(
        f"portal match — synthetic cohorts (seed {args.seed}), {os.cpu_count()} CPU(s), "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )
    print(
        f"{'per role':>9} {'seconds':>8} {'CPU s':>6} {'peak MB':>8} {'max RSS MB':>10} "
        f"{'pairs':>6} {'unmatched':>9} {'violations':>10}"
    )
    for size in args.sizes:
        r = in_subprocess("ours", size, args.seed)
        print(
            f"{size:>9,} {r['seconds']:>8.2f} {r['cpu_seconds']:>6.2f} {r['peak_mb']:>8.0f} "
            f"{r['max_rss_mb']:>10.0f} {r['pairs']:>6,} {r['unmatched']:>9,} "
            f"{sum(r['violations'].values()):>10}"
        )
    if args.no_compare:
        return
    n = args.compare_size
    print(f"\nSame {n} × {n} input, both tools:")
    if not have_mentor_match():
        print("  mentor-match is not installed (pip install mentor-match); comparison skipped")
        return
    ours = in_subprocess("ours", n, args.seed)
    theirs = in_subprocess("mentor-match", n, args.seed)
    rows = (("portal match", ours), (f"mentor-match (munkres {theirs['munkres']})", theirs))
    for name, r in rows:
        broken = ", ".join(f"{k}: {v}" for k, v in sorted(r["violations"].items())) or "none"
        print(
            f"  {name:<30} {r['seconds']:>7.2f} s ({r['cpu_seconds']:.2f} CPU s)  "
            f"{r['pairs']:>4} pairs  score {r['score']:>7.1f}  rule violations: {broken}"
        )
    ratio = theirs["seconds"] / ours["seconds"]
    cpu_ratio = theirs["cpu_seconds"] / ours["cpu_seconds"]
    print(f"  time ratio mentor-match / portal match: {ratio:,.0f}× wall, {cpu_ratio:,.0f}× CPU")


if __name__ == "__main__":
    main()

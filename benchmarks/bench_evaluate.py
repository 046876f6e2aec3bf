"""DSA evaluation over time, end to end from the database, for a national-scale cohort.

Usage: python benchmarks/bench_evaluate.py [RECIPIENTS] [--db PATH]   (default 10,000; run by hand)

Builds a database of RECIPIENTS recipients, one typed donor and one infusion each, 6 sera × 2
classes (the demo's class I and class II panels), ~5 % with a de novo DSA from M3 and ~10 % with a
third-party antibody; rows go in by bulk inserts (it is a benchmark). Then prints:
1. ``evaluate_pending`` end to end (load, donor masks, calls, timelines, storing): seconds;
2. the computing stages as the service runs them (a screen with every donor's masks in one
   matrix product per panel and one numpy pass per panel and batch over every serum, full masks
   for the donors it flags, numpy calls) against a plain Python loop over the same values and
   typings in the same run (donor masks bead by bead, entry by entry as
   ``plain_rule.plain_masks``; calls bead by bead), with a check that both find the same DSA;
3. the end-to-end ratio: ``evaluate_pending`` against that plain loop fed by the same loader from
   the same database. The plain side builds no timeline and stores nothing, and both share the
   loader, so this ratio is bounded by the Python work both must do per recipient: it is printed
   as measured, with no target claimed for it;
4. re-evaluating one recipient after one new sample uploaded (HLA Fusion file): milliseconds;
5. the issue's targets against the bare floor measured in the same process on the same file (one
   query for every packed vector, ``np.frombuffer``, one threshold per panel): evaluate_pending
   <= 2 s for 10,000 recipients and <= 5x the floor; one recipient after one sample < 20 ms.
   Timings on a shared machine are noisy: the ratio to the floor, taken in the same run, is the
   figure to compare across runs.

Measured 2026-12-04 (2 cores, 24 GB, shared with other work), 10,000 recipients, after the
third issue-17 pass: evaluate_pending 3.59 s wall, 3.56 s CPU against a floor of 0.42 s: 8.6x
(8.5x in CPU); in other runs of that hour 3.7-4.1 s, 8.6-9.6x (5.6 s wall, 3.8 s CPU, 9.1x in
CPU beside a load average of 3.7). Alternated in one session with the code before that pass:
4.6-6.7 s wall, 5.9-6.9 s CPU (OpenBLAS threads spinning beside the screen's matrix products)
-> 3.7-4.1 s wall, 3.6-4.0 s CPU, the same stored rows and alert events. Earlier: 5.1 s
wall / 5.5 s CPU (11.4x) after the second pass, 10.1-11.0 s before it. The targets (<= 2 s,
<= 5x) are NOT met. Computing stages 28.2x a plain loop (target >= 20x: met); one recipient
after one new sample 2.4 ms (at 100,000 recipients, second pass: 4.7-12 ms wall, 3.3 ms CPU;
target < 20 ms: met). What is left, CPU seconds of one run: loading 1.27 (its vector and run
row queries ~0.75, near the floor), evaluate_donor for the 520 flagged recipients 0.86 (~1.6 ms
each), storing 0.75 (inserts 0.38, alert events ~0.2), the bulk path 0.48 (~50 us a cleared
recipient), the screen 0.15 (docs/scaling.md).

Measured again 2026-12-04 (2 shared cores, load average 1-10 from other work), code unchanged:
this benchmark 4.90 s wall, 3.93 s CPU against a floor of 0.43 s: 11.5x wall, 9.5x in CPU; one
recipient after one new sample 3.8 ms. In quieter runs of the same hour 3.63-3.65 s wall,
3.58-3.59 s CPU (8.3-8.6x). The targets (<= 2 s, <= 5x) are still NOT met. Each stage's CPU in
one run: loading 1.12 (vector query 0.34, run rows 0.24, recipients' heads, exposures and
typings 0.29), the 520 flagged recipients 0.90 (match_donor 0.15 and plan_of 0.16 over 1,040
donor-panels, states 0.15), storing 0.77 (inserts 0.40, alert events 0.24 for 487 evaluations),
the bulk path 0.50, the screen 0.15. Tried and not kept, alternated with the code as it is:
reading the next batch on a second, read-only connection in a thread (SQLite steps without the
GIL) made the run slower, 3.75-3.92 s against 3.63-3.65 s: the thread takes the GIL back after
every row it fetches and waits for it behind the evaluation; reading the vectors as one row per
panel (``json_group_array`` and ``group_concat`` of the blobs, the same bytes) holds the GIL
a few times a batch, but costs 0.61 s CPU against 0.37 s row by row, and with the second core
busy the run was slower still (4.2-5.5 s, 4.1-4.2 s CPU against 3.7-4.9 s, 3.7-3.9 s). A worker
process needs a fresh interpreter (a forked child must not touch the parent's SQLite locks):
importing the evaluation costs 0.37 s CPU before any work, so two shared cores give ~2.1 s at
best.

Measured 2026-12-05 (2 cores, quiet), after the fifth issue-17 pass: evaluate_pending 1.78, 1.79,
1.81 s wall in three runs against a floor of 0.42 s: 4.2-4.3x (targets <= 2 s and <= 5x: met). A
run of four batches or more computes some of them in a helper process (``evaluation/parallel.py``):
CPU 1.67-1.68 s in this process + 1.51-1.55 s in the helper (printed separately: the helper's CPU
is this process's ended children's). The same run in one process: 2.89 s (3.6 s before this pass).
One recipient after one new sample 2.4 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from plain_rule import carriers_of, plain_masks, positive_targets

import dsa_monitor.alerts  # noqa: F401  (installs the recorder of alert events, as every door does)
from dsa_monitor import store
from dsa_monitor.demo.fusion_writer import FusionSample, write_fusion_csv
from dsa_monitor.demo.trial import CLASS_I_ALLELES, CLASS_II_BEADS, demo_panel
from dsa_monitor.dsa.calls import (
    CHAIN_UNDECIDABLE,
    evaluate,
)
from dsa_monitor.dsa.positivity import cutoff_vector
from dsa_monitor.dsa.rules import DEFAULT_RULES
from dsa_monitor.dsa.visits import schedule_rules
from dsa_monitor.evaluation import evaluate_pending
from dsa_monitor.evaluation.engine import match_with_cache, prepare, screen_batch
from dsa_monitor.evaluation.inputs import load_batch
from dsa_monitor.evaluation.service import BATCH
from dsa_monitor.hla.typing import HLATyping
from dsa_monitor.ingest import import_upload
from dsa_monitor.reference.service import embedded
from dsa_monitor.store.mfi import VALUE_KINDS

VISITS = (("baseline", -7), ("M1", 30), ("M3", 91), ("M6", 182), ("M9", 273), ("M12", 365))
NOW = "2026-01-01T00:00:00+00:00"
LOCI = {locus: sorted({a for a in CLASS_I_ALLELES if a.startswith(locus + "*")}) for locus in ("A", "B", "C")}
LOCI.update(
    {
        locus: sorted({a for bead in CLASS_II_BEADS for a in bead if a.startswith(locus + "*")})
        for locus in ("DRB1", "DQB1")
    }
)


def typing_of(rng: np.random.Generator, like: dict[str, list[str]] | None = None) -> dict:
    """Two alleles per locus; a donor keeps each of the recipient's alleles with p = 0.5."""
    chosen = {}
    for locus, pool in LOCI.items():
        pair = [str(rng.choice(pool)) for _ in range(2)]
        if like is not None:
            pair = [like[locus][i] if rng.random() < 0.5 else pair[i] for i in range(2)]
        chosen[locus] = pair
    return chosen


def gl(chosen: dict[str, list[str]]) -> str:
    return "^".join("+".join(pair) for pair in chosen.values())


def populate(db, n: int, seed: int = 11) -> dict:
    """Bulk-insert the cohort; return what the later steps need."""
    rng = np.random.default_rng(seed)
    panels = {"I": demo_panel("I"), "II": demo_panel("II")}
    conn = db.conn
    typings_cache: dict[str, tuple[str, str]] = {}

    def typing_row(chosen):
        text = gl(chosen)
        if text not in typings_cache:
            typing = HLATyping.from_gl_string(text)
            typings_cache[text] = (typing.to_gl_string(), json.dumps(typing.to_dict()))
        return typings_cache[text]

    with store.write_transaction(db):
        conn.execute(
            "INSERT INTO studies (id, code, title, visit_schedule, created_at,"
            " created_by) VALUES (1, 'BENCH', 'benchmark', '[]', ?, 'bench')",
            (NOW,),
        )
        conn.execute(
            "INSERT INTO uploads (id, sha256, file_name, size, format, uploaded_by,"
            " uploaded_at, outcome) VALUES (1, 'x', 'bench', 0, 'fusion', 'bench', ?,"
            " 'stored')",
            (NOW,),
        )
        panel_ids = {}
        for number, (hla_class, panel) in enumerate(panels.items(), start=1):
            beads = [[b.bead_id, ",".join(b.alleles)] for b in panel.beads]
            conn.execute(
                "INSERT INTO bead_panels (id, digest, beads) VALUES (?, ?, ?)",
                (number, f"bench-{hla_class}", json.dumps(beads)),
            )
            panel_ids[hla_class] = number
        recipients, donors, typings, exposures, links, samples, vectors = ([] for _ in range(7))

        def flush() -> None:
            """Insert the rows made so far (every ``CHUNK`` recipients: 1.2 M vectors of a
            100,000-recipient cohort are 3 GB as Python bytes)."""
            insert_rows(conn, recipients, donors, typings, exposures, links, samples, vectors)
            for rows in (recipients, donors, typings, exposures, links, samples, vectors):
                rows.clear()

        sample_id = 0
        start = dt.date(2024, 1, 1)
        kinds = len(VALUE_KINDS)
        for r in range(1, n + 1):
            mine = typing_of(rng)
            theirs = typing_of(rng, mine)
            recipients.append((r, 1, f"R{r:05d}", NOW, "bench"))
            donors.append((r, f"D{r:05d}", "cord", NOW, "bench"))
            for owner, chosen in (("recipient", mine), ("donor", theirs)):
                text, body = typing_row(chosen)
                typings.append((owner, r, 1, text, body, None, "bench", NOW, "bench"))
            infusion = start + dt.timedelta(days=int(rng.integers(0, 365)))
            exposures.append((r, r, infusion.isoformat(), "infusion", NOW, "bench"))
            links.append((r, r))
            mismatched = [a for locus in LOCI for a in theirs[locus] if a not in mine[locus]]
            dsa = str(rng.choice(mismatched)) if mismatched and rng.random() < 0.05 else None
            third = str(rng.choice(CLASS_I_ALLELES)) if rng.random() < 0.10 else None
            for visit, day in VISITS:
                date = (infusion + dt.timedelta(days=day)).isoformat()
                for hla_class, panel in panels.items():
                    sample_id += 1
                    samples.append(
                        (
                            sample_id,
                            r,
                            1,
                            f"R{r:05d}-{visit}",
                            f"R{r:05d}",
                            date,
                            "file",
                            date,
                            "onelambda",
                            panel.catalog_id[:6],
                            panel.catalog_id,
                            hla_class,
                            "pass",
                            "[]",
                            0,
                            "neat",
                            len(panel.beads),
                            "[]",
                            NOW,
                        )
                    )
                    raw = np.minimum(rng.lognormal(np.log(120.0), 0.6, len(panel.beads)), 650.0)
                    raw[0], raw[1] = 60.0, 18000.0
                    for allele, level in ((dsa, 3000.0 * (1 + day / 180)), (third, 4000.0)):
                        if allele and (allele == third or day >= 91):
                            raw[panel.index(allele)] = level
                    packed = np.full((kinds, len(panel.beads)), np.nan, dtype="<f4")
                    packed[VALUE_KINDS.index("raw")] = raw
                    packed[VALUE_KINDS.index("normalized")] = np.maximum(raw - raw[0], 0.0)
                    vectors.append((sample_id, panel_ids[hla_class], packed.tobytes()))
            if r % CHUNK == 0:
                flush()
        flush()
    return {"panels": panels, "samples": sample_id}


CHUNK = 5000  # recipients whose rows ``populate`` holds before inserting them


def insert_rows(conn, recipients, donors, typings, exposures, links, samples, vectors) -> None:
    """The cohort's rows, by bulk inserts (in the caller's transaction)."""
    conn.executemany(
        "INSERT INTO recipients (id, study_id, subject_code, created_at, created_by) VALUES (?, ?, ?, ?, ?)",
        recipients,
    )
    conn.executemany(
        "INSERT INTO donors (id, code, kind, created_at, created_by) VALUES (?, ?, ?, ?, ?)", donors
    )
    conn.executemany(
        "INSERT INTO typings (owner_kind, owner_id, version, gl_string,"
        " typing_json, reference_release, source, created_at, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        typings,
    )
    conn.executemany(
        "INSERT INTO exposures (id, recipient_id, date, kind, created_at,"
        " created_by) VALUES (?, ?, ?, ?, ?, ?)",
        exposures,
    )
    conn.executemany("INSERT INTO exposure_donors (exposure_id, donor_id) VALUES (?, ?)", links)
    conn.executemany(
        "INSERT INTO samples (id, recipient_id, upload_id, lab_sample_id, patient_id,"
        " draw_date, draw_date_source, run_date, vendor, kit, lot, hla_class, qc_status,"
        " qc_reasons, excluded, serum_treatment, bead_count, warnings, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        samples,
    )
    conn.executemany("INSERT INTO mfi_vectors (sample_id, panel_id, data) VALUES (?, ?, ?)", vectors)


def plain_calls(plain_batch) -> set[tuple[int, int, str]]:
    """The calling rule written bead by bead over Python lists (benchmarks/bench_dsa.py's loop):
    positivity, DQ/DP chain attribution over the panel, the donor antigen each positive bead
    targets. Returns (sample, donor, target) of every DSA call."""
    found = set()
    for item, _, info, lists in plain_batch:
        for exposure in item.exposures:
            for donor in exposure.donors:
                for run, values in zip(item.runs, lists, strict=True):
                    if run.excluded or values is None:
                        continue
                    beads, masks, carriers, cutoffs = info[(run.panel_id, donor.donor_id)]
                    for _, target in positive_targets(values, beads, masks, carriers, cutoffs):
                        found.add((run.sample_id, donor.donor_id, target))
    return found


def numpy_calls(batch, stacks, reference) -> set[tuple[int, int, str]]:
    """As the service runs it: one numpy screen per panel for the batch, then ``evaluate`` on
    the (samples × beads) matrices of the donors the screen flagged."""
    found = set()
    flagged = screen_batch(batch, stacks, reference)
    for item, rules, match in batch:
        for exposure in item.exposures:
            for donor in exposure.donors:
                if (item.recipient_id, exposure.exposure_id, donor.donor_id) not in flagged:
                    continue
                groups: dict[tuple[int, str], list] = {}
                for run in item.runs:
                    if run.value_kind is not None:
                        groups.setdefault((run.panel_id, run.value_kind), []).append(run)
                for (panel_id, kind), runs in groups.items():
                    result = evaluate(
                        np.vstack([r.values[kind] for r in runs]),
                        match(panel_id, donor),
                        rules,
                        value_kind=kind,
                        excluded=np.array([r.excluded for r in runs]),
                    )
                    rows, cols = np.nonzero((result.target_index >= 0) & (result.chain != CHAIN_UNDECIDABLE))
                    found.update(
                        (runs[r].sample_id, donor.donor_id, result.targets[result.target_index[r, c]])
                        for r, c in zip(rows.tolist(), cols.tolist(), strict=True)
                    )
    return found


def plain_end_to_end(db, reference, ids: list[int]) -> tuple[float, float, float, set]:
    """From the database, in plain Python: load (the service's loader, batch by batch), donor
    masks bead by bead, calls bead by bead. Returns (load s, masks s, calls s, calls found)."""
    load_s = masks_s = calls_s = 0.0
    found: set[tuple[int, int, str]] = set()
    for start in range(0, len(ids), BATCH):
        started = time.perf_counter()
        loaded = load_batch(db, ids[start : start + BATCH])
        load_s += time.perf_counter() - started
        started = time.perf_counter()
        plain_batch = []
        for item in loaded.inputs:
            rules = schedule_rules(DEFAULT_RULES, item.visit_schedule)
            prepare(item, rules)
            info = {}
            for exposure in item.exposures:
                for donor in exposure.donors:
                    for panel_id, panel in item.panels.items():
                        masks = plain_masks(panel, donor.hla, reference, item.hla)
                        info[(panel_id, donor.donor_id)] = (
                            panel.beads,
                            masks,
                            carriers_of(panel.beads),
                            cutoff_vector(panel.loci, panel.hla_classes, rules).tolist(),
                        )
            lists = [None if r.value_kind is None else r.values[r.value_kind].tolist() for r in item.runs]
            plain_batch.append((item, rules, info, lists))
        masks_s += time.perf_counter() - started
        started = time.perf_counter()
        found |= plain_calls(plain_batch)
        calls_s += time.perf_counter() - started
    return load_s, masks_s, calls_s, found


def computing_stages(db, reference, ids: list[int]) -> dict:
    """The service's computing stages, timed as it runs them, batch by batch: the screen (every
    donor's masks in one matrix product per panel), full masks for the donors it flags, calls."""
    elapsed, found = 0.0, set()
    for start in range(0, len(ids), BATCH):
        loaded = load_batch(db, ids[start : start + BATCH])
        batch = [
            (i, schedule_rules(DEFAULT_RULES, i.visit_schedule), match_with_cache(i, reference))
            for i in loaded.inputs
        ]
        for item, rules, _ in batch:
            prepare(item, rules)
        started = time.perf_counter()
        found |= numpy_calls(batch, loaded.stacks, reference)
        elapsed += time.perf_counter() - started
    return {"computing": elapsed, "found": found}


def end_to_end_ratio(db, reference, ids: list[int], total: float, stage: dict) -> None:
    """The issue's ratio: the whole evaluation from the database against a plain Python loop
    over the same data from the same database, in the same run."""
    load_s, masks_s, calls_s, found = plain_end_to_end(db, reference, ids)
    assert found == stage["found"], f"plain loop and service disagree on {len(found ^ stage['found'])}"
    plain = load_s + masks_s + calls_s
    print(
        f"end to end, {len(ids)} recipients from the database: evaluate_pending {total:.1f} s "
        f"(load, donor masks, screen, calls, timelines, storing evaluations and change facts) "
        f"vs plain Python loop {plain:.1f} s (same loader {load_s:.1f} s + donor masks bead by "
        f"bead {masks_s:.1f} s + calls bead by bead {calls_s:.1f} s; no timeline, nothing "
        f"stored): {plain / total:.1f}x faster"
    )
    fast = stage["computing"]
    slow = masks_s + calls_s
    verdict = "met" if slow / fast >= 20 else "NOT met"
    print(
        f"computing stages only (no loading, no storing): donor masks + screen + calls "
        f"{fast:.2f} s vs plain masks + calls {slow:.1f} s: {slow / fast:.1f}x faster; "
        f"target >= 20x: {verdict}; {len(found)} DSA calls, the same in both"
    )


def bare_floor(db, rounds: int = 3, clock=time.perf_counter) -> float:
    """The machine's floor for this cohort: every packed vector in one query, one
    ``np.frombuffer`` per panel, one threshold per panel (best of ``rounds``, by ``clock``)."""
    raw = VALUE_KINDS.index("raw")
    best = float("inf")
    for _ in range(rounds):
        started = clock()
        by_panel: dict[int, list[bytes]] = {}
        for panel_id, data in db.conn.execute("SELECT panel_id, data FROM mfi_vectors"):
            by_panel.setdefault(panel_id, []).append(data)  # no ORDER BY: sorting blobs is work
        positive = 0
        for chunks in by_panel.values():
            values = np.frombuffer(b"".join(chunks), dtype="<f4").reshape(len(chunks), len(VALUE_KINDS), -1)
            positive += int((values[:, raw, :] >= 1000.0).sum())
        best = min(best, clock() - started)
    return best


def children_cpu() -> float:
    """CPU seconds of this process's ended children (the evaluation's helper process)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def one_new_sample(db, reference, n: int, panels, rounds: int = 5) -> float:
    timings, imports = [], []
    rng = np.random.default_rng(5)
    for k in range(rounds):
        r = int(rng.integers(1, n + 1))
        date = dt.date(2025, 6, 1) + dt.timedelta(days=k)
        raw = [60.0, 18000.0] + [150.0] * (len(panels["I"].beads) - 2)
        data = write_fusion_csv(
            panels["I"], [FusionSample(f"R{r:05d}-U{k}", f"R{r:05d}", date, raw)], run_date=date
        )
        started = time.perf_counter()
        import_upload(db, data, f"new_{k}.csv", user="bench")
        imports.append(time.perf_counter() - started)
        started = time.perf_counter()
        done = evaluate_pending(db, reference=reference, as_of=dt.date(2026, 1, 1))
        timings.append(time.perf_counter() - started)
        assert list(done) == [r], list(done)
    median = statistics.median(timings)
    print(
        f"one new sample: import {statistics.median(imports) * 1000:.1f} ms, re-evaluation "
        f"of its recipient {median * 1000:.1f} ms (median of {rounds}; target < 20 ms: "
        f"{verdict(median < 0.020)})"
    )
    return median


def cohort(path: Path, n: int, kept: Path | None) -> dict:
    """Populate ``path`` with the cohort of ``n``; with ``kept``, copy it from there (building it
    there first when absent: a 10,000-recipient cohort takes longer to build than to evaluate)."""
    source = path if kept is None else kept
    if kept is None or not kept.exists():
        db = store.open_database(source)
        started = time.perf_counter()
        built = populate(db, n)
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        print(
            f"populated {n} recipients, {built['samples']} samples in "
            f"{time.perf_counter() - started:.1f} s: {source}"
        )
    if kept is not None:
        shutil.copy(kept, path)
    db = store.open_database(path)
    (found,) = db.conn.execute("SELECT count(*) FROM recipients").fetchone()
    (samples,) = db.conn.execute("SELECT count(*) FROM samples").fetchone()
    db.close()
    assert found == n, f"{kept} holds {found} recipients, not {n}"
    print(f"cohort: {n} recipients, {samples} samples ({path})")
    return {"panels": {"I": demo_panel("I"), "II": demo_panel("II")}, "samples": samples}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipients", nargs="?", type=int, default=10_000)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument(
        "--cohort",
        type=Path,
        default=None,
        help="a cohort file kept between runs: built there once (never evaluated), copied for each run",
    )
    args = parser.parse_args()
    path = args.db or Path(tempfile.mkdtemp()) / "bench_evaluate.sqlite3"
    reference = embedded()
    built = cohort(path, args.recipients, args.cohort)
    db = store.open_database(path)
    floor, floor_cpu = bare_floor(db), bare_floor(db, clock=time.process_time)
    started, cpu, children = time.perf_counter(), time.process_time(), children_cpu()
    done = evaluate_pending(db, reference=reference, as_of=dt.date(2026, 1, 1))
    total, cpu = time.perf_counter() - started, time.process_time() - cpu
    helper_cpu = children_cpu() - children  # the helper process, ended (and reaped) by the run
    floor = min(floor, bare_floor(db))  # before and after: the best the machine gave
    floor_cpu = min(floor_cpu, bare_floor(db, clock=time.process_time))
    ratio = total / floor
    scaled = total * 10_000 / args.recipients
    print(
        f"bare floor (one query for {built['samples']} packed vectors, np.frombuffer, one "
        f"threshold per panel): {floor:.3f} s; evaluate_pending {total:.2f} s = {ratio:.1f}x "
        f"the floor (target <= 5x: {verdict(ratio <= 5)}); {scaled:.2f} s per 10,000 "
        f"recipients (target <= 2 s: {verdict(scaled <= 2.0)})"
    )
    # On a shared machine other processes stretch the wall clock of CPU-bound work more than
    # the floor's reading: the CPU seconds of both, from the same run, are the steadier ratio.
    print(
        f"CPU time: evaluate_pending {cpu:.2f} s in this process + {helper_cpu:.2f} s in its helper"
        f" process = {cpu + helper_cpu:.2f} s, floor {floor_cpu:.3f} s: this process"
        f" {cpu / max(floor_cpu, 1e-9):.1f}x, both {(cpu + helper_cpu) / max(floor_cpu, 1e-9):.1f}x"
    )
    dsa = sum(1 for r in done.evaluations if r.summary()["dsa"])
    print(
        f"evaluate_pending end to end: {len(done)} recipients in {total:.1f} s "
        f"({total / len(done) * 1000:.2f} ms each); {dsa} with DSA, "
        f"{len(done.changes)} change facts"
    )
    stage = computing_stages(db, reference, list(done))
    end_to_end_ratio(db, reference, list(done), total, stage)
    one_new_sample(db, reference, args.recipients, built["panels"])
    db.close()


if __name__ == "__main__":
    main()

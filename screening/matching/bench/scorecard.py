"""The matching scorecard: ``python -m screening.matching.bench.scorecard [--quick] [--large] [--out F]``.

Every figure is measured at the ONE alert threshold of the engine, beside a baseline measured in
the same run: rapidfuzz ``token_sort_ratio`` brute force over the same normalised names, at the
threshold that gives the baseline its best name_bench F1.
"""

from __future__ import annotations

import argparse
import copy
import json
import multiprocessing as mp
import os
import platform
import random
import resource
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process, utils

from .. import COMPILED
from ..index import ListedName, ListIndex
from ..normalise import analyse_name, analyse_query
from . import data

TARGETS = {
    "name_bench_f1": (">=", 0.85),
    "un_top1": (">=", 0.98),
    "negatives_alert_rate": ("<=", 0.005),
    "mof_top5_persons": (">=", 0.85),
    "mof_top5_organisations": (">=", 0.60),
    "eul_alias_top1": (">=", 0.99),
    "eul_parties_per_second_2_cores": (">=", 1000),
    "eul_p95_ms": ("<=", 5.0),
    "large_parties_per_second_2_cores": (">=", 200),
    "large_p95_ms": ("<=", 50.0),
    "large_build_seconds": ("<=", 30.0),
    "large_memory_gb": ("<=", 1.0),
    "large_candidate_recall": (">=", 0.99),
    "candidate_recall": (">=", 0.995),
}


def norm_text(name: str) -> str:
    forms = analyse_name(name)
    return forms[0].text if forms else ""


def met(key: str, value: float | None) -> str:
    if value is None or key not in TARGETS:
        return "-"
    op, target = TARGETS[key]
    ok = value >= target if op == ">=" else value <= target
    return "yes" if ok else "NO"


def f1_at(scores: list[float], labels: list[bool], threshold: float) -> float:
    tp = sum(1 for s, y in zip(scores, labels, strict=True) if s >= threshold and y)
    fp = sum(1 for s, y in zip(scores, labels, strict=True) if s >= threshold and not y)
    fn = sum(1 for s, y in zip(scores, labels, strict=True) if s < threshold and y)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def best_threshold(scores: list[float], labels: list[bool]) -> tuple[float, float]:
    return max(((f1_at(scores, labels, t), t) for t in sorted(set(scores))), default=(0.0, 1.0))


def is_right(hits, wanted: str, wanted_text: str) -> bool:
    """Top-1 is right if the wanted entry has the top score (another list may hold the same person
    under the same name: a tie is right), or the top hit has the very same normalised name."""
    if not hits:
        return False
    top = hits[0].score
    return any(
        h.entry_id == wanted
        or sorted(h.explanation["listed_normalised"].split()) == sorted(wanted_text.split())
        for h in hits
        if h.score >= top
    )


def bench_names(lists_index: ListIndex, rows, base_threshold_holder: dict) -> dict:
    labels = [r["is_match"] == "true" for r in rows]
    ours = [lists_index.score_name(r["name1"], r["name2"]) for r in rows]
    base = [fuzz.token_sort_ratio(norm_text(r["name1"]), norm_text(r["name2"])) / 100 for r in rows]
    base_f1, base_thr = best_threshold(base, labels)
    best_f1, best_thr = best_threshold(ours, labels)
    base_threshold_holder["t"] = base_thr
    return {
        "name_bench_f1": f1_at(ours, labels, lists_index.alert_threshold),
        "name_bench_best_f1_ours": best_f1,
        "name_bench_best_threshold_ours": best_thr,
        "baseline_name_bench_f1": base_f1,
        "baseline_threshold": base_thr,
        "pairs": len(rows),
    }


def top1_task(
    index: ListIndex, queries: list[tuple[str, str, str]], base_choices, base_ids, base_thr: float
) -> dict:
    """queries: (query, wanted entry id, wanted normalised text)."""
    ok = 0
    alerted = 0
    recall = 0
    for q, wanted, wanted_text in queries:
        hits = index.search(q, limit=5, min_score=0.0)
        if is_right(hits, wanted, wanted_text):
            ok += 1
            alerted += hits[0].score >= index.alert_threshold
        forms = analyse_query(q)
        recall += any(
            index.names[int(index.form_name[f])].entry_id == wanted for f in index.candidates(forms)
        )
    qn = [norm_text(q) for q, _, _ in queries]
    m = process.cdist(qn, base_choices, scorer=fuzz.token_sort_ratio, workers=-1, dtype=np.uint8)
    top = m.max(axis=1)
    ids_arr = np.array(base_ids)
    sorted_choices = np.array([" ".join(sorted(c.split())) for c in base_choices])
    base_ok = 0
    for row, (_, wanted, wt) in enumerate(queries):
        at_top = m[row] == top[row]
        base_ok += bool(
            (ids_arr[at_top] == wanted).any()
            or (sorted_choices[at_top] == " ".join(sorted(wt.split()))).any()
        )
    n = len(queries)
    return {
        "top1": ok / n,
        "top1_and_alert": alerted / n,
        "candidate_recall": recall / n,
        "baseline_top1": base_ok / n,
        "n": n,
        "recall_hits": recall,
    }


def negatives_task(index: ListIndex, names: list[str], base_choices, base_thr: float) -> dict:
    alerts = []
    for q in names:
        hits = index.search(q, limit=1, min_score=index.alert_threshold)
        if hits:
            alerts.append((q, hits[0].matched_name, hits[0].score))
    qn = [norm_text(q) for q in names]
    base_alerts = 0
    for start in range(0, len(qn), 500):
        m = process.cdist(
            qn[start : start + 500],
            base_choices,
            scorer=fuzz.token_sort_ratio,
            workers=-1,
            dtype=np.uint8,
        )
        base_alerts += int((m.max(axis=1) >= base_thr * 100).sum())
    return {
        "negatives_alert_rate": len(alerts) / len(names),
        "baseline_alert_rate": base_alerts / len(names),
        "n": len(names),
        "examples": alerts[:15],
    }


def mof_task(rows) -> dict:
    index = ListIndex.build(ListedName(r["id"], r["name_en"], kind=r["type"]) for r in rows)
    choices = [norm_text(r["name_en"]) for r in rows]
    ids = [r["id"] for r in rows]
    res: dict = {}
    for kind, label in (("individual", "persons"), ("organization", "organisations")):
        sub = [r for r in rows if r["type"] == kind]
        ok = recall = 0
        for r in sub:
            hits = index.search(r["name_ja"], limit=5, min_score=0.0)
            ok += any(h.entry_id == r["id"] for h in hits)
            recall += any(
                ids[int(index.form_name[f])] == r["id"] for f in index.candidates(r["name_ja"])
            )
        qn = [" ".join(" ".join(f.tokens) for f in analyse_name(r["name_ja"])) for r in sub]
        m = process.cdist(qn, choices, scorer=fuzz.token_sort_ratio, workers=-1)
        top5 = np.argsort(-m, axis=1)[:, :5]
        base_ok = sum(r["id"] in {ids[j] for j in row} for r, row in zip(sub, top5, strict=True))
        res[f"mof_top5_{label}"] = ok / len(sub)
        res[f"baseline_mof_top5_{label}"] = base_ok / len(sub)
        res[f"mof_candidate_recall_{label}"] = recall / len(sub)
        res[f"mof_n_{label}"] = len(sub)
    return res


def _worker(args):
    index, queries = args
    lat = []
    for q in queries:
        t = time.perf_counter()
        index.search(q, limit=10)
        lat.append((time.perf_counter() - t) * 1000)
    return lat


_SHARED: dict = {}


def _fork_worker(chunk):
    return _worker((_SHARED["index"], chunk))


def throughput(index: ListIndex, queries: list[str], cores: int = 2) -> dict:
    """Parties per second with ``cores`` forked workers sharing the built index; latency per party."""
    _SHARED["index"] = index
    for q in queries[:50]:
        index.search(q)  # warm caches and lazy loaders before timing
    chunks = [queries[i::cores] for i in range(cores)]
    ctx = mp.get_context("fork")
    start = time.perf_counter()
    with ctx.Pool(cores) as pool:
        lat = [x for part in pool.map(_fork_worker, chunks) for x in part]
    wall = time.perf_counter() - start
    lat.sort()
    return {
        "parties_per_second": len(queries) / wall,
        "p50_ms": lat[len(lat) // 2],
        "p95_ms": lat[int(len(lat) * 0.95)],
        "n": len(queries),
    }


def _memory_mb() -> dict[str, float]:
    """This process's resident memory (MB): all of it, its proportional share of shared pages, and
    the pages only it holds (``/proc/self/smaps_rollup``)."""
    fields: dict[str, float] = {}
    with open("/proc/self/smaps_rollup") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 2 and parts[0].endswith(":") and parts[1].isdigit():
                fields[parts[0][:-1]] = int(parts[1]) / 1024
    return {
        "rss": fields.get("Rss", 0.0),
        "pss": fields.get("Pss", 0.0),
        "private": fields.get("Private_Clean", 0.0) + fields.get("Private_Dirty", 0.0),
    }


def _large_build(names: list[ListedName], directory: str, out) -> None:
    """In a child process: build the index, save it for the workers, report time and memory."""
    before = _memory_mb()["rss"]
    t = time.perf_counter()
    cpu = time.process_time() + _children_cpu()
    index = ListIndex.build(names)
    build = time.perf_counter() - t
    # The builder's CPU and its analysing processes' (they have ended): on a busy machine the
    # wall clock says more about the neighbours than about the build.
    build_cpu = time.process_time() + _children_cpu() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    index.save(directory)
    out.put(
        {
            "build_seconds": build,
            "build_cpu_seconds": build_cpu,
            "save_seconds": time.perf_counter() - t,
            "peak_mb": peak - before,
        }
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _large_worker(directory: str, queries: list[str], barrier, out) -> None:
    """One worker process: open the saved index (memory-mapped), warm up, then time its share."""
    before = _memory_mb()
    t = time.perf_counter()
    index = ListIndex.load(directory)
    load = time.perf_counter() - t
    for q in queries[:50]:
        index.search(q, limit=10)
    barrier.wait()
    lat = []
    start = time.perf_counter()
    for q in queries:
        t = time.perf_counter()
        index.search(q, limit=10)
        lat.append((time.perf_counter() - t) * 1000)
    wall = time.perf_counter() - start
    after = _memory_mb()
    out.put(
        {
            "lat": lat,
            "wall": wall,
            "load_seconds": load,
            "added": {k: after[k] - before[k] for k in after},
        }
    )


def large_recall(index: ListIndex, names: list[ListedName], sets: dict, per_class: int) -> dict:
    """Candidate recall at scale, per variant class, on the HELD-OUT half.

    A query counts when a full scan finds its entry: the expected entry's own names, scored by the
    engine with this index's statistics, reach the alert threshold (the scorer looks at each listed
    name on its own, so this is what scoring every one of the names would find for that entry).
    Recall = the share of those queries whose expected entry is among the candidates the index
    scores (``_scored_candidates``). ``caught`` = the expected entry is the top hit at or above
    the threshold, as in the variant benchmark.
    """
    thr = index.alert_threshold
    forms_of: dict[str, list[int]] = defaultdict(list)
    wanted_ids = {eid for rows in sets.values() for _, eid, _, _ in rows}
    ni_of = defaultdict(list)
    for ni, ln in enumerate(names):
        if ln.entry_id in wanted_ids:
            ni_of[ln.entry_id].append(ni)
    form_name = np.asarray(index.form_name)
    for eid, nis in ni_of.items():
        forms_of[eid] = np.flatnonzero(np.isin(form_name, nis)).tolist()
    entry_ids = index.names.column("entry_id") if hasattr(index.names, "column") else None
    rng = random.Random(5)
    res: dict = {}
    found_all = scanned_all = 0
    for cls, rows in sets.items():
        held = [r for r in rows if r[3] == "held_out"]
        held = rng.sample(held, min(per_class, len(held)))
        scanned = found = caught = 0
        misses = []
        for q, eid, _, _ in held:
            forms = analyse_name(q)
            full = copy.copy(index)
            full._scored_candidates = lambda _forms, fids=forms_of[eid]: fids
            if not full.search(q, limit=1, min_score=thr, kind="organization"):
                continue  # a full scan does not find it either: not counted
            scanned += 1
            fids = index._scored_candidates(forms)
            nis = [int(index.form_name[f]) for f in fids]
            ids = {entry_ids[ni] if entry_ids is not None else names[ni].entry_id for ni in nis}
            hit = eid in ids
            found += hit
            if not hit and len(misses) < 5:
                misses.append(q)
            hits = index.search(q, limit=3, min_score=0.0, kind="organization")
            top = hits[0].score if hits else 0.0
            caught += (
                bool(hits) and top >= thr and any(h.entry_id == eid for h in hits if h.score >= top)
            )
        res[cls] = {
            "n": len(held),
            "full_scan_finds": scanned,
            "candidate_recall": found / max(scanned, 1),
            "caught": caught / max(len(held), 1),
            "misses": misses,
        }
        found_all += found
        scanned_all += scanned
    res["all"] = {
        "full_scan_finds": scanned_all,
        "candidate_recall": found_all / max(scanned_all, 1),
    }
    return res


def large_task(
    base: list[ListedName],
    probe: list[tuple[str, str, str]],
    n: int,
    sets: dict | None = None,
    per_class: int = 150,
    cores: int = 2,
) -> dict:
    """The index at ``n`` names (the real lists plus synthetic names made of their tokens).

    Built once in a child process and saved; ``cores`` worker processes open the saved index
    memory-mapped (as the screening workers do through ``index_cache``) and share its pages.
    Memory: the build's peak growth, and what each worker adds by opening and searching it —
    ``private`` is what only that process holds, ``pss`` its share of the shared pages."""
    synthetic = data.synthetic_names(base, n - len(base))
    names = base + synthetic
    ctx = mp.get_context("fork")
    directory = tempfile.mkdtemp(prefix="exportctl-large-index-")
    try:
        out = ctx.Queue()
        child = ctx.Process(target=_large_build, args=(names, directory, out))
        child.start()
        built = out.get()
        child.join()
        queries = [q for q, _, _ in probe]
        chunks = [queries[i::cores] for i in range(cores)]
        barrier = ctx.Barrier(cores)
        out = ctx.Queue()
        workers = [
            ctx.Process(target=_large_worker, args=(directory, chunk, barrier, out))
            for chunk in chunks
        ]
        for w in workers:
            w.start()
        results = [out.get() for _ in workers]
        for w in workers:
            w.join()
        index = ListIndex.load(directory)
        ok = sum(
            is_right(index.search(q, limit=5, min_score=0.0), wanted, wt) for q, wanted, wt in probe
        )
        recall = large_recall(index, names, sets, per_class) if sets else {}
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    lat = sorted(x for r in results for x in r["lat"])
    wall = max(r["wall"] for r in results)
    return {
        "large_names": len(names),
        "large_build_seconds": built["build_seconds"],
        "large_build_cpu_seconds": built["build_cpu_seconds"],
        "large_save_seconds": built["save_seconds"],
        "large_build_peak_gb": built["peak_mb"] / 1024,
        "large_memory_gb": max(r["added"]["private"] for r in results) / 1024,
        "large_worker_added_mb": [r["added"] for r in results],
        "large_load_seconds": max(r["load_seconds"] for r in results),
        "large_top1": ok / len(probe),
        "large_parties_per_second_2_cores": len(lat) / wall,
        "large_p50_ms": lat[len(lat) // 2],
        "large_p95_ms": lat[int(len(lat) * 0.95)],
        "large_candidate_recall": recall.get("all", {}).get("candidate_recall"),
        "large_recall": recall,
        "large_cores": cores,
    }


# ---------------------------------------------------------------------------- variant benchmark
HALVES = ("tuning", "held_out")
HALF_NOTE = (
    "Every set is split in two by a hash of the listed entry id (negatives: of the name). "
    "'tuning' is the half used to choose thresholds and costs (the engine's, and the baseline's "
    "threshold); 'held_out' is the half the figures are reported on."
)
VARIANT_TARGETS = {
    "order": 0.995,
    "case_punctuation": 0.995,
    "edit_transposition": 0.995,
    "edit_deletion": 0.995,
    "edit_substitution": 0.995,
    "edit_insertion": 0.995,
    "abbreviation": 0.99,
    "legal_dropped": 0.99,
    "legal_swapped": 0.99,
    "legal_moved": 0.99,
}


def _raw_key(name: str) -> str:
    """The baseline's view of a name: rapidfuzz's default processing (lower case, punctuation to
    spaces), NFKC first so full-width letters are letters."""
    import unicodedata

    return utils.default_process(unicodedata.normalize("NFKC", name))


def _baseline_tops(queries: list[str], choices: list[str]) -> tuple[np.ndarray, list[np.ndarray]]:
    """For each query: the best token_sort_ratio over all choices, and the choices at that score."""
    tops, at_top = [], []
    keys = [_raw_key(q) for q in queries]
    for start in range(0, len(keys), 400):
        m = process.cdist(
            keys[start : start + 400],
            choices,
            scorer=fuzz.token_sort_ratio,
            workers=-1,
            dtype=np.uint8,
        )
        best = m.max(axis=1)
        tops.extend(best.tolist())
        at_top.extend(np.flatnonzero(row == b) for row, b in zip(m, best, strict=True))
    return np.array(tops, dtype=np.int32), at_top


def variant_task(index: ListIndex, sets: dict, negatives: dict[str, list[str]]) -> dict:
    """Each variant class and the false alerts on ordinary people, per half, beside the baseline.

    Caught = the expected entry is the top hit (ties count) AND scores at or above the alert
    threshold. The baseline (token_sort_ratio brute force over the same names) gets the threshold
    that maximises, on the tuning half, its mean caught rate over the classes minus its false-alert
    rate on the tuning negatives.
    """
    thr = index.alert_threshold
    choices = [_raw_key(ln.name) for ln in index.names]
    choice_ids = np.array([ln.entry_id for ln in index.names])
    res: dict = {"note": HALF_NOTE, "classes": {}, "negatives": {}}
    base_raw: dict = {}
    misses: dict = {}
    for cls, rows in sets.items():
        queries = [q for q, _, _, _ in rows]
        tops, at_top = _baseline_tops(queries, choices)
        base_raw[cls] = (rows, tops, at_top)
        per: dict = {h: {"n": 0, "caught": 0, "top1": 0} for h in HALVES}
        misses[cls] = []
        for q, eid, src, half in rows:
            hits = index.search(q, limit=3, min_score=0.0, kind="organization")
            top = hits[0].score if hits else 0.0
            is_top = any(h.entry_id == eid for h in hits if h.score >= top)
            per[half]["n"] += 1
            per[half]["top1"] += is_top
            ok = is_top and top >= thr
            per[half]["caught"] += ok
            if not ok and half == "tuning":
                misses[cls].append((q, src, hits[0].matched_name if hits else None, top))
        res["classes"][cls] = {
            h: {
                "n": per[h]["n"],
                "caught": per[h]["caught"] / max(per[h]["n"], 1),
                "top1": per[h]["top1"] / max(per[h]["n"], 1),
            }
            for h in HALVES
        }
    # Negatives: ordinary people, searched as persons (the filing's kind) and with no kind.
    neg_tops: dict = {}
    for half in HALVES:
        names = negatives[half]
        tops, _ = _baseline_tops(names, choices)
        neg_tops[half] = tops
        person = none = 0
        examples = []
        for q in names:
            hp = index.search(q, limit=1, min_score=thr, kind="person")
            hn = index.search(q, limit=1, min_score=thr)
            person += bool(hp)
            none += bool(hn)
            if hn and len(examples) < 12:
                examples.append((q, hn[0].matched_name, hn[0].score, bool(hp)))
        res["negatives"][half] = {
            "n": len(names),
            "alert_rate_as_person": person / max(len(names), 1),
            "alert_rate_kind_unknown": none / max(len(names), 1),
            "examples": examples,
        }

    def base_caught(cls: str, half: str, t: int) -> float:
        rows, tops, at_top = base_raw[cls]
        n = ok = 0
        for (_, eid, _, h), top, idx in zip(rows, tops, at_top, strict=True):
            if h != half:
                continue
            n += 1
            ok += bool(top >= t and (choice_ids[idx] == eid).any())
        return ok / max(n, 1)

    def base_alerts(half: str, t: int) -> float:
        return float((neg_tops[half] >= t).mean()) if len(neg_tops[half]) else 0.0

    best_t, best_j = 100, -1.0
    for t in range(60, 101):
        j = np.mean([base_caught(c, "tuning", t) for c in sets]) - base_alerts("tuning", t)
        if j > best_j:
            best_t, best_j = t, j
    res["baseline_threshold"] = best_t / 100
    res["baseline_threshold_chosen_on"] = "tuning"
    for cls in sets:
        for half in HALVES:
            res["classes"][cls][half]["baseline_caught"] = base_caught(cls, half, best_t)
    for half in HALVES:
        res["negatives"][half]["baseline_alert_rate"] = base_alerts(half, best_t)
    res["tuning_misses"] = {c: m[:8] for c, m in misses.items()}
    return res


#: Which build of the matcher is timed (screening/matching/native.py).
ENGINE = (
    "compiled with Cython (screening/matching/_native)"
    if COMPILED
    else "Python modules, not compiled (`make native` compiles them)"
)

#: The search production screening makes for each party name (``screening.runs.compute``:
#: ``index.search(name, country=…, limit=SEARCH_LIMIT, min_score=ALERT_THRESHOLD, kind=…)``).
PRODUCTION_LIMIT = 10  # screening.runs.compute.SEARCH_LIMIT (a test keeps them equal)


def interleaved_speed(index: ListIndex, queries: list[str]) -> dict:
    """The engine and the brute force on the same queries, alternating, in one process.

    The engine is timed on the very search production screening makes for a party's name:
    ``limit=PRODUCTION_LIMIT``, ``min_score=ALERT_THRESHOLD`` (the party's country and kind are
    left out: they never spare the engine any work). The brute force is rapidfuzz
    ``token_sort_ratio`` of the party's name against every listed name, names pre-processed once
    (extractOne over the list).

    Each call is timed on two clocks: this process's CPU time (``time.process_time``), on which
    the speed-up is computed, since other processes on a shared machine take wall time from both
    sides unevenly; and wall time, for the latency (p95) a party waits.
    """
    choices = [_raw_key(ln.name) for ln in index.names]
    threshold = index.alert_threshold
    for q in queries[:50]:
        index.search(q, limit=PRODUCTION_LIMIT, min_score=threshold)
        process.extractOne(_raw_key(q), choices, scorer=fuzz.token_sort_ratio, processor=None)
    ours, base, ours_wall, base_wall = [], [], [], []
    cpu, wall = time.process_time, time.perf_counter
    for q in queries:
        c, w = cpu(), wall()
        index.search(q, limit=PRODUCTION_LIMIT, min_score=threshold)
        ours.append((cpu() - c) * 1000)
        ours_wall.append((wall() - w) * 1000)
        c, w = cpu(), wall()
        process.extractOne(_raw_key(q), choices, scorer=fuzz.token_sort_ratio, processor=None)
        base.append((cpu() - c) * 1000)
        base_wall.append((wall() - w) * 1000)
    n = len(queries)
    for times in (ours, base, ours_wall, base_wall):
        times.sort()
    return {
        "n": n,
        "search": f"limit={PRODUCTION_LIMIT}, min_score={threshold} (as production screening)",
        "clock": "CPU time of this process (speed-up); wall time (p95)",
        "parties_per_second": 1000 * n / sum(ours),
        "baseline_parties_per_second": 1000 * n / sum(base),
        "speedup": sum(base) / sum(ours),
        "speedup_wall": sum(base_wall) / sum(ours_wall),
        "p95_ms": ours_wall[int(n * 0.95)],
        "baseline_p95_ms": base_wall[int(n * 0.95)],
        "p95_cpu_ms": ours[int(n * 0.95)],
        "baseline_p95_cpu_ms": base[int(n * 0.95)],
        "cores": 1,
    }


def print_variants(card: dict) -> None:
    v = card.get("variants")
    if not v:
        return
    print(
        f"\nVariants of real End User List names, searched in the EUL + OFAC index "
        f"(alert threshold {card['alert_threshold']:.2f}; baseline token_sort_ratio at "
        f"{v['baseline_threshold']:.2f}, chosen on the TUNING half)."
    )
    print("Caught = expected entry is the top hit and scores at or above the threshold.")
    print("HELD-OUT = reported half; TUNING = half used to choose thresholds and costs.")
    print(
        f"{'class':20} {'n':>5} {'held-out':>9} {'baseline':>9} {'target':>7} {'met':>4}"
        f" | {'n':>5} {'tuning':>8} {'baseline':>9}"
    )
    for cls, d in v["classes"].items():
        h, t = d["held_out"], d["tuning"]
        target = VARIANT_TARGETS.get(cls)
        ok = "-" if target is None else ("yes" if h["caught"] >= target else "NO")
        tgt = f">={target}" if target else ""
        print(
            f"{cls:20} {h['n']:5d} {h['caught']:9.2%} {h['baseline_caught']:9.2%} {tgt:>7} {ok:>4}"
            f" | {t['n']:5d} {t['caught']:8.2%} {t['baseline_caught']:9.2%}"
        )
    for half in ("held_out", "tuning"):
        ng = v["negatives"][half]
        ok = "yes" if ng["alert_rate_as_person"] <= ng["baseline_alert_rate"] else "NO"
        print(
            f"false alerts, ordinary people ({half}, n={ng['n']}): as person "
            f"{ng['alert_rate_as_person']:.3%}, kind unknown {ng['alert_rate_kind_unknown']:.3%}, "
            f"baseline {ng['baseline_alert_rate']:.3%}  (<= baseline: {ok})"
        )
    sp = card.get("eul_interleaved")
    if sp:
        print(
            f"EUL speed, interleaved with the brute force in one process (n={sp['n']}, CPU "
            f"time, search as production makes it): {sp['parties_per_second']:.0f}/s vs "
            f"{sp['baseline_parties_per_second']:.0f}/s (x{sp['speedup']:.2f}, target >=2; "
            f"wall x{sp['speedup_wall']:.2f}), p95 {sp['p95_ms']:.2f} ms wall, "
            f"{sp['p95_cpu_ms']:.2f} ms CPU (brute force {sp['baseline_p95_ms']:.2f} ms, "
            f"target <=5)"
        )


def _only_variants(args, eul, eul_index: ListIndex, lists_index: ListIndex, t0: float) -> dict:
    card: dict = {
        "alert_threshold": ListIndex.alert_threshold,
        "quick": args.quick,
        "engine": ENGINE,
    }
    card["variants"] = variant_task(
        lists_index, data.variant_sets(eul), data.negative_names(400 if args.quick else 2500)
    )
    queries = [ln.name for ln in eul] + data.negative_names(1000)["tuning"]
    random.Random(11).shuffle(queries)
    card["eul_interleaved"] = interleaved_speed(eul_index, queries[: 600 if args.quick else 3000])
    card["seconds"] = time.perf_counter() - t0
    print_variants(card)
    if args.show_misses:
        for cls, misses in card["variants"]["tuning_misses"].items():
            for m in misses:
                print(cls, m)
        for q in card["variants"]["negatives"]["tuning"]["examples"]:
            print("negative", q)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(card, indent=2, ensure_ascii=False, default=str))
    return card


def _large_probe(eul, un_plain, un_treated, rng) -> list[tuple[str, str, str]]:
    un_q = [
        (t["full_name"], f"UN:{i}", norm_text(p["full_name"]))
        for i, (t, p) in enumerate(zip(un_treated, un_plain, strict=True))
    ]
    alias_q = [
        (ln.name, ln.entry_id, norm_text(ln.name))
        for ln in eul
        if ln.name_kind in ("alias", "local")
    ]
    return rng.sample(un_q, 300) + rng.sample(alias_q, 200)


def _only_large(args, eul, ofac, un_rows, un_plain, un_treated, t0: float) -> dict:
    rng = random.Random(11)
    probe = _large_probe(eul, un_plain, un_treated, rng)
    card: dict = {
        "alert_threshold": ListIndex.alert_threshold,
        "quick": args.quick,
        "engine": ENGINE,
    }
    card["large"] = large_task(eul + ofac + un_rows, probe, args.large_size, data.variant_sets(eul))
    card["seconds"] = time.perf_counter() - t0
    print_large(card["large"])
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(card, indent=2, ensure_ascii=False, default=str))
    return card


def print_large(lg: dict) -> None:
    print(
        f"\n{lg['large_names']:,} names, {lg['large_cores']} worker processes sharing one saved, "
        f"memory-mapped index:"
    )
    rows = [
        ("parties/s", "large_parties_per_second_2_cores"),
        ("p95 ms", "large_p95_ms"),
        ("build s", "large_build_seconds"),
        ("GB added per worker (private)", "large_memory_gb"),
        ("candidate recall (variants, held-out)", "large_candidate_recall"),
    ]
    for label, key in rows:
        target = TARGETS.get(key)
        tgt = f"{target[0]}{target[1]}" if target else ""
        print(f"  {label:40} {lg[key]:10.4g} {tgt:>8} {met(key, lg[key]):>4}")
    print(
        f"  build CPU {lg['large_build_cpu_seconds']:.1f} s (builder and its analysing processes); "
        f"build peak {lg['large_build_peak_gb']:.2f} GB in the builder process, save "
        f"{lg['large_save_seconds']:.1f} s, open {lg['large_load_seconds']:.2f} s per worker; "
        f"top-1 (UN + aliases) {lg['large_top1']:.2%}"
    )
    for added in lg["large_worker_added_mb"]:
        print("  worker added MB: " + ", ".join(f"{k} {v:.0f}" for k, v in added.items()))
    for cls, r in lg["large_recall"].items():
        if cls == "all":
            continue
        print(
            f"  {cls:20} n={r['n']:4d} full scan finds {r['full_scan_finds']:4d}  candidate "
            f"recall {r['candidate_recall']:7.2%}  caught {r['caught']:7.2%}"
        )


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="subsets, for tests and quick checks")
    ap.add_argument("--large", action="store_true", help="also the 1,000,000-name list")
    ap.add_argument("--large-size", type=int, default=1_000_000)
    ap.add_argument("--only-large", action="store_true", help="the 1,000,000-name list only")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--skip-variants", action="store_true", help="without the variant benchmark")
    ap.add_argument(
        "--only-variants", action="store_true", help="the variant benchmark and speed only"
    )
    ap.add_argument(
        "--show-misses", action="store_true", help="print TUNING-half misses (never held-out)"
    )
    args = ap.parse_args(argv)
    print(f"Matcher: {ENGINE}")
    rng = random.Random(11)
    t0 = time.perf_counter()
    eul, eul_reader = data.eul_names()
    ofac, ofac_reader = data.ofac_names()
    un_plain = data.read_csv("positives_un_untreated.csv")
    un_treated = data.read_csv("positives_un_treated.csv")
    un_rows = [
        ListedName(f"UN:{i}", r["full_name"], kind="person", source="UN")
        for i, r in enumerate(un_plain)
    ]
    if args.only_large:
        return _only_large(args, eul, ofac, un_rows, un_plain, un_treated, t0)
    eul_index = ListIndex.build(eul, version="2025-09-29")
    lists_index = ListIndex.build(eul + ofac)
    if args.only_variants:
        return _only_variants(args, eul, eul_index, lists_index, t0)
    all_index = ListIndex.build(eul + ofac + un_rows)
    sample = (lambda xs, k: rng.sample(xs, min(k, len(xs)))) if args.quick else (lambda xs, k: xs)
    card: dict = {
        "engine": ENGINE,
        "alert_threshold": ListIndex.alert_threshold,
        "quick": args.quick,
        "readers": {"eul": eul_reader, "ofac": ofac_reader},
        "sizes": {"eul_names": len(eul), "ofac_names": len(ofac)},
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
    }
    holder: dict = {}
    card["name_bench"] = bench_names(lists_index, data.read_csv("name_bench_cases.csv"), holder)
    base_thr = holder["t"]

    all_choices = [all_index._form_text(f) for f in range(len(all_index.form_name))]
    all_ids = [all_index.names[int(i)].entry_id for i in all_index.form_name]
    un_q = [
        (t["full_name"], f"UN:{i}", norm_text(p["full_name"]))
        for i, (t, p) in enumerate(zip(un_treated, un_plain, strict=True))
    ]
    card["un"] = top1_task(all_index, sample(un_q, 200), all_choices, all_ids, base_thr)

    lists_choices = [lists_index._form_text(f) for f in range(len(lists_index.form_name))]
    negs = [r["full_name"] for r in data.read_csv("negatives_global_dev.csv")]
    card["negatives"] = negatives_task(lists_index, sample(negs, 1500), lists_choices, base_thr)

    card["mof"] = mof_task(sample(data.read_csv("mof_ja_en_dev.csv"), 400))

    eul_choices = [eul_index._form_text(f) for f in range(len(eul_index.form_name))]
    eul_ids = [eul_index.names[int(i)].entry_id for i in eul_index.form_name]
    alias_q = [
        (ln.name, ln.entry_id, norm_text(ln.name))
        for ln in eul
        if ln.name_kind in ("alias", "local")
    ]
    card["eul_alias"] = top1_task(eul_index, alias_q, eul_choices, eul_ids, base_thr)

    mix = [q for q, _, _ in un_q] + negs[:2000] + [q for q, _, _ in alias_q]
    rng.shuffle(mix)
    card["eul_throughput"] = throughput(eul_index, mix[: 1500 if args.quick else 6000])
    n_recall = card["un"]["recall_hits"] + card["eul_alias"]["recall_hits"]
    n_all = card["un"]["n"] + card["eul_alias"]["n"]
    card["candidate_recall"] = n_recall / n_all
    if not args.skip_variants:
        card["variants"] = variant_task(
            lists_index,
            data.variant_sets(eul),
            data.negative_names(400 if args.quick else 2500),
        )
        card["eul_interleaved"] = interleaved_speed(eul_index, mix[: 600 if args.quick else 3000])
    if args.large:
        probe = rng.sample(un_q, 300) + rng.sample(alias_q, 200)
        card["large"] = large_task(
            eul + ofac + un_rows, probe, args.large_size, data.variant_sets(eul)
        )
    card["seconds"] = time.perf_counter() - t0
    print_table(card)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(card, indent=2, ensure_ascii=False, default=str))
    return card


def print_table(card: dict) -> None:
    nb, un, ng, mof, al, tp = (
        card[k] for k in ("name_bench", "un", "negatives", "mof", "eul_alias", "eul_throughput")
    )
    rows = [
        ("name_bench F1", "name_bench_f1", nb["name_bench_f1"], nb["baseline_name_bench_f1"]),
        ("UN treated→untreated top-1", "un_top1", un["top1"], un["baseline_top1"]),
        (
            "negatives alert rate",
            "negatives_alert_rate",
            ng["negatives_alert_rate"],
            ng["baseline_alert_rate"],
        ),
        (
            "MoF ja→en top-5, persons",
            "mof_top5_persons",
            mof["mof_top5_persons"],
            mof["baseline_mof_top5_persons"],
        ),
        (
            "MoF ja→en top-5, organisations",
            "mof_top5_organisations",
            mof["mof_top5_organisations"],
            mof["baseline_mof_top5_organisations"],
        ),
        ("EUL alias/local → own entry top-1", "eul_alias_top1", al["top1"], al["baseline_top1"]),
        (
            "EUL parties/s (2 cores)",
            "eul_parties_per_second_2_cores",
            tp["parties_per_second"],
            None,
        ),
        ("EUL p95 ms", "eul_p95_ms", tp["p95_ms"], None),
        ("candidate recall", "candidate_recall", card["candidate_recall"], None),
    ]
    if "large" in card:
        lg = card["large"]
        rows += [
            (
                f"{lg['large_names']:,} names: parties/s",
                "large_parties_per_second_2_cores",
                lg["large_parties_per_second_2_cores"],
                None,
            ),
            ("  p95 ms", "large_p95_ms", lg["large_p95_ms"], None),
            ("  build s", "large_build_seconds", lg["large_build_seconds"], None),
            ("  build peak GB (builder process)", "", lg["large_build_peak_gb"], None),
            ("  GB added per worker (private)", "large_memory_gb", lg["large_memory_gb"], None),
            ("  top-1 (UN + aliases)", "", lg["large_top1"], None),
            (
                "  candidate recall (variants, held-out)",
                "large_candidate_recall",
                lg["large_candidate_recall"],
                None,
            ),
        ]
    thr = card["name_bench"]["baseline_threshold"]
    print(
        f"\nalert threshold {card['alert_threshold']:.2f}; baseline = token_sort_ratio "
        f"brute force, best threshold {thr:.2f}{'  (quick subset)' if card['quick'] else ''}"
    )
    print(f"{'figure':38} {'ours':>10} {'baseline':>10} {'target':>10} {'met':>4}")
    for label, key, ours, base in rows:
        target = TARGETS.get(key)
        tgt = f"{target[0]}{target[1]}" if target else ""
        b = "" if base is None else f"{base:10.4g}"
        print(f"{label:38} {ours:10.4g} {b:>10} {tgt:>10} {met(key, ours):>4}")
    print_variants(card)
    print(f"({card['seconds']:.0f} s)")


if __name__ == "__main__":
    main(sys.argv[1:])

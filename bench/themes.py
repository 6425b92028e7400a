"""Theme-suggestion benchmark: sessions.themes against three baselines on a labelled Norwegian set.

The set is eleven workshops' worth of contributions in bokmål and nynorsk, each with a gold theme. Each
workshop is clustered on its own, as on a real board. The workshops are split into a **tuning** half (the
defaults and the concept lexicon were chosen on it: tests/data/themes_nb.json, the 2019 Møre og Romsdal
workshop, and tests/data/themes_workshops.json, five more) and a **held-out** half (reported, never tuned
on: tests/data/themes_heldout.json and themes_heldout_b.json, five workshops written on 2026-12-03 by
writers who had not seen the suggester, its lexicon or its results; whoever changes the suggester does not
read them, and `--names` leaves them out). Three of the tuning workshops were the held-out half until then;
they had been read, so they moved. Methods:

  suggester   sessions.themes.suggest_themes with its default parameters
  old         the stdlib-only suggester used before issue 14 (bench/themes_baseline.py, a frozen copy)
  keyword     group by each contribution's most frequent content word (same tokens and stems)
  random      the suggester's own grouping with the labels shuffled (same group sizes; mean of 20 seeds)
  reader      held-out workshops only: a second reader's grouping by hand, made without the gold themes
              (tests/data/themes_heldout_reader2.json): how far two careful people agree on these notes

Contributions in no suggestion count as singletons. Per workshop: pairwise precision / recall / F1 (over
pairs put in the same group) and the adjusted Rand index; a split's figure is the mean over its workshops.
**Cross-persona purity**: of the gold themes that span two or more personas, the share for which one
suggestion holds at least half of the theme's members (and at least two), from two or more personas.

Timing: 1,000 contributions made deterministically from the whole set (sampled with small perturbations:
a dropped word, a swapped letter pair, capitals, an emoji, a filler phrase) suggested as one board, on one
core (``os.sched_setaffinity``, BLAS limited to one thread), best and median of 3 runs after a warm-up;
the runs must give identical suggestions (determinism).

    .venv/bin/python bench/themes.py            # table + bench/results/themes.json
    .venv/bin/python bench/themes.py --tune     # also the grid search on the tuning workshops

Over 400 lines for a reason: loading, scoring, the four methods, the timing and the tuning grid all work on
the same split of the same data and print one table; apart they would pass that state between files.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import themes_baseline  # noqa: E402  (bench/themes_baseline.py, the pre-issue-14 suggester)

from sessions.themes import suggest as themes  # noqa: E402
from sessions.themes import text as themes_text  # noqa: E402
from sessions.themes.suggest import ThemeInput, ThemeSuggestion, suggest_themes  # noqa: E402

DATA = ROOT / "tests" / "data" / "themes_nb.json"
DATA_WORKSHOPS = ROOT / "tests" / "data" / "themes_workshops.json"
# The fresh held-out set (2026-12-03), written by someone who had not seen the suggester; only for reporting.
DATA_HELD_OUT = (ROOT / "tests" / "data" / "themes_heldout.json", ROOT / "tests" / "data" / "themes_heldout_b.json")
# A second reader's grouping of the held-out workshops, by hand and without the gold themes: the "reader" row.
DATA_READER = ROOT / "tests" / "data" / "themes_heldout_reader2.json"
FIRST_WORKSHOP = "mr2019"  # the workshop of themes_nb.json, used for tuning
RESULTS = ROOT / "bench" / "results" / "themes.json"


# -- data ----------------------------------------------------------------------------------------


def load(path: Path = DATA) -> tuple[list[ThemeInput], dict[Hashable, str], dict[str, Any]]:
    """One data file: its items, their gold themes and the document."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    items = [ThemeInput(id=r["id"], text=r["text"], persona=r["persona"], kind=r["kind"]) for r in doc["items"]]
    gold = {r["id"]: r["theme"] for r in doc["items"]}
    return items, gold, doc


def load_all() -> tuple[list[ThemeInput], dict[Hashable, str], dict[Hashable, str], dict[str, str], list[dict[str, Any]]]:
    """The whole labelled set: items, gold themes, item → workshop, workshop → split, the raw rows."""
    items, gold, doc = load(DATA)
    workshop_of: dict[Hashable, str] = {it.id: FIRST_WORKSHOP for it in items}
    split_of = {FIRST_WORKSHOP: "tune"}
    rows = [dict(r, workshop=FIRST_WORKSHOP) for r in doc["items"]]
    for path in (DATA_WORKSHOPS, *DATA_HELD_OUT):
        more, more_gold, more_doc = load(path)
        items += more
        gold.update(more_gold)
        workshop_of.update({r["id"]: r["workshop"] for r in more_doc["items"]})
        split_of.update({w: meta["split"] for w, meta in more_doc["workshops"].items()})
        rows += more_doc["items"]
    return items, gold, workshop_of, split_of, rows


def load_reader() -> dict[Hashable, str]:
    """The second reader's theme per held-out item (workshop:theme)."""
    return json.loads(DATA_READER.read_text(encoding="utf-8"))["labels"]


def by_workshop(items: Sequence[ThemeInput], workshop_of: dict[Hashable, str]) -> dict[str, list[ThemeInput]]:
    out: dict[str, list[ThemeInput]] = {}
    for it in items:
        out.setdefault(workshop_of[it.id], []).append(it)
    return out


_FILLERS = ("Forslag:", "Tja,", "Eg meiner", "Vi tenker at", "Innspel:", "OK så", "Bord 3:", "Hm,")
_EMOJI = ("👍", "💡", "🙂", "!!", "🤔", "✅")


def perturbed(items: Sequence[ThemeInput], gold: dict[Hashable, str], n: int, seed: int = 1000) -> tuple[
    list[ThemeInput], dict[Hashable, str]
]:
    """``n`` contributions sampled from ``items`` with small deterministic edits, and their gold themes."""
    rng = random.Random(seed)
    out: list[ThemeInput] = []
    out_gold: dict[Hashable, str] = {}
    for k in range(n):
        base = items[k % len(items)] if k < len(items) else rng.choice(list(items))
        words = base.text.split()
        if k >= len(items):
            if rng.random() < 0.5 and len(words) > 5:
                del words[rng.randrange(len(words))]
            if rng.random() < 0.4:
                w = rng.randrange(len(words))
                word = words[w]
                if len(word) > 3:
                    p = rng.randrange(len(word) - 1)
                    words[w] = word[:p] + word[p + 1] + word[p] + word[p + 2 :]
            if rng.random() < 0.3:
                words.insert(0, rng.choice(_FILLERS))
            if rng.random() < 0.2:
                words.append(rng.choice(_EMOJI))
        text = " ".join(words)
        if k >= len(items) and rng.random() < 0.1:
            text = text.upper()
        new_id = f"p{k:04d}"
        out.append(ThemeInput(id=new_id, text=text, persona=base.persona, kind=base.kind))
        out_gold[new_id] = gold[base.id]
    return out, out_gold


# -- metrics -------------------------------------------------------------------------------------


def labels_from(suggestions: Sequence[Any], items: Sequence[ThemeInput]) -> list[str]:
    """One label per item; items in no suggestion get a label of their own."""
    of: dict[Hashable, str] = {}
    for k, s in enumerate(suggestions):
        for mid in s.member_ids:
            of[mid] = f"s{k}"
    return [of.get(it.id, f"single:{it.id}") for it in items]


def _comb2(x: int) -> int:
    return x * (x - 1) // 2


def scores(pred: Sequence[Hashable], true: Sequence[Hashable]) -> dict[str, float]:
    """Pairwise precision / recall / F1 and the adjusted Rand index."""
    n = len(true)
    cont: dict[tuple[Hashable, Hashable], int] = {}
    a: dict[Hashable, int] = {}
    b: dict[Hashable, int] = {}
    for p, t in zip(pred, true, strict=True):
        cont[(p, t)] = cont.get((p, t), 0) + 1
        a[p] = a.get(p, 0) + 1
        b[t] = b.get(t, 0) + 1
    same_both = sum(_comb2(v) for v in cont.values())
    same_pred = sum(_comb2(v) for v in a.values())
    same_true = sum(_comb2(v) for v in b.values())
    precision = same_both / same_pred if same_pred else 0.0
    recall = same_both / same_true if same_true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    total = _comb2(n)
    expected = same_pred * same_true / total if total else 0.0
    max_index = (same_pred + same_true) / 2
    ari = (same_both - expected) / (max_index - expected) if max_index != expected else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "ari": ari}


def cross_persona_purity(items: Sequence[ThemeInput], gold: dict[Hashable, str], pred: Sequence[str]) -> tuple[int, int]:
    """(gold cross-persona themes kept together, gold cross-persona themes) for one workshop."""
    members: dict[str, list[int]] = {}
    for i, it in enumerate(items):
        members.setdefault(gold[it.id], []).append(i)
    kept = total = 0
    for idx in members.values():
        if len({items[i].persona for i in idx}) < 2:
            continue
        total += 1
        by_label: dict[str, list[int]] = {}
        for i in idx:
            if not pred[i].startswith("single:"):
                by_label.setdefault(pred[i], []).append(i)
        best = max(by_label.values(), key=len, default=[])
        if len(best) >= max(2, (len(idx) + 1) // 2) and len({items[i].persona for i in best}) >= 2:
            kept += 1
    return kept, total


# -- methods -------------------------------------------------------------------------------------


def keyword_labels(items: Sequence[ThemeInput]) -> list[str]:
    """Group by the contribution's content word with the highest document frequency in the set."""
    exclude = frozenset(it.persona for it in items)
    docs = [sorted({s for _, s in themes_text.tokens(it.text, exclude=exclude)}) for it in items]
    df: dict[str, int] = {}
    for d in docs:
        for s in d:
            df[s] = df.get(s, 0) + 1
    out = []
    for it, d in zip(items, docs, strict=True):
        out.append(min(d, key=lambda s: (-df[s], s)) if d else f"single:{it.id}")
    return out


def old_labels(items: Sequence[ThemeInput]) -> list[str]:
    old_items = [themes_baseline.ThemeInput(it.id, it.text, it.persona, it.kind) for it in items]
    return labels_from(themes_baseline.suggest_themes(old_items), items)


def evaluate(
    items: Sequence[ThemeInput], gold: dict[Hashable, str], *, baselines: bool = True, reader: dict[Hashable, str] | None = None,
    **params: Any,
) -> dict[str, Any]:
    """Every method on one workshop's items (and the second reader's grouping, where it covers them)."""
    true = [gold[it.id] for it in items]
    t0 = time.perf_counter()
    suggestions = suggest_themes(items, **params)
    elapsed = time.perf_counter() - t0
    pred = labels_from(suggestions, items)
    kept, total = cross_persona_purity(items, gold, pred)
    out: dict[str, Any] = {
        "n": len(items),
        "gold_themes": len(set(true)),
        "suggestions": len(suggestions),
        "cross_persona_suggestions": sum(1 for s in suggestions if s.cross_persona),
        "covered": sum(s.size for s in suggestions),
        "seconds": elapsed,
        "suggester": dict(scores(pred, true), purity_kept=kept, purity_total=total),
        "names": [
            {
                "name": s.name,
                "size": s.size,
                "personas": list(s.personas),
                "why": list(s.shared_words),
                "confidence": s.confidence,
                "gold": _majority(s, gold),
            }
            for s in suggestions
        ],
    }
    if baselines:
        rnd: list[dict[str, float]] = []
        for seed in range(20):
            shuffled = list(pred)
            random.Random(seed).shuffle(shuffled)
            rnd.append(scores(shuffled, true))
        out["random"] = {k: statistics.fmean(r[k] for r in rnd) for k in rnd[0]}
        out["keyword"] = scores(keyword_labels(items), true)
        old = old_labels(items)
        kept_old, _ = cross_persona_purity(items, gold, old)
        out["old"] = dict(scores(old, true), purity_kept=kept_old, purity_total=total)
    if reader is not None and all(it.id in reader for it in items):
        by_reader = [reader[it.id] for it in items]
        kept_reader, _ = cross_persona_purity(items, gold, by_reader)
        out["reader"] = dict(scores(by_reader, true), purity_kept=kept_reader, purity_total=total)
    return out


METHODS = ("suggester", "old", "keyword", "random", "reader")


def summarise(per_workshop: dict[str, dict[str, Any]], methods: Sequence[str] = METHODS) -> dict[str, Any]:
    """Mean ARI / F1 / P / R over workshops, and pooled cross-persona purity, per method."""
    out: dict[str, Any] = {
        "workshops": sorted(per_workshop),
        "n": sum(r["n"] for r in per_workshop.values()),
        "gold_themes": sum(r["gold_themes"] for r in per_workshop.values()),
        "suggestions": sum(r["suggestions"] for r in per_workshop.values()),
    }
    for m in methods:
        rows = [r[m] for r in per_workshop.values() if m in r]
        if not rows:
            continue
        summary = {k: statistics.fmean(r[k] for r in rows) for k in ("precision", "recall", "f1", "ari")}
        if "purity_kept" in rows[0]:
            kept, total = sum(r["purity_kept"] for r in rows), sum(r["purity_total"] for r in rows)
            summary["purity"] = kept / total if total else 0.0
        out[m] = summary
    return out


def splits(
    items: Sequence[ThemeInput], gold: dict[Hashable, str], workshop_of: dict[Hashable, str], split_of: dict[str, str],
    *, baselines: bool = True, **params: Any,
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Per-workshop results and the summaries of the whole set, the tuning half and the held-out half."""
    groups = by_workshop(items, workshop_of)
    reader = load_reader() if baselines else None
    per = {w: evaluate(its, gold, baselines=baselines, reader=reader, **params) for w, its in sorted(groups.items())}
    summary = {
        "all": summarise(per, METHODS[:-1]),  # the reader grouped only the held-out workshops
        "tune": summarise({w: r for w, r in per.items() if split_of[w] == "tune"}),
        "held_out": summarise({w: r for w, r in per.items() if split_of[w] == "held_out"}),
    }
    return summary, per


def _majority(s: ThemeSuggestion, gold: dict[Hashable, str]) -> str:
    counts: dict[str, int] = {}
    for mid in s.member_ids:
        counts[gold[mid]] = counts.get(gold[mid], 0) + 1
    theme, k = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return f"{theme} {k}/{s.size}"


def one_core(fn: Callable[[], Any]) -> Any:
    """Run ``fn`` pinned to one CPU with BLAS/OpenMP limited to one thread."""
    # start-up: a scikit-learn dependency, only for the timing
    from threadpoolctl import threadpool_limits

    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})
    try:
        with threadpool_limits(limits=1):
            return fn()
    finally:
        os.sched_setaffinity(0, before)


def timing(items: Sequence[ThemeInput], runs: int = 3) -> dict[str, Any]:
    """Wall-clock and CPU time of suggest_themes on one core after a warm-up, and whether runs agree."""

    def measure() -> dict[str, Any]:
        first = suggest_themes(items)  # warm-up (imports, caches)
        wall, cpu, same = [], [], True
        for _ in range(runs):
            t0, c0 = time.perf_counter(), time.process_time()
            again = suggest_themes(items)
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            same = same and again == first
        reordered = suggest_themes(list(items))
        return {
            "best_s": min(wall),
            "median_s": statistics.median(wall),
            "cpu_median_s": statistics.median(cpu),
            "runs": runs,
            "cores": 1,
            "deterministic": same and reordered == first,
            "suggestions": len(first),
            "load_average_1min": os.getloadavg()[0],
        }

    return one_core(measure)


# -- tuning --------------------------------------------------------------------------------------

GRID: dict[str, Sequence[Any]] = {
    "threshold": (0.06, 0.08, 0.10, 0.12, 0.14, 0.16, 0.18),
    "word_weight": (0.3, 0.5, 0.7),
    "persona_weight": (0.0, 0.35, 0.7),
    "concept_weight": (0.0, 0.25, 0.5, 1.0, 1.5),
    "max_share": (0.15, 1.0),
}


def tune(items: Sequence[ThemeInput], gold: dict[Hashable, str], workshop_of: dict[Hashable, str], split_of: dict[str, str]) -> list[dict[str, Any]]:
    """Every point of GRID scored on the tuning workshops only, best plateau first.

    The objective is the mean per-workshop ARI of the tuning half; ``plateau`` is the mean objective of the
    point and its neighbours in the grid (one step along any one parameter), so the chosen setting is one
    whose neighbourhood is good too rather than a lone peak.
    """
    groups = {w: its for w, its in by_workshop(items, workshop_of).items() if split_of[w] == "tune"}
    keys = list(GRID)
    scored: dict[tuple[int, ...], dict[str, Any]] = {}
    for index in itertools.product(*(range(len(GRID[k])) for k in keys)):
        params = {k: GRID[k][i] for k, i in zip(keys, index, strict=True)}
        per = {}
        for w, its in groups.items():
            pred = labels_from(suggest_themes(its, **params), its)
            per[w] = scores(pred, [gold[it.id] for it in its])
        ari = statistics.fmean(r["ari"] for r in per.values())
        f1 = statistics.fmean(r["f1"] for r in per.values())
        scored[index] = {"params": params, "objective": ari, "ari": ari, "f1": f1}
    for index, row in scored.items():
        around = [row["objective"]]
        for d in range(len(keys)):
            for step in (-1, 1):
                other = index[:d] + (index[d] + step,) + index[d + 1 :]
                if other in scored:
                    around.append(scored[other]["objective"])
        row["plateau"] = statistics.fmean(around)
    rows = sorted(scored.values(), key=lambda r: (-r["plateau"], -r["objective"], json.dumps(r["params"])))
    return rows


ABLATIONS: dict[str, dict[str, Any]] = {
    "no domain concepts": {"concept_weight": 0.0},
    "persona down-weighting 0.7": {"persona_weight": 0.7},
    "stems only (no char n-grams)": {"word_weight": 1.0},
    "char n-grams only": {"word_weight": 0.0},
    "no size cap": {"max_share": 1.0},
    "cross-persona bonus 0.04": {"cross_persona_bonus": 0.04},
}


# -- report --------------------------------------------------------------------------------------


def table(summary: dict[str, Any]) -> str:
    lines = [
        f"{'split':<10}{'n':>5}{'gold':>6}{'sugg':>6}  {'method':<10}{'P':>7}{'R':>7}{'F1':>7}{'ARI':>7}{'purity':>8}",
        "-" * 79,
    ]
    for split, r in summary.items():
        for m in METHODS:
            if m not in r:
                continue
            s = r[m]
            head = f"{split:<10}{r['n']:>5}{r['gold_themes']:>6}{r['suggestions']:>6}" if m == "suggester" else " " * 27
            purity = f"{s['purity']:>8.2f}" if "purity" in s else ""
            lines.append(f"{head}  {m:<10}{s['precision']:>7.3f}{s['recall']:>7.3f}{s['f1']:>7.3f}{s['ari']:>7.3f}{purity}")
    return "\n".join(lines)


def dataset_summary(rows: Sequence[dict[str, Any]], split_of: dict[str, str]) -> dict[str, Any]:
    per: dict[str, dict[str, Any]] = {}
    for r in rows:
        w = per.setdefault(r["workshop"], {"items": 0, "nynorsk": 0, "personas": set(), "themes": set(), "split": split_of[r["workshop"]]})
        w["items"] += 1
        w["nynorsk"] += r["form"] == "nn"
        w["personas"].add(r["persona"])
        w["themes"].add(r["theme"])
    theme_workshops: dict[str, set[str]] = {}
    for r in rows:
        theme_workshops.setdefault(r["theme"], set()).add(r["workshop"])
    return {
        "items": len(rows),
        "nynorsk_share": round(sum(r["form"] == "nn" for r in rows) / len(rows), 3),
        "gold_themes_per_workshop": sum(len(w["themes"]) for w in per.values()),
        "theme_ids": len(theme_workshops),
        "theme_ids_in_several_workshops": sorted(t for t, ws in theme_workshops.items() if len(ws) > 1),
        "workshops": {
            k: {"items": w["items"], "nynorsk": w["nynorsk"], "personas": len(w["personas"]), "themes": len(w["themes"]), "split": w["split"]}
            for k, w in sorted(per.items())
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tune", action="store_true", help="grid search on the tuning workshops first")
    parser.add_argument("--names", action="store_true", help="print every suggestion per workshop")
    parser.add_argument("--json", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    items, gold, workshop_of, split_of, rows = load_all()
    out: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "data": dict(dataset_summary(rows, split_of), files=[str(p.relative_to(ROOT)) for p in (DATA, DATA_WORKSHOPS, *DATA_HELD_OUT)]),
        "params": {
            "threshold": themes.DEFAULT_THRESHOLD,
            "word_weight": themes.DEFAULT_WORD_WEIGHT,
            "cross_persona_bonus": themes.DEFAULT_CROSS_PERSONA_BONUS,
            "ngram_range": list(themes.DEFAULT_NGRAM_RANGE),
            "max_df": themes.DEFAULT_MAX_DF,
            "max_share": themes.DEFAULT_MAX_SHARE,
            "persona_weight": themes.DEFAULT_PERSONA_WEIGHT,
            "persona_min_df": themes.DEFAULT_PERSONA_MIN_DF,
            "concept_weight": themes.DEFAULT_CONCEPT_WEIGHT,
        },
    }
    if args.tune:
        rows_t = tune(items, gold, workshop_of, split_of)
        print(f"grid search on the tuning workshops, top 12 plateaus of {len(rows_t)} (objective: mean per-workshop ARI)")
        for r in rows_t[:12]:
            print(f"  plateau={r['plateau']:.3f} ari={r['ari']:.3f} f1={r['f1']:.3f}  {r['params']}")
        peak = max(rows_t, key=lambda r: r["objective"])
        print(f"  (highest single point: ari={peak['ari']:.3f} f1={peak['f1']:.3f} {peak['params']})")
        print()
        out["tuning"] = {"grid": {k: list(v) for k, v in GRID.items()}, "top": rows_t[:20]}

    summary, per = splits(items, gold, workshop_of, split_of)
    print(table(summary))
    print("\nper workshop (suggester ARI / F1 / purity; old ARI / F1):")
    for w, r in per.items():
        s, o = r["suggester"], r["old"]
        print(
            f"  {w:<16}{split_of[w]:<9}{r['n']:>4} items {r['gold_themes']:>3} gold {r['suggestions']:>3} sugg  "
            f"ARI {s['ari']:.3f} F1 {s['f1']:.3f} purity {s['purity_kept']}/{s['purity_total']}   old {o['ari']:.3f} / {o['f1']:.3f}"
        )
    ablations = {}
    print("\nablations (mean ARI; all / tune / held out):")
    for label, change in ABLATIONS.items():
        abl, _ = splits(items, gold, workshop_of, split_of, baselines=False, **change)
        row = {k: abl[k]["suggester"]["ari"] for k in abl}
        ablations[label] = {"change": change, "ari": row}
        print(f"  {label:<32}{row['all']:>7.3f}{row['tune']:>7.3f}{row['held_out']:>7.3f}")
    out["ablations"] = ablations

    big, big_gold = perturbed(items, gold, 1000)
    t = timing(big)
    big_result = evaluate(big, big_gold, baselines=False)
    print(
        f"\n1,000 contributions as one board: ARI {big_result['suggester']['ari']:.3f}, F1 {big_result['suggester']['f1']:.3f}, "
        f"{big_result['suggestions']} suggestions\n"
        f"time on one core: best {t['best_s']:.3f} s, median {t['median_s']:.3f} s (CPU {t['cpu_median_s']:.3f} s) of "
        f"{t['runs']} runs; target < 2 s; deterministic: {t['deterministic']}; load average {t['load_average_1min']:.2f}"
    )
    # The held-out workshops' suggestion names and words stay unread by whoever tunes the suggester.
    readable = {w for w in per if split_of[w] != "held_out"}
    if args.names:
        for w in sorted(readable):
            r = per[w]
            print(f"\n{w} (name · size · personas · confidence · why · majority gold theme):")
            for s in r["names"]:
                print(f"  {s['name']:<32} {s['size']:>3}  {','.join(s['personas']):<24} {s['confidence']:.2f}  {', '.join(s['why'])[:40]:<40} {s['gold']}")
    out["results"] = summary
    out["per_workshop"] = {
        w: {k: v for k, v in r.items() if k != "names" or w in readable} for w, r in per.items()
    }
    out["perturbed_1000"] = {k: v for k, v in big_result.items() if k != "names"}
    out["timing_1000"] = t
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.json.relative_to(ROOT) if args.json.is_relative_to(ROOT) else args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

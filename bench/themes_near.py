"""Adding a suggestion to an existing theme: how often the board names the right theme, and what it costs.

The board after a first round of grouping, made from the labelled set of bench/themes.py: in each workshop,
the first half of each gold theme's contributions (rounded up) are in a theme of their own; the rest are
ungrouped, and the suggester runs on them with the step of sessions/themes/nearest.py, as
``compute_suggestions`` does. The right theme for a suggestion is the one of its members' majority gold theme.

  suggestions   how many the run gave
  named         the share that name an existing theme («Ligner temaet …»)
  precision     of those named, the share naming the right theme
  recall        of all suggestions, the share naming the right theme (every majority gold theme is on the board)

Each workshop on its own, summed per split (tuning / held-out, as in bench/themes.py). Timing: the 1,000
perturbed contributions of bench/themes.py with the first half of each gold theme's in themes, the
suggestion run with and without the near step, on one core, best of 3 after a warm-up.

    .venv/bin/python bench/themes_near.py        # table + bench/results/themes_near.json
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import Counter
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from themes import by_workshop, load_all, one_core, perturbed  # noqa: E402  (bench/themes.py)

from sessions.themes.nearest import nearest_themes  # noqa: E402
from sessions.themes.suggest import ThemeInput, suggest_themes  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "themes_near.json"


def board(items: Sequence[ThemeInput], gold: dict[Hashable, str]) -> tuple[list[ThemeInput], dict[str, list[ThemeInput]]]:
    """The ungrouped items and the themes (gold theme → its first half, rounded up), in input order."""
    members: dict[str, list[ThemeInput]] = {}
    for it in items:
        members.setdefault(gold[it.id], []).append(it)
    themed = {g: ms[: math.ceil(len(ms) / 2)] for g, ms in members.items()}
    grouped = {it.id for ms in themed.values() for it in ms}
    return [it for it in items if it.id not in grouped], themed


def run(items: Sequence[ThemeInput], gold: dict[Hashable, str]) -> dict[str, int]:
    loose, themed = board(items, gold)
    found = suggest_themes(loose)
    near = nearest_themes(found, loose, themed)
    named = right = 0
    for s, (tid, _words) in zip(found, near, strict=True):
        majority = Counter(gold[m] for m in s.member_ids).most_common(1)[0][0]
        named += tid is not None
        right += tid == majority
    return {"suggestions": len(found), "named": named, "right": right}


def timed(items: Sequence[ThemeInput], gold: dict[Hashable, str]) -> dict[str, Any]:
    loose, themed = board(items, gold)

    def measure() -> dict[str, Any]:
        suggest_themes(loose)
        nearest_themes(suggest_themes(loose), loose, themed)  # warm-up
        plain, near = [], []
        for _ in range(3):
            t0 = time.perf_counter()
            found = suggest_themes(loose)
            t1 = time.perf_counter()
            nearest_themes(found, loose, themed)
            t2 = time.perf_counter()
            plain.append(t1 - t0)
            near.append(t2 - t0)
        return {
            "ungrouped": len(loose),
            "in_themes": sum(len(ms) for ms in themed.values()),
            "themes": len(themed),
            "suggest_best_s": min(plain),
            "suggest_and_near_best_s": min(near),
        }

    return one_core(measure)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    items, gold, workshop_of, split_of, _rows = load_all()
    per = {w: run(its, gold) for w, its in sorted(by_workshop(items, workshop_of).items())}
    out: dict[str, Any] = {"per_workshop": per, "splits": {}}
    print(f"{'':<12}{'suggestions':>12}{'named':>8}{'precision':>11}{'recall':>8}")
    for split in ("tune", "held_out", "all"):
        rows = [r for w, r in per.items() if split == "all" or split_of[w] == split]
        n, named, right = (sum(r[k] for r in rows) for k in ("suggestions", "named", "right"))
        summary = {
            "suggestions": n,
            "named_share": named / n if n else 0.0,
            "precision": right / named if named else 0.0,
            "recall": right / n if n else 0.0,
        }
        out["splits"][split] = summary
        print(f"{split:<12}{n:>12}{summary['named_share']:>8.2f}{summary['precision']:>11.2f}{summary['recall']:>8.2f}")
    big, big_gold = perturbed(items, gold, 1000)
    t = timed(big, big_gold)
    out["timing_1000"] = t
    print(
        f"\n1,000 contributions, {t['in_themes']} in {t['themes']} themes, {t['ungrouped']} ungrouped, one core: "
        f"suggestions {t['suggest_best_s']:.2f} s, with the near step {t['suggest_and_near_best_s']:.2f} s"
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.json.relative_to(ROOT) if args.json.is_relative_to(ROOT) else args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

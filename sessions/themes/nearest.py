"""Which existing theme a new suggestion resembles, so the board can offer «Legg til i temaet …» in one step.

After the first themes are made, a new suggestion run only sees the contributions in no theme, and often
proposes a group that belongs in a theme the facilitator already has (three more mentor ideas while
«Mentorordning» is on the board). The test is the clustering's own: the average similarity between the
suggestion's members and a theme's members (average linkage, with the suggester's features) at or above
the suggester's merge threshold means the suggester would have put them together had both been ungrouped.
The closest such theme is named with the words both sides use, the reason shown to the facilitator.

Pure and deterministic like :mod:`sessions.themes.suggest`; the caller runs it off the event loop.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence

from sessions.themes.naming import count_stems, surface_word
from sessions.themes.suggest import (
    DEFAULT_THRESHOLD,
    ThemeInput,
    ThemeSuggestion,
    similarities,
)

__all__ = ["Near", "nearest_themes"]

Near = tuple[Hashable | None, tuple[str, ...]]  # (theme id or None, the words both use)


def nearest_themes(
    suggestions: Sequence[ThemeSuggestion],
    items: Sequence[ThemeInput],
    themed: Mapping[Hashable, Sequence[ThemeInput]],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    persona_names: Iterable[str] = (),
    max_words: int = 4,
) -> list[Near]:
    """For each suggestion (made from ``items``), the theme in ``themed`` (theme id → its members) whose
    members are on average at least ``threshold`` alike to the suggestion's, the most alike first; ties go
    to the theme listed first. ``(None, ())`` where none is."""
    if not suggestions or not any(themed.values()):
        return [(None, ())] * len(suggestions)
    pool = list(items)
    theme_rows: dict[Hashable, list[int]] = {}
    for tid, members in themed.items():
        if members:
            theme_rows[tid] = list(range(len(pool), len(pool) + len(members)))
            pool.extend(members)
    doc_tokens, sims, idf = similarities(pool, persona_names=persona_names)
    row_of = {it.id: i for i, it in enumerate(items)}
    out: list[Near] = []
    for s in suggestions:
        rows = [row_of[m] for m in s.member_ids if m in row_of]
        best: tuple[float, Hashable] | None = None
        for tid, cols in theme_rows.items() if rows else ():
            score = float(sims[rows][:, cols].mean())
            if score >= threshold and (best is None or score > best[0]):
                best = (score, tid)
        if best is None:
            out.append((None, ()))
        else:
            out.append((best[1], _common_words(rows, theme_rows[best[1]], doc_tokens, idf, max_words)))
    return out


def _common_words(
    rows: Sequence[int], cols: Sequence[int], doc_tokens: Sequence[Sequence[tuple[str, str]]], idf: Mapping[str, float], limit: int
) -> tuple[str, ...]:
    """Stems used on both sides, by how many members use them (then rarer first), as words they wrote."""
    left, _ = count_stems(rows, doc_tokens)
    right, _ = count_stems(cols, doc_tokens)
    count, forms = count_stems([*rows, *cols], doc_tokens)
    both = sorted((s for s in left if s in right), key=lambda s: (-count[s], -idf.get(s, 1.0), s))
    words: list[str] = []
    for stem in both:
        word = surface_word(forms[stem])
        if len(word) >= 3 and word not in words:
            words.append(word)
        if len(words) >= limit:
            break
    return tuple(words)

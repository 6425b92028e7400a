"""Naming a group of contributions: its name terms and the words its members share, each as a word a member wrote."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

__all__ = ["count_stems", "describe", "surface_word"]

_NOUN_ENDINGS = ("else", "elsen", "elsa", "ing", "inga", "ingen", "het", "heten", "heit", "heita", "skap", "sjon")


def surface_word(forms: Mapping[str, int]) -> str:
    """The word to show for a stem: noun-like first («omstilling» rather than «omstille»), then the most
    frequent, then the shortest («lærer» rather than «lærerne»)."""
    return min(forms.items(), key=lambda kv: (not kv[0].endswith(_NOUN_ENDINGS), -kv[1], len(kv[0]), kv[0]))[0]


def count_stems(
    group: Iterable[int], doc_tokens: Sequence[Sequence[tuple[str, str]]]
) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """For the items ``group``: how many use each stem, and each stem's surface words with their counts."""
    doc_freq: dict[str, int] = {}
    surfaces: dict[str, dict[str, int]] = {}
    for i in group:
        seen: set[str] = set()
        for surface, s in doc_tokens[i]:
            forms = surfaces.setdefault(s, {})
            forms[surface] = forms.get(surface, 0) + 1
            if s not in seen:
                seen.add(s)
                doc_freq[s] = doc_freq.get(s, 0) + 1
    return doc_freq, surfaces


def describe(
    group: Sequence[int],
    doc_tokens: Sequence[Sequence[tuple[str, str]]],
    idf: Mapping[str, float],
    max_terms: int,
    max_shared: int = 6,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The group's name terms (its most representative stems: share of members × idf) and its shared words
    (stems used by two or more members, most members first), each as a real word of the group.

    A word inside an already chosen one is skipped («kompetanseplan · plan»).
    """
    doc_freq, surfaces = count_stems(group, doc_tokens)
    shared = [s for s in doc_freq if doc_freq[s] >= 2]
    scored = sorted(((doc_freq[s] / len(group)) * idf.get(s, 1.0), s) for s in (shared or list(doc_freq)))
    scored.sort(key=lambda t: (-t[0], t[1]))
    terms: list[str] = []
    best = scored[0][0] if scored else 0.0
    for score, s in scored:
        if len(terms) >= max_terms or score < 0.5 * best:
            break
        word = surface_word(surfaces[s])
        if len(word) < 3 or any(word in t or t in word for t in terms):
            continue
        terms.append(word)
    why: list[str] = []
    for s in sorted(shared, key=lambda s: (-doc_freq[s], -idf.get(s, 1.0), s)):
        word = surface_word(surfaces[s])
        if word not in why:
            why.append(word)
        if len(why) >= max_shared:
            break
    return tuple(terms), tuple(why)

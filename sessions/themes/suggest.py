"""Theme suggestions: contributions whose wording is similar across personas, with a proposed name.

Pure, typed, standard-library Python; runs locally with no network service. The facilitator accepts,
renames, splits or rejects each suggestion; nothing here touches the database.

Pipeline (bokmål and nynorsk alike):

1. **Normalise**: Unicode NFKC, lowercase, emoji/punctuation/digits out, letter runs of 3+ collapsed
   ("tiiid" → "tid").
2. **Tokens**: stop words of both written forms out (``STOP_WORDS``: ikkje/ikke, eg/jeg, ho/hun, kva/hva,
   korleis/hvordan, dei/de, frå/fra, …, plus modal verbs and workshop filler such as behov/treng), and the
   personas' own names (a name says who, not what).
3. **Stem**: a few nynorsk → bokmål spelling rules on the word (leiar → leder, skule → skole, heime →
   hjemme, sjuke → syke, teneste → tjeneste, kvardag → hverdag, tilsett → ansatt, …), then a light
   Snowball-style stemmer that also knows nynorsk endings (-ane/-ar/-ast/-inga/-heit/-leg/-je …), so
   «leiinga», «ledelsen» and «leder» all become ``led``.
4. **Decompound**: a compound stem is split into two stems that also occur on their own in the same
   input («kompetanseplan» → kompetans + plan, «omstillingsprosess» → omstill + prosess); the parts are
   added as features, so «plan for kompetansen» and «kompetanseplan» meet.
5. **Features**: TF-IDF (sublinear tf, smoothed idf) of the stems, and TF-IDF of character 4-grams of the
   stems (``ngram_range``), which bridge typos, compounds and leftover spelling variants.
   Similarity = ``word_weight`` · cos(stems) + (1 − ``word_weight``) · cos(char n-grams); pairs of
   different personas may get ``cross_persona_bonus`` on top (0 by default: tuning did not support it).
6. **Cluster**: average-linkage agglomerative clustering on the sparse similarity graph (pairs below
   ``min_pair_similarity`` count as 0), merging while the best average similarity is ≥ ``threshold``
   and no group grows beyond ``max_share`` of the input (at least ``min_max_size``). Average linkage
   does not chain; the cap keeps one vague group from swallowing the board.
7. **Suggest**: drop singletons; single-persona groups need ``min_size_single_persona`` members;
   cross-persona suggestions come first (then larger, then more cohesive). The name is the top one or
   two common stems (share of members × idf), each restored to a real word the members wrote, noun-like
   first: "ledelse · omstilling".

Deterministic: no randomness, and nothing depends on set or hash order (sorted iteration, index
tie-breaks), so the same input gives the same suggestions under any ``PYTHONHASHSEED``.

To *split* a suggestion, re-cluster its members with a stricter threshold: :func:`split_theme`.
The default parameters were tuned on the even-numbered half of ``tests/data/themes_nb.json``; the
benchmark (``bench/themes.py``) reports the held-out odd half as well.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from sessions.themes.text import _compound_parts, _name_words, tokens

__all__ = [
    "ThemeInput",
    "ThemeSuggestion",
    "split_theme",
    "suggest_themes",
]

DEFAULT_THRESHOLD = 0.04
DEFAULT_WORD_WEIGHT = 0.5
DEFAULT_CROSS_PERSONA_BONUS = 0.0
DEFAULT_MIN_PAIR_SIMILARITY = 0.02
DEFAULT_NGRAM_RANGE = (4, 4)
DEFAULT_MAX_DF = 0.5
DEFAULT_MAX_SHARE = 0.15


@dataclass(frozen=True, slots=True)
class ThemeInput:
    """One contribution as the suggester sees it."""

    id: Hashable
    text: str
    persona: str  # the persona's key (the same key for every contribution of one persona)
    kind: str = "need"  # "need" | "solution"; carried along, not used for similarity


@dataclass(frozen=True, slots=True)
class ThemeSuggestion:
    """A proposed theme: its members (input order), the personas it spans and a proposed name."""

    member_ids: tuple[Hashable, ...]
    personas: tuple[str, ...]  # sorted
    name: str  # e.g. "ledelse · omstilling"
    terms: tuple[str, ...]  # the surface words the name is made of
    cohesion: float  # average pairwise similarity inside the group

    @property
    def size(self) -> int:
        return len(self.member_ids)

    @property
    def cross_persona(self) -> bool:
        return len(self.personas) > 1


# -- vectors -----------------------------------------------------------------------------------------

Vector = dict[str, float]


def _tfidf(docs: Sequence[Sequence[str]], *, max_df: float) -> tuple[list[Vector], dict[str, float]]:
    """Sublinear-tf, smoothed-idf, L2-normalised sparse vectors; features in more than ``max_df`` of
    the documents (when there are at least 10) are dropped, as they say nothing about a theme."""
    n = len(docs)
    df: dict[str, int] = {}
    counts: list[dict[str, int]] = []
    for doc in docs:
        c: dict[str, int] = {}
        for f in doc:
            c[f] = c.get(f, 0) + 1
        counts.append(c)
        for f in c:
            df[f] = df.get(f, 0) + 1
    limit = max_df * n if n >= 10 else float(n + 1)
    idf = {f: math.log((1 + n) / (1 + d)) + 1.0 for f, d in df.items() if d <= limit}
    vectors: list[Vector] = []
    for c in counts:
        v = {f: (1.0 + math.log(k)) * idf[f] for f, k in c.items() if f in idf}
        norm = math.sqrt(math.fsum(x * x for x in v.values()))
        vectors.append({f: x / norm for f, x in v.items()} if norm else {})
    return vectors, idf


def _char_ngrams(stems: Sequence[str], lo: int, hi: int) -> list[str]:
    grams: list[str] = []
    for s in stems:
        padded = f"<{s}>"
        for n in range(lo, hi + 1):
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


def _pair_sums(vectors: Sequence[Vector], weight: float, into: dict[tuple[int, int], float]) -> None:
    """Add ``weight`` · cosine for every pair with a shared feature (i < j) via an inverted index."""
    postings: dict[str, list[tuple[int, float]]] = {}
    for i, v in enumerate(vectors):
        for f, x in v.items():
            postings.setdefault(f, []).append((i, x))
    acc: dict[tuple[int, int], float] = {}
    for plist in postings.values():
        m = len(plist)
        if m < 2:
            continue
        for a in range(m - 1):
            i, x = plist[a]
            for b in range(a + 1, m):
                j, y = plist[b]
                key = (i, j)
                acc[key] = acc.get(key, 0.0) + x * y
    for key, value in acc.items():
        into[key] = into.get(key, 0.0) + weight * value


# -- clustering --------------------------------------------------------------------------------------


def _average_linkage(
    n: int, sims: Mapping[tuple[int, int], float], threshold: float, max_size: int
) -> list[list[int]]:
    """Average-linkage agglomerative clustering on a sparse similarity graph (missing pairs are 0).

    Merges the pair of clusters with the highest average similarity while it is ≥ ``threshold``, never
    into a cluster of more than ``max_size``. Ties go to the lowest cluster ids, so the result does not
    depend on hash order.
    """
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    links: dict[int, dict[int, float]] = {i: {} for i in range(n)}  # cluster → neighbour → sum of sims
    for (i, j), s in sims.items():
        links[i][j] = s
        links[j][i] = s
    heap: list[tuple[float, int, int]] = []
    for (i, j), s in sorted(sims.items()):
        if s >= threshold:
            heap.append((-s, i, j))
    heapq.heapify(heap)
    next_id = n
    while heap:
        neg, a, b = heapq.heappop(heap)
        if a not in members or b not in members:
            continue
        total = links[a].get(b)
        if total is None or not math.isclose(-neg, total / (len(members[a]) * len(members[b])), abs_tol=1e-12):
            continue  # stale entry
        if len(members[a]) + len(members[b]) > max_size:
            continue
        c = next_id
        next_id += 1
        members[c] = sorted(members.pop(a) + members.pop(b))
        merged: dict[int, float] = {}
        for old in (a, b):
            for k, s in links.pop(old).items():
                if k in (a, b):
                    continue
                merged[k] = merged.get(k, 0.0) + s
                del links[k][old]
        links[c] = merged
        size_c = len(members[c])
        for k in sorted(merged):
            s = merged[k]
            links[k][c] = s
            avg = s / (size_c * len(members[k]))
            if avg >= threshold and size_c + len(members[k]) <= max_size:
                heapq.heappush(heap, (-avg, k, c))
    return sorted(members.values())


# -- suggestions -------------------------------------------------------------------------------------


_NOUN_ENDINGS = ("else", "elsen", "elsa", "ing", "inga", "ingen", "het", "heten", "heit", "heita", "skap", "sjon")


def _name(
    group: Sequence[int],
    doc_tokens: Sequence[Sequence[tuple[str, str]]],
    idf: Mapping[str, float],
    max_terms: int,
) -> tuple[str, ...]:
    """The group's most representative stems (share of members × idf), each as a real word of the group.

    Stems used by at least two members are preferred. Of a stem's words the noun-like one is taken
    («omstilling» rather than «omstille»), then the most frequent, then the shortest («lærer» rather
    than «lærerne»). A word inside an already chosen one is skipped («kompetanseplan · plan»).
    """
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
    shared = [s for s in doc_freq if doc_freq[s] >= 2] or list(doc_freq)
    scored = sorted(((doc_freq[s] / len(group)) * idf.get(s, 0.0), s) for s in shared)
    scored.sort(key=lambda t: (-t[0], t[1]))
    terms: list[str] = []
    best = scored[0][0] if scored else 0.0
    for score, s in scored:
        if len(terms) >= max_terms or score < 0.5 * best:
            break
        word = min(
            surfaces[s].items(),
            key=lambda kv: (not kv[0].endswith(_NOUN_ENDINGS), -kv[1], len(kv[0]), kv[0]),
        )[0]
        if any(word in t or t in word for t in terms):
            continue
        terms.append(word)
    return tuple(terms)


def suggest_themes(
    items: Sequence[ThemeInput],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    word_weight: float = DEFAULT_WORD_WEIGHT,
    cross_persona_bonus: float = DEFAULT_CROSS_PERSONA_BONUS,
    min_pair_similarity: float = DEFAULT_MIN_PAIR_SIMILARITY,
    ngram_range: tuple[int, int] = DEFAULT_NGRAM_RANGE,
    max_df: float = DEFAULT_MAX_DF,
    decompound: bool = True,
    max_share: float = DEFAULT_MAX_SHARE,
    min_max_size: int = 8,
    min_size_single_persona: int = 2,
    max_terms: int = 2,
    persona_names: Iterable[str] = (),
) -> list[ThemeSuggestion]:
    """Suggest themes for ``items``: groups of ≥ 2 similarly worded contributions, cross-persona first.

    ``threshold`` is the lowest average similarity at which two groups are merged; raise it for smaller,
    tighter themes (see :func:`split_theme`). ``persona_names`` are extra words never used as terms
    (e.g. the personas' display names; their keys are always excluded). Contributions in no suggestion
    are simply left out. Deterministic.
    """
    if len(items) < 2:
        return []
    exclude = _name_words([it.persona for it in items] + list(persona_names))
    doc_tokens = [tokens(it.text, exclude=exclude) for it in items]
    doc_stems = [[s for _, s in toks] for toks in doc_tokens]
    if decompound:
        parts = _compound_parts(doc_stems)
        doc_stems = [[p for s in stems for p in (s, *parts.get(s, ()))] for stems in doc_stems]
    word_vecs, idf = _tfidf(doc_stems, max_df=max_df)
    lo, hi = ngram_range
    char_docs = [_char_ngrams(stems, lo, hi) for stems in doc_stems]
    char_vecs, _ = _tfidf(char_docs, max_df=max_df)

    sums: dict[tuple[int, int], float] = {}
    if word_weight > 0:
        _pair_sums(word_vecs, word_weight, sums)
    if word_weight < 1:
        _pair_sums(char_vecs, 1.0 - word_weight, sums)
    sims: dict[tuple[int, int], float] = {}
    for (i, j), s in sums.items():
        if s < min_pair_similarity:
            continue
        if items[i].persona != items[j].persona:
            s += cross_persona_bonus
        sims[(i, j)] = s

    suggestions: list[ThemeSuggestion] = []
    max_size = max(min_max_size, math.ceil(max_share * len(items)))
    for group in _average_linkage(len(items), sims, threshold, max_size):
        if len(group) < 2:
            continue
        personas = tuple(sorted({items[i].persona for i in group}))
        if len(personas) == 1 and len(group) < min_size_single_persona:
            continue
        pairs = [(a, b) for x, a in enumerate(group) for b in group[x + 1 :]]
        cohesion = math.fsum(sims.get(p, 0.0) for p in pairs) / len(pairs)
        terms = _name(group, doc_tokens, idf, max_terms)
        suggestions.append(
            ThemeSuggestion(
                member_ids=tuple(items[i].id for i in group),
                personas=personas,
                name=" · ".join(terms),
                terms=terms,
                cohesion=round(cohesion, 6),
            )
        )
    first_index = {it.id: i for i, it in reversed(list(enumerate(items)))}
    suggestions.sort(key=lambda s: (-len(s.personas), -s.size, -s.cohesion, first_index[s.member_ids[0]]))
    return suggestions


def split_theme(
    items: Sequence[ThemeInput],
    *,
    threshold: float | None = None,
    step: float = 0.04,
    **options: object,
) -> list[ThemeSuggestion]:
    """Re-cluster one theme's contributions into smaller themes (the board's "split" action).

    With ``threshold`` given, one run at that threshold. Otherwise the threshold is raised from the
    default in ``step``\\ s until the members fall into at least two suggestions (at most 1.0). Leftover
    contributions are in no suggestion; an empty list means no sensible split was found.
    """
    if threshold is not None:
        return suggest_themes(items, threshold=threshold, **options)  # type: ignore[arg-type]
    t = DEFAULT_THRESHOLD
    while t <= 1.0:
        t += step
        found = suggest_themes(items, threshold=t, **options)  # type: ignore[arg-type]
        if len(found) >= 2:
            return found
        if not found:
            return []
    return []

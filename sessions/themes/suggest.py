"""Theme suggestions: contributions whose wording is similar across personas, with a name, a reason and a confidence.

Runs locally with no network service. The facilitator accepts, renames, splits or rejects each
suggestion; nothing here touches the database.

Stemming, vectorising and clustering are the field's libraries: Snowball's Norwegian stemmer
(``snowballstemmer``, via :mod:`sessions.themes.text`), scikit-learn's ``TfidfVectorizer`` and
``AgglomerativeClustering``. What is ours is what is specific to Norwegian workshop text:

1. **Tokens** (:func:`sessions.themes.text.tokens`): normalised text, stop words of both written forms and
   workshop filler out (behov/treng, …), persona names out, nynorsk → bokmål spelling rules (leiar →
   leder, skule → skole, heime → hjemme, …), then the Snowball stem.
   A compound stem is also split into two stems that occur on their own in the same input
   («kompetanseplan» → kompetans + plan), so «plan for kompetansen» and «kompetanseplan» meet.
2. **Features**: TF-IDF of the stems (sublinear tf) and TF-IDF of character n-grams of the stems
   (``ngram_range``, ``char_wb``), which bridge compounds, typos and leftover spelling variants.
3. **Persona setting words down-weighted**: a feature that several contributions share but that comes
   from fewer personas than it could (``hjemmetjenesten`` in one home-care nurse's notes) says where a
   persona works, not what the theme is. Each feature column is scaled by ``floor + (1 − floor) ·
   spread``, where spread = (personas using it − 1) / (min(its document count, personas) − 1) and
   floor = 1 − ``persona_weight``; features in fewer than ``persona_min_df`` contributions keep weight 1.
   Computed from the input, so it needs no list of setting words.
4. **Domain concepts** (:mod:`sessions.themes.concepts`: mentor / fadder / rettleiar, …): a third TF-IDF
   block, so words that share no letters but name the same measure meet.
5. **Similarity**: cosine of the concatenated blocks (weights ``word_weight``, 1 − ``word_weight``,
   ``concept_weight``); pairs of different personas may get ``cross_persona_bonus`` on top.
   ``persona_weight`` is 0.7 by default (the best plateau once the tuning half had six workshops).
6. **Cluster**: average-linkage agglomerative clustering on the precomputed cosine distance, merging while
   the average similarity is ≥ ``threshold``. A cluster over ``max_share`` of the input (at least
   ``min_max_size``) is clustered again with a stricter threshold, so one vague group cannot swallow the board.
7. **Suggest**: drop singletons; single-persona groups need ``min_size_single_persona`` members;
   cross-persona suggestions come first (then larger, then more cohesive). The name is the top one or two
   stems the members share (share of members × idf), each as a real word a member wrote, noun-like first;
   ``shared_words`` are the words two or more members used (the reason for the suggestion); ``confidence``
   (0–1) is the group's average similarity scaled between the merge threshold and ``sure_similarity``.

Deterministic: no randomness; scikit-learn's vocabulary is sorted and the clustering has no random state,
so the same input gives the same suggestions under any ``PYTHONHASHSEED``.

To *split* a suggestion, re-cluster its members with a stricter threshold: :func:`split_theme`.
The defaults were tuned on the six tuning workshops of the labelled set (tests/data/themes_nb.json and
themes_workshops.json; mean per-workshop ARI, a setting from the best plateau of the grid in
``bench/themes.py --tune``, not its highest point); ``bench/themes.py`` reports the five held-out workshops
(tests/data/themes_heldout*.json), written by someone who had not seen this code. They score far lower
(ARI about 0.1 against 0.55): the features find notes that share words or domain concepts, and notes of one
theme written independently mostly share neither.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sessions.themes.concepts import concepts_of
from sessions.themes.naming import describe
from sessions.themes.text import _compound_parts, _name_words, tokens

__all__ = [
    "ThemeInput",
    "ThemeSuggestion",
    "similarities",
    "split_theme",
    "suggest_themes",
]

DEFAULT_THRESHOLD = 0.18
DEFAULT_WORD_WEIGHT = 0.3
DEFAULT_CROSS_PERSONA_BONUS = 0.0
DEFAULT_NGRAM_RANGE = (4, 5)
DEFAULT_MAX_DF = 0.5
DEFAULT_MAX_SHARE = 0.15
DEFAULT_PERSONA_WEIGHT = 0.7
DEFAULT_PERSONA_MIN_DF = 3
DEFAULT_CONCEPT_WEIGHT = 1.0
# The average similarity at which a suggestion counts as fully sure (confidence 1.0).
SURE_SIMILARITY = 0.45


@dataclass(frozen=True, slots=True)
class ThemeInput:
    """One contribution as the suggester sees it."""

    id: Hashable
    text: str
    persona: str  # the persona's key (the same key for every contribution of one persona)
    kind: str = "need"  # "need" | "solution"; carried along, not used for similarity


@dataclass(frozen=True, slots=True)
class ThemeSuggestion:
    """A proposed theme: its members (input order), the personas it spans, a name and why it was made."""

    member_ids: tuple[Hashable, ...]
    personas: tuple[str, ...]  # sorted
    name: str  # e.g. "ledelse · omstilling"
    terms: tuple[str, ...]  # the surface words the name is made of
    cohesion: float  # average pairwise similarity inside the group
    shared_words: tuple[str, ...] = ()  # words (as written) that two or more members use, most shared first
    confidence: float = 0.0  # 0–1: cohesion scaled between the merge threshold and SURE_SIMILARITY
    # The existing theme it resembles (sessions.themes.nearest), and the words both use.
    near_theme: Hashable | None = None
    near_words: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return len(self.member_ids)

    @property
    def cross_persona(self) -> bool:
        return len(self.personas) > 1


# -- features ----------------------------------------------------------------------------------------


def _persona_weights(binary: Any, persona_index: Sequence[int], n_personas: int, strength: float, min_df: int) -> Any:
    """Per-column weights that down-weight features concentrated in fewer personas than they could span."""
    import numpy as np  # start-up: numpy comes with scikit-learn; only needed while suggesting
    from scipy import sparse  # start-up: as numpy

    n = binary.shape[0]
    indicator = sparse.csr_matrix(
        (np.ones(n), (np.asarray(persona_index), np.arange(n))), shape=(n_personas, n)
    )
    per_persona = indicator @ binary  # personas × features: how many of a persona's items have it
    spread_count = np.asarray((per_persona > 0).sum(axis=0)).ravel().astype(float)
    df = np.asarray(binary.sum(axis=0)).ravel()
    possible = np.minimum(df, n_personas)
    spread = np.where(possible > 1, (spread_count - 1) / np.maximum(possible - 1, 1), 1.0)
    weights = (1.0 - strength) + strength * spread
    weights[df < min_df] = 1.0
    return weights


def _similarity(
    doc_stems: Sequence[Sequence[str]],
    personas: Sequence[str],
    *,
    word_weight: float,
    ngram_range: tuple[int, int],
    max_df: float,
    persona_weight: float,
    persona_min_df: int,
    doc_concepts: Sequence[Sequence[str]] = (),
    concept_weight: float = 0.0,
) -> tuple[Any, dict[str, float]]:
    """The items' pairwise similarity (dense, n × n) and the stems' idf: the cosine of the items' unit blocks
    (stems, char n-grams, concepts) concatenated with their weights; an empty block adds no length."""
    # scikit-learn takes about 4 s to import cold and 1 s warm (measured on the 2-core machine); only a
    # suggestion run needs it, so the app and this module start without it.
    import numpy as np  # start-up: see above
    from sklearn.feature_extraction.text import TfidfVectorizer  # start-up: see above
    from sklearn.preprocessing import normalize  # start-up: see above

    n = len(doc_stems)
    # max_df only makes sense on a sizeable input: in a handful of notes, one shared word is the theme.
    df_limit = max_df if n >= 10 else 1.0
    persona_keys = sorted(set(personas))
    persona_index = [persona_keys.index(p) for p in personas]

    def weighted(matrix: Any) -> Any:
        if persona_weight > 0 and len(persona_keys) > 1:
            binary = (matrix > 0).astype(float)
            w = _persona_weights(binary, persona_index, len(persona_keys), persona_weight, persona_min_df)
            matrix = matrix.multiply(w.reshape(1, -1)).tocsr()
        return normalize(matrix)

    words = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, max_df=df_limit, norm=None)
    try:
        word_matrix = words.fit_transform(doc_stems)
        idf = dict(zip(words.get_feature_names_out(), words.idf_.tolist(), strict=True))
    except ValueError:  # no stem survived (every text was stop words)
        word_matrix, idf = None, {}
    sims = np.zeros((n, n))
    norm2 = np.zeros(n)  # each item's squared vector length: the weights of its non-empty blocks

    def add(matrix: Any, weight: float) -> None:
        nonlocal sims, norm2
        sims += weight * (matrix @ matrix.T).toarray()
        norm2 += weight * (np.asarray(matrix.getnnz(axis=1)).ravel() > 0)

    if word_matrix is not None and word_weight > 0:
        add(weighted(word_matrix), word_weight)
    if word_weight < 1:
        chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=ngram_range, sublinear_tf=True, max_df=df_limit, norm=None, lowercase=False
        )
        try:
            add(weighted(chars.fit_transform([" ".join(stems) for stems in doc_stems])), 1.0 - word_weight)
        except ValueError:
            pass
    if concept_weight > 0 and any(doc_concepts):
        concepts = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, max_df=df_limit, norm=None)
        try:
            add(normalize(concepts.fit_transform(doc_concepts)), concept_weight)
        except ValueError:  # every concept in more than max_df of the items
            pass
        length = np.sqrt(np.where(norm2 > 0, norm2, 1.0))
        sims = sims / np.outer(length, length)
    np.fill_diagonal(sims, 1.0)
    return sims, idf


def _identity(doc: Sequence[str]) -> Sequence[str]:
    return doc


def similarities(
    items: Sequence[ThemeInput],
    *,
    persona_names: Iterable[str] = (),
    decompound: bool = True,
    word_weight: float = DEFAULT_WORD_WEIGHT,
    ngram_range: tuple[int, int] = DEFAULT_NGRAM_RANGE,
    max_df: float = DEFAULT_MAX_DF,
    persona_weight: float = DEFAULT_PERSONA_WEIGHT,
    persona_min_df: int = DEFAULT_PERSONA_MIN_DF,
    concept_weight: float = DEFAULT_CONCEPT_WEIGHT,
) -> tuple[list[list[tuple[str, str]]], Any, dict[str, float]]:
    """Steps 1–5 for ``items``: each item's (surface word, stem) tokens, the pairwise similarity (n × n) and
    the stems' idf (what the suggester and :mod:`sessions.themes.nearest` compare with)."""
    exclude = _name_words([it.persona for it in items] + list(persona_names))
    doc_tokens = [tokens(it.text, exclude=exclude) for it in items]
    doc_stems = [[s for _, s in toks] for toks in doc_tokens]
    if decompound:
        parts = _compound_parts(doc_stems)
        doc_stems = [[p for s in stems for p in (s, *parts.get(s, ()))] for stems in doc_stems]
    sims, idf = _similarity(
        doc_stems,
        [it.persona for it in items],
        word_weight=word_weight,
        ngram_range=ngram_range,
        max_df=max_df,
        persona_weight=persona_weight,
        persona_min_df=persona_min_df,
        doc_concepts=[sorted({c for surface, _ in toks for c in concepts_of(surface)}) for toks in doc_tokens],
        concept_weight=concept_weight,
    )
    return doc_tokens, sims, idf


# -- clustering --------------------------------------------------------------------------------------


def _cluster(sims: Any, indices: Sequence[int], threshold: float, max_size: int, step: float = 0.04) -> list[list[int]]:
    """Average-linkage clusters of ``indices`` (similarity ≥ ``threshold`` to merge), none larger than
    ``max_size``: an oversized cluster is clustered again with a stricter threshold."""
    import numpy as np  # start-up: as in _similarity
    from sklearn.cluster import AgglomerativeClustering  # start-up: as in _similarity

    if len(indices) < 2:
        return [list(indices)]
    sub = sims[np.ix_(indices, indices)]
    distance = np.clip(1.0 - sub, 0.0, None)
    np.fill_diagonal(distance, 0.0)
    labels = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=1.0 - threshold
    ).fit_predict(distance)
    groups: dict[int, list[int]] = {}
    for i, label in zip(indices, labels.tolist(), strict=True):
        groups.setdefault(label, []).append(i)
    out: list[list[int]] = []
    for group in groups.values():
        if len(group) > max_size and threshold + step < 1.0:
            out.extend(_cluster(sims, group, threshold + step, max_size, step))
        else:
            out.append(sorted(group))
    return sorted(out)


# -- suggestions -------------------------------------------------------------------------------------


def suggest_themes(
    items: Sequence[ThemeInput],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    word_weight: float = DEFAULT_WORD_WEIGHT,
    cross_persona_bonus: float = DEFAULT_CROSS_PERSONA_BONUS,
    ngram_range: tuple[int, int] = DEFAULT_NGRAM_RANGE,
    max_df: float = DEFAULT_MAX_DF,
    persona_weight: float = DEFAULT_PERSONA_WEIGHT,
    persona_min_df: int = DEFAULT_PERSONA_MIN_DF,
    concept_weight: float = DEFAULT_CONCEPT_WEIGHT,
    decompound: bool = True,
    max_share: float = DEFAULT_MAX_SHARE,
    min_max_size: int = 8,
    min_size_single_persona: int = 2,
    max_terms: int = 2,
    sure_similarity: float = SURE_SIMILARITY,
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
    doc_tokens, sims, idf = similarities(
        items,
        persona_names=persona_names,
        decompound=decompound,
        word_weight=word_weight,
        ngram_range=ngram_range,
        max_df=max_df,
        persona_weight=persona_weight,
        persona_min_df=persona_min_df,
        concept_weight=concept_weight,
    )
    personas = [it.persona for it in items]
    if cross_persona_bonus:
        import numpy as np  # start-up: as in _similarity

        keys = np.asarray([sorted(set(personas)).index(p) for p in personas])
        sims = sims + cross_persona_bonus * (keys[:, None] != keys[None, :])

    suggestions: list[ThemeSuggestion] = []
    max_size = max(min_max_size, math.ceil(max_share * len(items)))
    for group in _cluster(sims, list(range(len(items))), threshold, max_size):
        if len(group) < 2:
            continue
        group_personas = tuple(sorted({personas[i] for i in group}))
        if len(group_personas) == 1 and len(group) < min_size_single_persona:
            continue
        pairs = [(a, b) for x, a in enumerate(group) for b in group[x + 1 :]]
        cohesion = math.fsum(float(sims[a, b]) for a, b in pairs) / len(pairs)
        terms, why = describe(group, doc_tokens, idf, max_terms)
        span = max(sure_similarity - threshold, 1e-9)
        confidence = min(1.0, max(0.0, (cohesion - threshold) / span))
        suggestions.append(
            ThemeSuggestion(
                member_ids=tuple(items[i].id for i in group),
                personas=group_personas,
                name=" · ".join(terms),
                terms=terms,
                cohesion=round(cohesion, 6),
                shared_words=why,
                confidence=round(confidence, 2),
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
    **options: Any,
) -> list[ThemeSuggestion]:
    """Re-cluster one theme's contributions into smaller themes (the board's "split" action).

    With ``threshold`` given, one run at that threshold. Otherwise the threshold is raised from the
    default in ``step``\\ s until the members fall into at least two suggestions (at most 1.0). Leftover
    contributions are in no suggestion; an empty list means no sensible split was found.
    """
    if threshold is not None:
        return suggest_themes(items, threshold=threshold, **options)
    t = DEFAULT_THRESHOLD
    while t <= 1.0:
        t += step
        found = suggest_themes(items, threshold=t, **options)
        if len(found) >= 2:
            return found
        if not found:
            return []
    return []

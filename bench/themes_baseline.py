"""The stdlib-only theme suggester that sessions.themes used until issue 14, frozen as a benchmark baseline.

Over 400 lines for a reason: it is a verbatim copy of the former sessions/themes/text.py and suggest.py (hand-written
stemmer, TF-IDF and average-linkage clustering), kept in one file so bench/themes.py can score the current suggester
against it on the same data (only suggest_themes is kept: the old split action is not scored). Nothing in
the app imports it; do not develop it further.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

# -- normalisation and stop words ----------------------------------------------------------------

_BOKMAAL_STOP = """
alle andre annen annet at av bare begge ble bli blir blitt både da de deg dem den denne der deres det
dette din disse ditt du eller en enn er et ett etter for fordi fra før han hans har hatt hennes her hun
hva hvem hver hvilke hvilken hvis hvor hvordan hvorfor i ikke ingen inn jeg kan kom kun kunne man mange
med meg men mer mest meget min mine mitt mot mye må måtte nei noe noen når og også om opp oss over på
samme seg selv si sin sine sitt skal skulle slik slike som så sånn til uten ut var vart ved vi vil ville
vår våre vårt være vært andres ens hos henne hennar dens ja nå da dit hit der her
"""
_NYNORSK_STOP = """
at av berre bli blei blitt båe båe dei deim deira deires deg dere dykk dykkar då eg ein eit eitt elles
eller enn er et etter for fordi frå før han hans har henne hennar ho hoe honom hjå hoss hossen i ikkje
ingen ingi inkje inn ja kan kvar kvarhelst kven kvi kvifor korleis korso kva me medan meg mi min mine mitt
mot mykje må nei no noka noko nokon nokor nokre når og òg om opp oss på seg si sia sidan sin sine sitt
skal skulle slik so som somme somt så til um upp ut var vart vere verte vore vort varte vil ville vi vår
åt sjølv sjølve sjøl saman samstundes kvarandre einannan nokre anna andre annan meir mest fleire
dykkar vårt eigen eige eigne
"""
# Adverbs, prepositions and light verbs both written forms use, and workshop filler that any
# contribution may contain (a need is always "a need").
_COMMON_STOP = """
allerede allereie alt att bak blant bort derfor difor dessuten ellers elles altså enda endå ennå
fortsatt framleis fram frem først fyrst første gjennom hele heile helt heilt hverandre kvarandre igjen
imellom innen innan isteden istaden istedenfor like mellom mens mindre ned nesten nettopp omkring rundt
same samme sammen saman samtidig samstundes senere seinare siden sidan siste snart stadig større
tidligere tidlegare ting under uten utan ved vel flere fleire flest mest meste mange mykje mye
hvilket finnes fins finst vet veit vite sier seier si sa tror trur tenker tenkjer mener meiner ser sjå
se la lage lager laget eksempel døme type både hverken verken kvart hvert noe noko
behov behovet behova trenger treng trenge trengs trengst ønsker ønskjer ønske ønskje bør burde kunne
få får fått gjer gjør gjøre gjere gjort ha hatt gi gir gje gjev ta tar tek tatt gå går sette setje
veldig svært litt gjerne kanskje faktisk egentlig eigentleg alltid aldri ofte
godt god gode bra viktig viktigst viktigste mulig mogleg muleg ca feks f eks td t d osv evt mtp bl el
annet etc nok nokså ganske au nye ny nytt nya
"""

STOP_WORDS: frozenset[str] = frozenset((_BOKMAAL_STOP + _NYNORSK_STOP + _COMMON_STOP).split())

_LETTERS = re.compile(r"[^\W\d_]+")
_RUNS = re.compile(r"(.)\1{2,}")


def normalise(text: str) -> str:
    """NFKC, lowercase, only letters and single spaces; emoji, punctuation and digits become spaces."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _RUNS.sub(r"\1", text)
    return " ".join(_LETTERS.findall(text))


# -- stemming --------------------------------------------------------------------------------------

# Whole-word nynorsk → bokmål forms the suffix rules cannot bridge.
_WORD_VARIANTS: dict[str, str] = {
    "leie": "lede",
    "leier": "leder",
    "leia": "ledet",
    "leidde": "ledet",
    "leiast": "ledes",
    "stø": "støtte",
    "kome": "komme",
    "veit": "vet",
    "vite": "vite",
    "spørje": "spørre",
    "skjønar": "skjønner",
    "forstår": "forstå",
}
# Spelling rules applied inside words (also inside compounds), in this order.
_SUBSTRING_VARIANTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        ("rettleiing", "veiledning"),
        ("rettleiar", "veileder"),
        ("rettleie", "veilede"),
        ("(?<!p)leiing", "ledelse"),  # not sjukepleiing
        ("(?<!p)leiar", "leder"),  # not sjukepleiar
        ("kvardag", "hverdag"),
        ("heime", "hjemme"),
        ("teneste", "tjeneste"),
        ("tenest", "tjenest"),
        ("skule", "skole"),
        ("sjuke", "syke"),
        ("meistr", "mestr"),
        ("tilsett", "ansatt"),
        ("tillitsvald", "tillitsvalgt"),
        ("vidare", "videre"),
        ("utanfor", "utenfor"),
        ("eigen", "egen"),
        ("røynsle", "erfaring"),
        ("dugleik", "ferdighet"),
    )
)

_VOWELS = frozenset("aeiouyæøåéèêóòôàäöü")
# Inflectional endings, bokmål and nynorsk (longest first).
_STEP1: tuple[str, ...] = tuple(
    sorted(
        [
            *("heitene", "hetene", "hetenes", "heitane", "heitar", "heiter", "heita", "heiten"),
            *("heter", "heten", "heit", "het"),
            *("ingane", "ingene", "ingar", "inger", "ingen", "inga", "ing"),
            *("elsane", "elsene", "elsen", "elsa", "else"),
            *("arane", "arar", "erne", "arne", "eren"),
            *("endes", "ande", "ende", "edes", "enes", "erte", "ede", "ane", "ene", "ens", "ers", "ets"),
            *("ast", "ert", "este", "ere"),
            *("ar", "er", "as", "es", "et", "en", "a", "e", "je"),
        ],
        key=lambda s: (-len(s), s),
    )
)
# Derivational endings (after step 1).
_STEP3: tuple[str, ...] = tuple(
    sorted(
        ["hetslov", "eleg", "elig", "elov", "slov", "leg", "lig", "eig", "else", "els", "lov", "ig"],
        key=lambda s: (-len(s), s),
    )
)
_S_ENDING_OK = frozenset("bcdfghjlmnoprtvyz")


def _region1(word: str) -> int:
    """Snowball's R1: after the first non-vowel that follows a vowel, but at least 3 letters in."""
    for i in range(1, len(word)):
        if word[i] not in _VOWELS and word[i - 1] in _VOWELS:
            return max(3, i + 1)
    return len(word)


def _variant(word: str) -> str:
    word = _WORD_VARIANTS.get(word, word)
    for pattern, replacement in _SUBSTRING_VARIANTS:
        word = pattern.sub(replacement, word)
    return word


def stem(word: str) -> str:
    """A light stemmer for bokmål and nynorsk: «leiinga», «ledelsen», «leder» → ``led``.

    ``word`` is one normalised (lowercase) token.
    """
    word = _variant(word)
    if len(word) <= 3:
        return word
    r1 = _region1(word)
    for suffix in _STEP1:
        if word.endswith(suffix) and len(word) - len(suffix) >= r1:
            word = word[: -len(suffix)]
            # -ning after a consonant other than n: veiledning → veiled (but utdanning → utdann)
            if (
                suffix.startswith("ing")
                and word.endswith("n")
                and len(word) - 1 >= r1
                and word[-2] not in _VOWELS
                and word[-2] != "n"
            ):
                word = word[:-1]
            break
    else:
        # genitive -s, only on longer words (kurs, prosess and the like keep theirs)
        if len(word) >= 6 and word.endswith("s") and len(word) - 1 >= r1 and word[-2] in _S_ENDING_OK:
            word = word[:-1]
    if word.endswith(("dt", "vt")) and len(word) - 1 >= r1:
        word = word[:-1]
    for suffix in _STEP3:
        if word.endswith(suffix) and len(word) - len(suffix) >= r1:
            word = word[: -len(suffix)]
            break
    return word


def _name_words(values: Iterable[str]) -> frozenset[str]:
    words: set[str] = set()
    for value in values:
        words.update(normalise(value).split())
    return frozenset(w for w in words if len(w) >= 2)


def tokens(text: str, *, exclude: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """(surface word, stem) for each content word of ``text``, in order.

    Stop words of both written forms are dropped, and so are words in ``exclude`` (persona names; also
    their genitive: «Tronds»).
    """
    out: list[tuple[str, str]] = []
    for word in normalise(text).split():
        if len(word) < 2 or word in STOP_WORDS or word in exclude:
            continue
        if word.endswith("s") and word[:-1] in exclude:
            continue
        s = stem(word)
        if len(s) < 2 or s in STOP_WORDS:
            continue
        out.append((word, s))
    return out


def _compound_parts(doc_stems: Sequence[Sequence[str]]) -> dict[str, tuple[str, str]]:
    """Split compound stems into two stems that also occur on their own in the same input.

    «kompetanseplan» → (kompetans, plan) when both «kompetanse» and «plan» are used elsewhere;
    «omstillingsprosess» → (omstill, prosess) over the linking -s-. Parts are at least 3 letters; the
    split with the longest shorter part wins (ties: the earlier split).
    """
    vocab = {s for stems in doc_stems for s in stems}
    parts: dict[str, tuple[str, str]] = {}
    for word in sorted(vocab):
        if len(word) < 7:
            continue
        best: tuple[int, int, str, str] | None = None
        for k in range(3, len(word) - 2):
            left_raw, right_raw = word[:k], word[k:]
            right = stem(right_raw)
            if right not in vocab or len(right) < 3:
                continue
            for left_try in (left_raw, left_raw[:-1] if left_raw.endswith(("s", "e")) else None):
                if not left_try or len(left_try) < 3:
                    continue
                left = left_try if left_try in vocab else stem(left_try)
                if left in vocab and left != word and right != word:
                    key = (min(len(left), len(right)), -k, left, right)
                    if best is None or key > best:
                        best = key
        if best is not None:
            parts[word] = (best[2], best[3])
    return parts





__all__ = [
    "ThemeInput",
    "ThemeSuggestion",
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

"""Text for the theme suggester: normalisation, bokmål and nynorsk stop words, stemming, tokens, compounds."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

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



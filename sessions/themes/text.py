"""Text for the theme suggester: normalisation, bokmål and nynorsk stop words, spelling rules, stems, tokens."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence

import snowballstemmer

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


# -- stemming ------------------------------------------------------------------------------------
#
# Stemming is Snowball's Norwegian stemmer (``snowballstemmer``). It knows bokmål endings; what is ours
# is a handful of nynorsk → bokmål spelling rules applied first, so that «leiinga», «ledelsen» and
# «leder» meet, and a few inflections Snowball leaves alone (-arane, -erne, -heit).

# Whole-word nynorsk → bokmål forms the rules below cannot bridge.
_WORD_VARIANTS: dict[str, str] = {
    "leie": "lede",
    "leier": "leder",
    "leia": "ledet",
    "leidde": "ledet",
    "leiast": "ledes",
    "stø": "støtte",
    "kome": "komme",
    "veit": "vet",
    "spørje": "spørre",
    "skjønar": "skjønner",
    "kollegaer": "kollega",
    "kollegaene": "kollega",
    "kollegane": "kollega",
    "kolleger": "kollega",
    "kollegene": "kollega",
    "kollegaen": "kollega",
    "born": "barn",
    "borna": "barna",
}
# Spelling rules applied inside words (also inside compounds), in this order.
_SUBSTRING_VARIANTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        ("rettleiing", "veiledning"),
        ("rettleiar", "veileder"),
        ("rettleie", "veilede"),
        ("(?<!p)leiinga", "ledelsen"),
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
        ("tryggleik", "sikkerhet"),
        ("løysing", "løsning"),
        ("bustad", "bolig"),
    )
)
# Word endings: nynorsk plural and derived forms, and the bokmål plural definite Snowball keeps.
_ENDING_VARIANTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern + "$"), replacement)
    for pattern, replacement in (
        ("(?<=..)(arane|erane|arar|erar|erne)", "ere"),  # lærarane, leiarar, lærerne → lærere
        ("heit(ar|er|ane|ene|a|en)?", r"het\1"),  # ferdigheiter → ferdigheter
        ("(?<=[gk])je", "e"),  # planleggje → planlegge
    )
)

# A Snowball stemmer keeps state between calls, so each thread (the hub's pool runs the suggester) has its own.
_local = threading.local()


def _variant(word: str) -> str:
    word = _WORD_VARIANTS.get(word, word)
    for pattern, replacement in _SUBSTRING_VARIANTS:
        word = pattern.sub(replacement, word)
    for pattern, replacement in _ENDING_VARIANTS:
        word = pattern.sub(replacement, word)
    return word


def stem(word: str) -> str:
    """Snowball's Norwegian stem of ``word`` after the nynorsk → bokmål rules: «leiinga», «ledelsen» → ``led``.

    ``word`` is one normalised (lowercase) token.
    """
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("norwegian")
    word = _variant(word)
    stemmed = str(stemmer.stemWord(word))
    if len(word) < 6 and stemmed == word[:-1] and word.endswith("s"):
        return word  # a short word's s is part of it (kurs, hus), not a genitive
    return stemmed


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



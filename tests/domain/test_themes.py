"""Theme suggestions (sessions.themes): Norwegian text handling, clustering behaviour and quality.

Pure domain tests: no Flask, no database. The quality test runs the suggester and the two baselines of
bench/themes.py on the labelled set in tests/data/themes_nb.json. No timing assertions here; the time for
1,000 contributions is measured by the benchmark.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import unicodedata
from pathlib import Path
from types import ModuleType

import pytest

from sessions.themes.suggest import (
    ThemeInput,
    ThemeSuggestion,
    split_theme,
    suggest_themes,
)
from sessions.themes.text import STOP_WORDS, normalise, stem, tokens

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "themes_nb.json"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_themes", ROOT / "bench" / "themes.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _bench()


@pytest.fixture(scope="module")
def labelled() -> tuple[list[ThemeInput], dict[object, str], dict]:
    return bench.load(DATA)


@pytest.fixture(scope="module")
def suggestions(labelled) -> list[ThemeSuggestion]:  # type: ignore[no-untyped-def]
    items, _, _ = labelled
    return suggest_themes(items)


# -- the labelled set --------------------------------------------------------------------------------


def test_the_labelled_set_is_what_the_benchmark_claims(labelled) -> None:  # type: ignore[no-untyped-def]
    _, gold, doc = labelled
    rows = doc["items"]
    assert len(rows) >= 180
    assert len({r["id"] for r in rows}) == len(rows)
    assert {r["persona"] for r in rows} == {"ine", "nils", "silje", "trond", "torunn"}
    assert {r["kind"] for r in rows} == {"need", "solution"}
    assert 10 <= len(doc["themes"]) <= 16 and set(gold.values()) == set(doc["themes"])
    assert all(5 <= len(r["text"].split()) <= 40 for r in rows)
    nynorsk = sum(r["form"] == "nn" for r in rows) / len(rows)
    assert 0.25 <= nynorsk <= 0.4
    spans = {t: {r["persona"] for r in rows if r["theme"] == t} for t in doc["themes"]}
    assert len(spans["ledelse_omstilling"]) >= 4  # the minutes' finding: four of five personas
    assert sum(len(p) > 1 for p in spans.values()) >= 10
    assert any(len(p) == 1 for p in spans.values())  # and some persona-specific themes
    assert any(any(ord(c) > 0x2000 for c in r["text"]) for r in rows)  # some emoji
    assert any(r["text"].isupper() for r in rows) or any(
        sum(w.isupper() and len(w) > 3 for w in r["text"].split()) >= 2 for r in rows
    )


# -- Norwegian text ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nynorsk", "bokmaal"),
    [
        ("ikkje", "ikke"),
        ("eg", "jeg"),
        ("ho", "hun"),
        ("kva", "hva"),
        ("korleis", "hvordan"),
        ("dei", "de"),
        ("frå", "fra"),
        ("noko", "noe"),
        ("kven", "hvem"),
        ("berre", "bare"),
        ("sjølv", "selv"),
        ("medan", "mens"),
        ("fleire", "flere"),
        ("kvifor", "hvorfor"),
    ],
)
def test_stop_words_cover_both_written_forms(nynorsk: str, bokmaal: str) -> None:
    assert nynorsk in STOP_WORDS and bokmaal in STOP_WORDS


def test_content_words_are_not_stop_words() -> None:
    for word in ("ledelse", "leiing", "kurs", "velferdsteknologi", "rekruttering", "mentor", "tid", "samarbeid"):
        assert word not in STOP_WORDS, word


def test_a_sentence_of_function_words_has_no_tokens() -> None:
    assert tokens("Eg veit ikkje korleis ho skal gjere det") == []
    assert tokens("Jeg vet ikke hvordan hun skal gjøre det") == []


def test_normalise_strips_emoji_punctuation_and_case() -> None:
    assert normalise("KOMPETANSEHEVING FOR LEDERE!! 💪") == "kompetanseheving for ledere"
    assert normalise("f.eks. «kurs» (2 dager) ⏰") == "f eks kurs dager"
    assert normalise("tiiid!!") == "tid"
    # NFKC: a ligature and full-width letters become plain letters
    assert normalise("ﬁnne ＫＵＲＳ") == "finne kurs"
    assert normalise(unicodedata.normalize("NFD", "rettleiing på Østlandet")) == "rettleiing på østlandet"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("leiinga", "ledelsen"),
        ("leiar", "leder"),
        ("skulen", "skolen"),
        ("heimetenesta", "hjemmetjenesten"),
        ("sjukepleiarar", "sykepleiere"),
        ("lærarane", "lærerne"),
        ("tilsette", "ansatte"),
        ("kvardagsmeistring", "hverdagsmestring"),
        ("rettleiing", "veiledning"),
        ("tverrfagleg", "tverrfaglig"),
        ("omstillinga", "omstillingen"),
        ("utdanninga", "utdanningen"),
        ("planleggje", "planlegge"),
        ("tillitsvalde", "tillitsvalgte"),
        ("kursa", "kurset"),
        ("brukast", "brukes"),
    ],
)
def test_stemming_maps_nynorsk_and_bokmaal_forms_together(a: str, b: str) -> None:
    assert stem(a) == stem(b)


def test_stemming_keeps_different_words_apart() -> None:
    assert stem("kurs") != stem("kultur")
    assert stem("rektor") != stem("rekruttering")
    assert stem("sykepleier") != stem("leder")  # «sjukepleiar» must not become a «leder»
    assert stem("sjukepleiar") != stem("leiar")


@pytest.mark.parametrize(
    ("words", "concept"),
    [
        (("mentor", "mentorordning", "fadderordning", "rettleiar", "rettleiing", "veiledning", "kollegaveiledning"), "mentor"),
        (("rekruttere", "rekrutteringskampanje", "utlysing", "søkjar", "søkere", "tilsetting"), "rekruttering"),
        (("lederutvikling", "leiarutvikling", "leiing", "ledelse", "avdelingsleiar", "mellomlederne"), "ledelse"),
        (("hospitering", "jobbrotasjon"), "hospitering"),
        (("kompetanseplan", "kompetanseplanlegging", "kartlegging", "kartleggje"), "kompetanseplan"),
        (("nettkurs", "kursing", "opplæring", "opplæringa"), "kurs"),
    ],
)
def test_domain_concepts_join_bokmaal_nynorsk_and_compound_forms(words: tuple[str, ...], concept: str) -> None:
    from sessions.themes.concepts import concepts_of

    for word in words:
        assert concept in concepts_of(word), word


def test_domain_concepts_do_not_match_inside_unrelated_words() -> None:
    from sessions.themes.concepts import concepts_of

    assert concepts_of("avdelingen") == ()  # «deling» (sharing) is not inside «avdeling»
    assert "ledelse" not in concepts_of("ledig")
    assert concepts_of("kommunen") == ()


def test_persona_names_are_not_terms() -> None:
    found = [s for _, s in tokens("Nils og Tronds kolleger treng kurs", exclude=frozenset({"nils", "trond"}))]
    assert found == [stem("kolleger"), stem("kurs")]


# -- behaviour ---------------------------------------------------------------------------------------


def _it(i: int, text: str, persona: str) -> ThemeInput:
    return ThemeInput(id=i, text=text, persona=persona, kind="need")


def test_empty_and_single_inputs_give_no_suggestions() -> None:
    assert suggest_themes([]) == []
    assert suggest_themes([_it(1, "korte kurs for dei tilsette", "nils")]) == []
    assert split_theme([]) == []


def test_two_unrelated_contributions_give_no_suggestion() -> None:
    items = [_it(1, "velferdsteknologi i heimetenesta", "nils"), _it(2, "sosial arena for studentane", "ine")]
    assert suggest_themes(items) == []


def test_a_small_obvious_grouping() -> None:
    items = [
        _it(1, "Korte kurs så Nils kan stå i jobb", "nils"),
        _it(2, "korte kurs for lærarane i staden for eit heilt år", "trond"),
        _it(3, "Kortere kurs på arbeidsplassen", "torunn"),
        _it(4, "Silje treng ein mentor i omstillinga", "silje"),
        _it(5, "Mentor for nye rektorar", "silje"),
        _it(6, "mentorordning for nytilsette", "torunn"),
    ]
    found = suggest_themes(items)
    groups = {frozenset(s.member_ids) for s in found}
    assert frozenset({1, 2, 3}) in groups
    assert frozenset({4, 5, 6}) in groups  # «mentorordning» joins «mentor» (the domain concept «mentor»)
    names = {frozenset(s.member_ids): s for s in found}
    assert "kurs" in names[frozenset({1, 2, 3})].name
    assert "mentor" in names[frozenset({4, 5, 6})].name
    assert names[frozenset({4, 5, 6})].shared_words[0] == "mentor"
    assert all(0.0 <= s.confidence <= 1.0 for s in found)


def test_no_singletons_and_no_overlap(labelled, suggestions) -> None:  # type: ignore[no-untyped-def]
    items, _, _ = labelled
    assert suggestions
    seen: set[object] = set()
    for s in suggestions:
        assert s.size >= 2
        assert not seen & set(s.member_ids)
        seen |= set(s.member_ids)
        assert s.personas == tuple(sorted({it.persona for it in items if it.id in s.member_ids}))
    assert seen <= {it.id for it in items}


def test_cross_persona_suggestions_come_first(suggestions) -> None:  # type: ignore[no-untyped-def]
    flags = [s.cross_persona for s in suggestions]
    assert flags == sorted(flags, reverse=True)
    assert sum(flags) >= len(flags) // 2


def test_cross_persona_bonus_prefers_pairs_across_personas() -> None:
    across = [_it(1, "korte kurs på arbeidsplassen", "nils"), _it(2, "korte kurs for lærarane", "trond")]
    within = [_it(1, "korte kurs på arbeidsplassen", "nils"), _it(2, "korte kurs for kollegaene", "nils")]
    # at a threshold no plain similarity reaches, only the bonus can merge, and only across personas
    assert suggest_themes(across, threshold=0.99) == []
    assert len(suggest_themes(across, threshold=0.99, cross_persona_bonus=1.0)) == 1
    assert suggest_themes(within, threshold=0.99, cross_persona_bonus=1.0) == []


def test_single_persona_groups_can_be_required_to_be_larger() -> None:
    items = [_it(1, "sosial arena for studentane", "ine"), _it(2, "ein sosial arena for studentar i byen", "ine")]
    assert len(suggest_themes(items)) == 1
    assert suggest_themes(items, min_size_single_persona=3) == []


def test_names_are_readable_norwegian_words_from_the_members(labelled, suggestions) -> None:  # type: ignore[no-untyped-def]
    items, _, _ = labelled
    text_of = {it.id: normalise(it.text).split() for it in items}
    for s in suggestions:
        assert s.name and s.terms and s.name == " · ".join(s.terms)
        assert 1 <= len(s.terms) <= 2
        words = {w for mid in s.member_ids for w in text_of[mid]}
        for term in s.terms:
            assert term.isalpha() and term == term.lower() and len(term) >= 3, term
            assert term in words, (term, s.name)  # a real word someone wrote, not a stem
            assert term not in STOP_WORDS


def test_the_minutes_finding_leadership_in_change_is_suggested_across_personas(labelled, suggestions) -> None:  # type: ignore[no-untyped-def]
    _, gold, _ = labelled
    best = max(suggestions, key=lambda s: sum(gold[m] == "ledelse_omstilling" for m in s.member_ids))
    hits = sum(gold[m] == "ledelse_omstilling" for m in best.member_ids)
    assert hits >= 10 and hits / best.size > 0.5
    assert len(best.personas) >= 3
    assert any(t in best.name for t in ("ledelse", "leiing", "leder", "leiar", "lede"))


def test_output_is_deterministic(labelled) -> None:  # type: ignore[no-untyped-def]
    items, _, _ = labelled
    assert suggest_themes(items) == suggest_themes(items)
    assert suggest_themes(items[:60]) == suggest_themes(list(items[:60]))


def test_output_does_not_depend_on_the_hash_seed() -> None:
    code = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from sessions.themes.suggest import ThemeInput, suggest_themes\n"
        f"doc = json.load(open({str(DATA)!r}, encoding='utf-8'))\n"
        "items = [ThemeInput(r['id'], r['text'], r['persona'], r['kind']) for r in doc['items']]\n"
        "print(json.dumps([[list(s.member_ids), s.name, s.cohesion] for s in suggest_themes(items)]))\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout
        for seed in ("0", "1", "12345")
    }
    assert len(outputs) == 1 and json.loads(outputs.pop())


def test_split_reclusters_a_theme_into_tighter_groups(labelled, suggestions) -> None:  # type: ignore[no-untyped-def]
    items, _, _ = labelled
    biggest = max(suggestions, key=lambda s: s.size)
    members = [it for it in items if it.id in biggest.member_ids]
    parts = split_theme(members)
    assert len(parts) >= 2
    ids = [m for p in parts for m in p.member_ids]
    assert len(ids) == len(set(ids)) and set(ids) <= set(biggest.member_ids)
    assert all(p.size < biggest.size for p in parts)
    # an explicit threshold is a single run
    assert split_theme(members, threshold=0.9) == suggest_themes(members, threshold=0.9)


# -- quality -----------------------------------------------------------------------------------------


def test_adjusted_rand_index_matches_known_values() -> None:
    assert bench.scores([0, 0, 1, 1], [0, 0, 1, 1])["ari"] == pytest.approx(1.0)
    assert bench.scores([0, 0, 1, 2], [0, 0, 1, 1])["ari"] == pytest.approx(0.5714285714)  # as sklearn
    assert bench.scores([0, 1, 0, 1], [0, 0, 1, 1])["ari"] == pytest.approx(-0.5)
    s = bench.scores(["a", "a", "b"], ["x", "x", "x"])
    assert s["precision"] == pytest.approx(1.0) and s["recall"] == pytest.approx(1 / 3)


@pytest.fixture(scope="module")
def whole_set():  # type: ignore[no-untyped-def]
    return bench.load_all()


def test_the_labelled_workshops_are_what_the_benchmark_claims(whole_set) -> None:  # type: ignore[no-untyped-def]
    items, gold, workshop_of, split_of, rows = whole_set
    assert len(rows) >= 400 and len({r["id"] for r in rows}) == len(rows)
    assert len(split_of) >= 6 and set(split_of.values()) == {"tune", "held_out"}
    # halves by workshop (six tuning, five fresh held-out), and the held-out half was written for it
    assert abs(sum(split_of[w] == "tune" for w in split_of) - sum(split_of[w] == "held_out" for w in split_of)) <= 1
    assert sum(r["form"] == "nn" for r in rows) / len(rows) >= 0.3
    held_out_rows = [r for r in rows if split_of[r["workshop"]] == "held_out"]
    assert len(held_out_rows) >= 200 and sum(r["form"] == "nn" for r in held_out_rows) / len(held_out_rows) >= 0.3
    assert all(4 <= len(r["text"].split()) <= 25 for r in rows if r["workshop"] != bench.FIRST_WORKSHOP)
    personas_of: dict[str, set[str]] = {}
    for r in rows:
        personas_of.setdefault(r["workshop"], set()).add(r["persona"])
    assert all(3 <= len(p) <= 5 for p in personas_of.values())
    assert len(set.union(*personas_of.values())) == sum(len(p) for p in personas_of.values())  # no persona in two
    recurring = bench.dataset_summary(rows, split_of)["theme_ids_in_several_workshops"]
    assert {"mentor", "digital_kompetanse", "lederutvikling", "rekruttering"} <= set(recurring)
    # most gold themes cut across personas
    spans: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        spans.setdefault((r["workshop"], r["theme"]), set()).add(r["persona"])
    assert sum(len(p) > 1 for p in spans.values()) >= 0.8 * len(spans)


@pytest.fixture(scope="module")
def split_summary(whole_set):  # type: ignore[no-untyped-def]
    items, gold, workshop_of, split_of, _ = whole_set
    summary, _ = bench.splits(items, gold, workshop_of, split_of)
    return summary


def test_suggestions_beat_the_baselines_on_the_tuning_workshops(split_summary) -> None:  # type: ignore[no-untyped-def]
    result = split_summary["tune"]
    ours, keyword, rnd = result["suggester"]["ari"], result["keyword"]["ari"], result["random"]["ari"]
    assert abs(rnd) < 0.05
    assert ours >= keyword + 0.1 and ours >= 1.5 * keyword, (ours, keyword)
    assert result["suggester"]["f1"] > result["keyword"]["f1"] + 0.1
    # and the pipeline it replaced (bench/themes_baseline.py), on ARI, F1 and cross-persona purity
    old = result["old"]
    assert ours > old["ari"] and result["suggester"]["f1"] > old["f1"], (result["suggester"], old)
    assert result["suggester"]["purity"] >= old["purity"]


def test_suggestions_on_the_fresh_held_out_workshops_beat_chance_keywords_and_the_old_pipeline(split_summary) -> None:  # type: ignore[no-untyped-def]
    """Written blind (by someone who had not seen the suggester), the held-out set is far harder than the
    tuning set (ARI about 0.1 against 0.55; see docs/performance.md): the suggester is ahead of random,
    keyword grouping and the old pipeline on ARI and cross-persona purity, but not on F1 against the old
    pipeline, which merges more freely. A regression below these fails."""
    result = split_summary["held_out"]
    ours, keyword, old = result["suggester"], result["keyword"], result["old"]
    assert abs(result["random"]["ari"]) < 0.05
    assert ours["ari"] > keyword["ari"] + 0.02 and ours["ari"] > old["ari"] + 0.01, (ours, keyword, old)
    assert ours["precision"] > old["precision"] + 0.05 and ours["precision"] > keyword["precision"] + 0.05
    assert ours["purity"] >= old["purity"]


def test_a_second_reader_finds_the_held_out_themes(whole_set, split_summary) -> None:  # type: ignore[no-untyped-def]
    """The held-out gold themes are there to be found: a second reader who grouped the same notes by hand
    without seeing them (tests/data/themes_heldout_reader2.json) covers every held-out note and agrees far
    above the suggester; the gap is the suggester's, not the labels'."""
    _, _, workshop_of, split_of, _ = whole_set
    held_out = {i for i, w in workshop_of.items() if split_of[w] == "held_out"}
    assert set(bench.load_reader()) == held_out
    result = split_summary["held_out"]
    assert result["reader"]["ari"] >= 0.7 and result["reader"]["purity"] >= 0.8, result["reader"]
    assert "reader" not in split_summary["all"] and "reader" not in split_summary["tune"]


def test_the_suggester_module_imports_without_scikit_learn() -> None:
    """scikit-learn costs seconds to import; only a suggestion run loads it (the app starts without it)."""
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "import sessions.themes.suggest, sessions.themes.suggestions\n"
        "assert 'sklearn' not in sys.modules, 'sklearn imported at start-up'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)

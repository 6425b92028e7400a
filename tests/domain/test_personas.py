"""Persona library: the shipped files load, and every schema rule rejects bad input."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pytest

from sessions.personas import checks as personas_checks
from sessions.personas import library as P
from sessions.personas import schema as personas_schema
from sessions.personas.checks import validate_persona_dict
from sessions.personas.library import load_library, parse_persona
from sessions.personas.schema import PersonaFileError, PersonaSpec

LIBRARY = Path(__file__).resolve().parents[2] / "personas"
SHIPPED = {"ine", "nils", "silje", "trond", "torunn"}

BACKGROUND = (
    "Kari er 34 år og har nettopp begynt som enhetsleder for teknisk drift i en liten kommune. "
    "Hun har ansvar for vei, vann og avløp og leder et lite fagmiljø der flere går av med pensjon.\n"
    "\n"
    "Kommunen har stram økonomi, og kravene til digital kartlegging øker. Kari lurer på hvordan "
    "hun skal bygge opp kompetansen i enheten uten å sende folk på lange kurs."
)


def good_dict(pid: str = "kari") -> dict:
    return {
        "schema": 1,
        "id": pid,
        "name": "Kari",
        "age": 34,
        "role": "Enhetsleder, teknisk drift",
        "card": "Kari er 34 år og nytilsatt enhetsleder i teknisk drift i en liten kommune.",
        "background": BACKGROUND,
        "questions": [
            "Hvilken kompetanse trenger Kari det første året som leder?",
            "Hvordan kan små kommuner samarbeide om smale fagområder?",
            "Hvem bør ha ansvaret for å følge opp tiltakene?",
        ],
        "tags": ["teknisk", "ledelse"],
    }


def _toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        esc = v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
        esc = "".join(f"\\u{ord(c):04x}" if ord(c) < 32 or ord(c) == 127 else c for c in esc)
        return f'"{esc}"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(v)


def to_toml(d: dict) -> str:
    return "".join(f"{k} = {_toml_value(v)}\n" for k, v in d.items())


def write(directory: Path, stem: str, data: dict | str) -> Path:
    path = directory / f"{stem}.toml"
    path.write_text(data if isinstance(data, str) else to_toml(data), encoding="utf-8")
    return path


def reject(tmp_path: Path, data: dict | str, stem: str = "kari") -> PersonaFileError:
    path = write(tmp_path, stem, data)
    with pytest.raises(PersonaFileError) as info:
        parse_persona(path)
    err = info.value
    assert err.path == str(path)
    assert str(err).startswith(f"{path}: ")
    return err


# --- the shipped library -----------------------------------------------------------------


def test_shipped_library_loads_without_errors():
    lib, errors = load_library(LIBRARY)
    assert errors == []
    assert set(lib) == SHIPPED


@pytest.mark.parametrize("pid", sorted(SHIPPED))
def test_each_shipped_file_parses_and_matches_minutes(pid):
    spec = parse_persona(LIBRARY / f"{pid}.toml")
    assert spec.id == pid
    assert spec.source == str(LIBRARY / f"{pid}.toml")
    assert personas_schema.QUESTIONS_MIN <= len(spec.questions) <= personas_schema.QUESTIONS_MAX
    assert all(q.endswith("?") for q in spec.questions)
    assert len(spec.background_paragraphs) >= 2


def test_shipped_facts():
    lib, _ = load_library(LIBRARY)
    ages = {pid: spec.age for pid, spec in lib.items()}
    assert ages == {"ine": 23, "nils": 40, "silje": 50, "trond": 55, "torunn": 55}
    assert lib["ine"].name == "Ine Innflytter"


# --- a valid dict / file -----------------------------------------------------------------


def test_valid_file_round_trip(tmp_path):
    path = write(tmp_path, "kari", good_dict())
    spec = parse_persona(path)
    assert isinstance(spec, PersonaSpec)
    assert spec.questions == tuple(good_dict()["questions"])
    assert spec.tags == ("teknisk", "ledelse")
    assert spec.background_paragraphs[0].startswith("Kari er 34 år")
    assert len(spec.background_paragraphs) == 2
    assert validate_persona_dict(spec.to_dict()) == dataclasses.replace(spec, source="")


def test_spec_is_frozen():
    spec = validate_persona_dict(good_dict())
    with pytest.raises(Exception):
        spec.age = 99  # type: ignore[misc]


def test_tags_are_optional(tmp_path):
    d = good_dict()
    del d["tags"]
    assert parse_persona(write(tmp_path, "kari", d)).tags == ()


def test_soft_wrapped_background_is_joined(tmp_path):
    d = good_dict()
    text = (
        'schema = 1\nid = "kari"\nname = "Kari"\nage = 34\nrole = "Enhetsleder"\n'
        'card = """\nKari er 34 år og nytilsatt enhetsleder\ni teknisk drift i en liten kommune.\n"""\n'
        'background = """\n' + BACKGROUND.replace("pensjon.", "pensjon.\n  ").replace(". Hun", ".\nHun") + '\n"""\n'
        "questions = " + _toml_value(d["questions"]) + "\n"
    )
    spec = parse_persona(write(tmp_path, "kari", text))
    assert spec.card == "Kari er 34 år og nytilsatt enhetsleder i teknisk drift i en liten kommune."
    assert spec.background.count("\n") == 2  # exactly one blank line between the two paragraphs
    assert len(spec.background_paragraphs) == 2


def test_ui_persona_without_id_and_schema():
    d = good_dict()
    del d["id"], d["schema"]
    spec = validate_persona_dict(d, require_id=False, require_schema=False)
    assert spec.id == ""
    with pytest.raises(PersonaFileError) as info:
        validate_persona_dict(d)
    assert info.value.field in {"schema", "id"}
    assert info.value.path == ""
    assert str(info.value).startswith("field '")


def test_ui_persona_with_bad_id_is_still_checked():
    d = good_dict(pid="Bad Id")
    with pytest.raises(PersonaFileError) as info:
        validate_persona_dict(d, require_id=False)
    assert info.value.field == "id"


# --- file-level problems -----------------------------------------------------------------


def test_invalid_toml_has_line_number(tmp_path):
    err = reject(tmp_path, 'schema = 1\nid = "kari"\nname = Kari\n')
    assert err.field is None
    assert "invalid TOML" in err.message
    assert "line 3" in err.message


def test_unreadable_file(tmp_path):
    path = tmp_path / "kari.toml"
    path.mkdir()  # a directory is not a readable file
    with pytest.raises(PersonaFileError) as info:
        parse_persona(path)
    assert info.value.path == str(path)
    assert info.value.field is None
    assert "cannot read" in info.value.message


def test_missing_file(tmp_path):
    with pytest.raises(PersonaFileError) as info:
        parse_persona(tmp_path / "nobody.toml")
    assert "cannot read" in str(info.value)
    assert "nobody.toml" in str(info.value)


def test_not_utf8(tmp_path):
    path = tmp_path / "kari.toml"
    path.write_bytes(to_toml(good_dict()).encode("latin-1"))
    with pytest.raises(PersonaFileError) as info:
        parse_persona(path)
    assert "UTF-8" in info.value.message


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "kari.toml"
    path.write_bytes(b"\xef\xbb\xbf" + to_toml(good_dict()).encode("utf-8"))
    assert parse_persona(path).id == "kari"


def test_too_large_file(tmp_path):
    d = good_dict()
    text = to_toml(d) + "# " + "x" * personas_schema.MAX_FILE_BYTES + "\n"
    err = reject(tmp_path, text)
    assert "too large" in err.message


# --- field rules ------------------------------------------------------------------------


@pytest.mark.parametrize("field", personas_schema.REQUIRED_FIELDS)
def test_missing_required_field(tmp_path, field):
    d = good_dict()
    del d[field]
    err = reject(tmp_path, d)
    assert err.field == field
    assert "missing" in err.message
    assert f"field '{field}'" in str(err)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("schema", "1"),
        ("schema", True),
        ("id", 7),
        ("name", 42),
        ("age", "23"),
        ("age", 23.5),
        ("age", 23.0),
        ("age", True),
        ("role", ["a"]),
        ("card", 1),
        ("background", ["x"]),
        ("questions", "Hva trenger hun?"),
        ("tags", "helse"),
    ],
)
def test_wrong_type(tmp_path, field, value):
    d = good_dict()
    d[field] = value
    err = reject(tmp_path, d)
    assert err.field == field
    assert f"field '{field}'" in str(err)


def test_age_message_format(tmp_path):
    d = good_dict()
    d["age"] = 90
    err = reject(tmp_path, d)
    assert str(err) == f"{tmp_path / 'kari.toml'}: field 'age': must be a whole number between 16 and 80, got 90"


@pytest.mark.parametrize(("age", "ok"), [(15, False), (16, True), (80, True), (81, False)])
def test_age_bounds(tmp_path, age, ok):
    d = good_dict()
    d["age"] = age
    path = write(tmp_path, "kari", d)
    if ok:
        assert parse_persona(path).age == age
    else:
        with pytest.raises(PersonaFileError) as info:
            parse_persona(path)
        assert info.value.field == "age"


@pytest.mark.parametrize(
    ("field", "lo", "hi"),
    [
        ("name", personas_schema.NAME_MIN_LEN, personas_schema.NAME_MAX_LEN),
        ("role", personas_schema.ROLE_MIN_LEN, personas_schema.ROLE_MAX_LEN),
        ("card", personas_schema.CARD_MIN_LEN, personas_schema.CARD_MAX_LEN),
        ("background", personas_schema.BACKGROUND_MIN_LEN, personas_schema.BACKGROUND_MAX_LEN),
    ],
)
def test_text_length_bounds(tmp_path, field, lo, hi):
    # exactly at the limits: accepted ("ø" counts as one character)
    for n in (lo, hi):
        d = good_dict()
        d[field] = "ø" * n
        assert len(getattr(validate_persona_dict(d), field)) == n
    # one outside each limit: rejected, with file name and field in the message
    for n in (lo - 1, hi + 1):
        d = good_dict()
        d[field] = "ø" * n
        err = reject(tmp_path, d)
        assert err.field == field
        assert f"{lo}–{hi} characters" in err.message


def test_whitespace_only_name_is_empty(tmp_path):
    d = good_dict()
    d["name"] = "   "
    err = reject(tmp_path, d)
    assert err.field == "name"
    assert "empty" in err.message


@pytest.mark.parametrize("field", ["name", "role"])
def test_single_line_fields_reject_line_breaks(tmp_path, field):
    d = good_dict()
    d[field] = "Kari\nNordmann"
    err = reject(tmp_path, d)
    assert err.field == field
    assert "single line" in err.message


def test_control_characters_rejected(tmp_path):
    d = good_dict()
    d["role"] = "Enhets\x07leder"
    err = reject(tmp_path, d)
    assert err.field == "role"
    assert "control" in err.message


@pytest.mark.parametrize("count", [0, 2, 5])
def test_questions_count(tmp_path, count):
    d = good_dict()
    d["questions"] = [f"Spørsmål nummer {i} om kompetanse?" for i in range(count)]
    err = reject(tmp_path, d)
    assert err.field == "questions"
    assert f"has {count}" in err.message


@pytest.mark.parametrize("count", [3, 4])
def test_questions_count_ok(count):
    d = good_dict()
    d["questions"] = [f"Spørsmål nummer {i} om kompetanse?" for i in range(count)]
    assert len(validate_persona_dict(d).questions) == count


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Hvorfor?", "characters"),  # too short
        ("H" * 200 + "?", "characters"),  # too long
        ("Hvilken kompetanse trenger Kari.", "end with '?'"),
        (17, "must be a string"),
        ("Hvilken\nkompetanse trenger Kari?", "single line"),
    ],
)
def test_bad_question(tmp_path, question, expected):
    d = good_dict()
    d["questions"][1] = question
    err = reject(tmp_path, d)
    assert err.field == "questions"
    assert "question 2" in err.message
    assert expected in err.message


def test_duplicate_question(tmp_path):
    d = good_dict()
    d["questions"][2] = d["questions"][0]
    err = reject(tmp_path, d)
    assert err.field == "questions"
    assert "repeats question 1" in err.message


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ([f"tag{i}" for i in range(personas_schema.TAGS_MAX + 1)], "at most"),
        (["Helse"], "write 'helse'"),
        (["to ord"], "lowercase word"),
        (["helse", "helse"], "twice"),
        (["x" * (personas_schema.TAG_MAX_LEN + 1)], "at most"),
        ([3], "must be a string"),
    ],
)
def test_bad_tags(tmp_path, tags, expected):
    d = good_dict()
    d["tags"] = tags
    err = reject(tmp_path, d)
    assert err.field == "tags"
    assert expected in err.message


def test_eight_tags_ok():
    d = good_dict()
    d["tags"] = [f"tag{i}" for i in range(personas_schema.TAGS_MAX)]
    d["tags"][0] = "helse-og-omsorg"
    assert len(validate_persona_dict(d).tags) == personas_schema.TAGS_MAX


def test_unknown_field_is_error_with_suggestion(tmp_path):
    d = good_dict()
    d["qestions"] = d.pop("questions")
    path = write(tmp_path, "kari", d)
    spec, errors = personas_checks.collect_persona_errors(P.tomllib.loads(path.read_text("utf-8")), path)
    assert spec is None
    fields = {e.field for e in errors}
    assert fields == {"qestions", "questions"}  # the typo, and therefore the missing field
    unknown = next(e for e in errors if e.field == "qestions")
    assert "unknown field" in unknown.message
    assert "did you mean 'questions'" in unknown.message
    with pytest.raises(PersonaFileError) as info:
        parse_persona(path)
    assert info.value.field in fields


def test_unknown_field_alone(tmp_path):
    d = good_dict()
    d["kommune"] = "Sør"
    err = reject(tmp_path, d)
    assert err.field == "kommune"
    assert "unknown field" in err.message


def test_unknown_table_is_error(tmp_path):
    text = to_toml(good_dict()) + "\n[extra]\nx = 1\n"
    err = reject(tmp_path, text)
    assert err.field == "extra"


@pytest.mark.parametrize("schema", [0, 2])
def test_schema_version(tmp_path, schema):
    d = good_dict()
    d["schema"] = schema
    err = reject(tmp_path, d)
    assert err.field == "schema"
    assert f"version {schema}" in err.message


def test_id_must_match_file_name(tmp_path):
    err = reject(tmp_path, good_dict(pid="kari"), stem="karianne")
    assert err.field == "id"
    assert "file name" in err.message


@pytest.mark.parametrize("pid", ["Kari", "k", "1kari", "kari nordmann", "kåre", "a" * 33])
def test_id_pattern(tmp_path, pid):
    err = reject(tmp_path, good_dict(pid=pid), stem="kari")
    assert err.field == "id"
    assert "not a valid id" in err.message


def test_id_max_length_ok(tmp_path):
    pid = "a" * 32
    assert parse_persona(write(tmp_path, pid, good_dict(pid=pid))).id == pid


def test_error_str_format_and_pickle():
    err = PersonaFileError("personas/ine.toml", "age", "must be a whole number between 16 and 80")
    assert str(err) == "personas/ine.toml: field 'age': must be a whole number between 16 and 80"
    assert str(PersonaFileError("personas/ine.toml", None, "invalid TOML")) == "personas/ine.toml: invalid TOML"
    again = pickle.loads(pickle.dumps(err))
    assert (again.path, again.field, again.message) == (err.path, err.field, err.message)


def test_collect_reports_every_problem():
    d = good_dict()
    d["age"] = 5
    d["card"] = "kort"
    d["questions"] = ["ingen spørsmålstegn her."] * 3
    spec, errors = personas_checks.collect_persona_errors(d, "x.toml")
    assert spec is None
    assert {e.field for e in errors} == {"age", "card", "questions"}


# --- the library loader ------------------------------------------------------------------


def test_one_bad_file_does_not_stop_the_others(tmp_path):
    write(tmp_path, "anna", good_dict("anna"))
    bad = good_dict("berit")
    bad["age"] = 200
    bad_path = write(tmp_path, "berit", bad)
    write(tmp_path, "cecilie", "this is = = not toml")
    write(tmp_path, "dina", good_dict("dina"))
    lib, errors = load_library(tmp_path)
    assert set(lib) == {"anna", "dina"}
    assert {e.path for e in errors} == {str(bad_path), str(tmp_path / "cecilie.toml")}
    age_err = next(e for e in errors if e.path == str(bad_path))
    assert age_err.field == "age"
    assert str(age_err).startswith(f"{bad_path}: field 'age': ")


def test_duplicate_id_is_error_for_second_file(tmp_path):
    first = write(tmp_path, "kari", good_dict("kari"))
    (tmp_path / "arkiv").mkdir()
    second = write(tmp_path / "arkiv", "kari", good_dict("kari"))
    lib, errors = load_library(tmp_path)
    assert list(lib) == ["kari"]
    assert lib["kari"].source == str(first)
    assert len(errors) == 1
    assert errors[0].path == str(second)
    assert errors[0].field == "id"
    assert "duplicate" in errors[0].message and str(first) in errors[0].message


def test_library_skips_hidden_and_underscore_and_non_toml(tmp_path):
    write(tmp_path, "kari", good_dict("kari"))
    (tmp_path / ".hidden.toml").write_text("broken = = =", encoding="utf-8")
    (tmp_path / "_utkast").mkdir()
    write(tmp_path / "_utkast", "ola", "broken = = =")
    (tmp_path / "notes.txt").write_text("not a persona", encoding="utf-8")
    lib, errors = load_library(tmp_path)
    assert list(lib) == ["kari"]
    assert errors == []


def test_library_missing_directory(tmp_path):
    lib, errors = load_library(tmp_path / "nope")
    assert lib == {}
    assert len(errors) == 1 and "not found" in errors[0].message


def test_library_order_is_deterministic(tmp_path):
    for pid in ["cecilie", "anna", "berit"]:
        write(tmp_path, pid, good_dict(pid))
    lib, errors = load_library(tmp_path)
    assert errors == []
    assert list(lib) == ["anna", "berit", "cecilie"]


def test_boolean_age_is_a_type_error_not_a_number(tmp_path):
    d = good_dict()
    d["age"] = True
    err = reject(tmp_path, d)
    assert err.field == "age"
    assert "got boolean" in err.message

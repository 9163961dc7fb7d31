"""One child, one reference (issue 17, finding 7): variants of one council id that look the same
(full-width, lower case, spaces around it) are the same child; ids that only look like it (a
Cyrillic letter, a zero-width space, a right-to-left override) are refused with the line named,
as are full-width dates and values holding a control character."""

from __future__ import annotations

from datetime import date

import pytest

from domain.child_ref import ChildReferences
from domain.errors import DomainError
from domain.placement import placement_id
from portal.imports.report import EPISODES, HEADER
from tests.ssda903_files import episode, header, import_files, register_authorities, write

DORSET = "838"
CHILD = "LCS-000123"


def full_width(text: str) -> str:
    """``text`` in the full-width forms of its ASCII letters, digits and punctuation."""
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


SAME_CHILD = {"full-width": full_width(CHILD), "lower case": "lcs-000123",
              "spaces around": "  LCS-000123 ", "ideographic space": "LCS-000123\u3000"}
LOOKALIKES = {
    "Cyrillic Es": ("L\u0421S-000123", "another alphabet"),
    "Greek Omicron": ("LCS-\u039f00123", "another alphabet"),
    "en dash": ("LCS\u2013000123", "another alphabet"),
    "Arabic-Indic digit": ("LCS-\u0660000123", "another alphabet"),
    "zero-width space": ("LCS-000\u200b123", "invisible character"),
    "right-to-left override": ("\u202eLCS-000123", "invisible character"),
    "left-to-right mark": ("LCS-000123\u200e", "invisible character"),
    "escape": ("LCS-\x1b000123", "control character"),
}


@pytest.fixture
def svc(services):
    register_authorities(services.portal)
    return services


def problems(report) -> list[tuple]:
    return [(p.file, p.line, p.column, p.reason) for p in report.sorted_problems()]


def children_stored(svc) -> int:
    with svc.engine.connect() as c:
        from sqlalchemy import func, select

        from projections.placements import placement_children

        svc.projections.catch_up()
        return c.execute(select(func.count()).select_from(placement_children)).scalar_one()


@pytest.mark.parametrize("variant", SAME_CHILD.values(), ids=SAME_CHILD.keys())
def test_variants_of_one_id_are_one_reference(variant):
    refs = ChildReferences(b"k" * 32)
    assert refs.reference(DORSET, variant) == refs.reference(DORSET, CHILD)


@pytest.mark.parametrize(("lookalike", "why"), LOOKALIKES.values(), ids=LOOKALIKES.keys())
def test_an_id_that_only_looks_like_another_is_refused(lookalike, why):
    with pytest.raises(DomainError, match=why) as raised:
        ChildReferences(b"k" * 32).reference(DORSET, lookalike)
    assert raised.value.field == "child_id"
    assert "000123" not in raised.value.message  # the id is never repeated back


def test_an_accented_latin_letter_is_its_own_letter():
    refs = ChildReferences(b"k" * 32)
    assert refs.reference(DORSET, "G\u00c92") == refs.reference(DORSET, "ge\u03012")
    assert refs.reference(DORSET, "G\u00c92") != refs.reference(DORSET, "GE2")


def test_upper_case_ids_keep_the_reference_they_always_had():
    """Upper-casing (not lower-casing) leaves every existing upper-case or numeric id's
    reference as it was before ids were normalised."""
    import base64
    import hashlib
    import hmac

    secret = b"k" * 32
    key = hmac.new(secret, f"authority:{DORSET}".encode(), hashlib.sha256).digest()
    before = "C" + base64.b32encode(
        hmac.new(key, CHILD.encode(), hashlib.sha256).digest()).decode()[:12]
    assert ChildReferences(secret).reference(DORSET, CHILD) == before


def test_an_import_with_every_variant_holds_one_child_and_names_each_refused_line(
        svc, tmp_path):
    # Each variant's episode follows the one before, so one child with five episodes results.
    ids = [CHILD, *SAME_CHILD.values()]
    starts = [date(2024, 1 + 2 * n, 1) for n in range(len(ids))]
    rows = [episode(child, start, end=starts[n + 1] if n + 1 < len(ids) else None,
                    rec="X1" if n + 1 < len(ids) else "")
            for n, (child, start) in enumerate(zip(ids, starts, strict=True))]
    rows += [episode(lookalike, date(2025, 1, 1)) for lookalike, _ in LOOKALIKES.values()]
    report = import_files(svc, write(tmp_path / "e.csv", rows),
                          write(tmp_path / "h.csv", [header(CHILD, date(2012, 5, 1))]))
    first_lookalike = len(ids) + 2
    refused = [(line, column) for _, line, column, _ in problems(report)]
    assert refused == [(line, "CHILD") for line in
                       range(first_lookalike, first_lookalike + len(LOOKALIKES))]
    for (_, _, _, reason), (_, why) in zip(problems(report), LOOKALIKES.values(), strict=True):
        assert why in reason
    assert "000123" not in repr(report.to_dict())
    authority = svc.portal.get_authority(DORSET).id
    child = svc.portal.repository.get(
        placement_id(authority, svc.child_refs.reference(DORSET, CHILD)))
    assert len(child.episodes) == len(ids)
    assert children_stored(svc) == 1


def test_full_width_dates_are_refused_with_the_line_named(svc, tmp_path):
    rows = [episode("W1", date(2025, 1, 1)), episode("W2", date(2025, 1, 1))]
    rows[1]["DECOM"] = full_width("01") + "/01/2025"
    head = [header("W1", date(2012, 5, 1)), header("W2", date(2012, 5, 1))]
    head[0]["DOB"] = full_width("2012-05-01")
    report = import_files(svc, write(tmp_path / "e.csv", rows), write(tmp_path / "h.csv", head))
    assert (EPISODES, 3, "DECOM", "DECOM (the date the episode started) must be a real date "
                                  "like 31/03/2025") in problems(report)
    assert (HEADER, 2, "DOB", "DOB (date of birth) must be a real date like 31/03/2025") \
        in problems(report)
    assert children_stored(svc) == 0


def test_a_control_character_in_any_column_is_refused_with_its_line(svc, tmp_path):
    rows = [episode("K1", date(2025, 1, 1)), episode("K2", date(2025, 1, 1), place="U\x1b4"),
            episode("K3", date(2025, 1, 1), home="DT1\x07 1AB"),
            episode("K\x1b4", date(2025, 1, 1))]
    report = import_files(svc, write(tmp_path / "e.csv", rows),
                          write(tmp_path / "h.csv", [header(f"K{n}", date(2012, 5, 1))
                                                     for n in range(1, 5)]))
    found = problems(report)
    assert [(line, column) for _, line, column, _ in found] == [
        (3, "PLACE"), (4, "HOME_POST"), (5, "CHILD")]
    assert all("control character" in reason for *_, reason in found)
    assert children_stored(svc) == 1


def test_a_nul_past_the_first_block_is_refused_with_its_line(svc, tmp_path):
    """A NUL near the start makes the whole file "not a text file"; one further in (past the
    part sniffed for binary data) is found on its own line."""
    rows = [episode(f"N{n}", date(2025, 1, 1)) for n in range(1, 1201)]
    rows[-1]["URN"] = "SC12\x003456"
    path = write(tmp_path / "e.csv", rows)
    assert path.read_bytes().index(b"\x00") > 65536
    report = import_files(svc, path, write(tmp_path / "h.csv", [
        header(f"N{n}", date(2012, 5, 1)) for n in range(1, 1201)]))
    assert problems(report) == [(EPISODES, 1201, "URN", "URN contains a control character (such "
                                 "as a NUL byte): the file may be damaged; save it again as CSV")]
    assert children_stored(svc) == 1199

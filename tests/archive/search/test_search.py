"""Search: diacritic-insensitive and typo-tolerant full text, combined filters, ranking, highlights, unit isolation."""

from __future__ import annotations

import datetime as dt

import pytest
from search_province import ADMIN, INSPECTOR_ACTOR, TARGET_TITLE
from sqlalchemy import select, text

from kholuutru.archive import dossiers, search
from kholuutru.archive.digitisation_models import Digitisation
from kholuutru.archive.dossier_models import Document, DocumentFile, Dossier
from kholuutru.archive.errors import InvalidInput
from kholuutru.archive.extraction_models import Extraction, ExtractionTemplate


def found(database, actor, **filters) -> search.SearchResult:
    with database.session(actor) as session:
        return search.search(session, actor, search.SearchQuery(**filters))


def target_id(database, place) -> int:
    with database.session(ADMIN) as session:
        return session.scalar(select(Dossier.id).where(Dossier.unit_id == place.id, Dossier.title == TARGET_TITLE))


@pytest.mark.parametrize("words", ["Quyết định", "quyet dinh", "QUYET DINH", "quyet dnh", "Đồng Nà", "dong na"])
def test_the_same_dossier_is_found_with_or_without_diacritics_and_with_a_typo(database, places, words):
    staff = places["A"].actor()
    result = found(database, staff, text=words)
    assert target_id(database, places["A"]) in [hit.dossier.id for hit in result.hits[:20]] or any(
        hit.dossier.id == target_id(database, places["A"])
        for hit in found(database, staff, text=words, page_size=100).hits)
    assert result.total > 0 and all(hit.dossier.unit_id == places["A"].id for hit in result.hits)


def test_a_typo_is_widened_to_real_words_and_the_best_match_comes_first(database, places):
    result = found(database, places["A"].actor(), text="quyet dnh quy hoach dong na")
    assert result.hits[0].dossier.id == target_id(database, places["A"])
    assert "dinh" in result.terms
    assert "<mark>Quyết</mark> <mark>định</mark>" in result.hits[0].title_html
    assert "<mark>Đồng</mark> <mark>Nà</mark>" in result.hits[0].title_html


def test_words_found_nowhere_and_bare_wildcards_find_nothing(database, places):
    staff = places["A"].actor()
    assert found(database, staff, text="xyzzyq").total == 0
    assert found(database, staff, text="%").total == 0


def test_filters_combine(database, places):
    place = places["A"]
    staff = place.actor()
    expected = {r.number_symbol for r in place.records
                if r.year == 2022 and r.metadata.get("procedure_code") == "1.005129" and r.state == "archived"}
    result = found(database, staff, year=2022, procedure_code="1.005129", state="archived", page_size=100)
    assert {hit.dossier.number_symbol for hit in result.hits} == expected and result.total == len(expected)

    permanent = found(database, staff, text="nguyen van hung", retention="permanent", page_size=100)
    assert permanent.total == len([r for r in place.records if r.metadata.get("applicant") and r.retention_permanent])
    assert all(hit.dossier.retention_permanent and hit.dossier.applicant for hit in permanent.hits)

    record = place.records[12]
    number = record.documents[0]["number"]
    by_document = found(database, staff, document_number=f"{number}/qd-sa", issuer="so sa")
    assert [hit.dossier.number_symbol for hit in by_document.hits] == [record.number_symbol]
    assert found(database, staff, document_number=f"{number}/QĐ-SA", issuer="Thăng Bình").total == 0

    second = found(database, staff, issuer="thang binh", issued_from=dt.date(2019, 1, 1),
                   issued_to=dt.date(2019, 12, 31),
                   page_size=100)
    assert {hit.dossier.number_symbol for hit in second.hits} == {
        r.number_symbol for r in place.records if len(r.documents) == 2 and r.year == 2019}
    ranged = found(database, staff, date_from=record.metadata["start_date"], date_to=record.metadata["start_date"],
                   code=record.number_symbol)
    assert [hit.dossier.number_symbol for hit in ranged.hits] == [record.number_symbol]


def test_paging_is_stable_and_counts_everything(database, places):
    staff = places["A"].actor()
    first, second = (found(database, staff, text="nam", page=page, page_size=7) for page in (1, 2))
    assert first.total == second.total > 14 and first.pages == -(-first.total // 7)
    assert not {hit.dossier.id for hit in first.hits} & {hit.dossier.id for hit in second.hits}


def test_a_user_of_one_unit_never_sees_another_units_hits_or_counts(database, places):
    a, b = places["A"], places["B"]
    b_staff = b.actor()
    words = found(database, b_staff, text="quyet dinh dong na", page_size=100)
    assert words.total == 1 and words.hits[0].dossier.unit_id == b.id
    assert found(database, b_staff, unit_id=a.id).total == 0
    assert found(database, b_staff, page_size=100).total == len(b.records)
    everyone = found(database, INSPECTOR_ACTOR, text="quyet dinh dong na")
    assert {hit.dossier.unit_id for hit in everyone.hits} == {a.id, b.id}
    # Row-level security underneath: even a query without the service's unit filter returns B's rows only.
    with database.session(b_staff) as session:
        assert session.scalar(text("SELECT count(*) FROM dossiers WHERE unit_id = :a"), {"a": a.id}) == 0


def test_documents_ocr_text_and_confirmed_extraction_values_are_searched(database, places):
    place = places["B"]
    staff = place.actor()
    with database.session(staff) as session:
        dossier_id = target_id(database, place)
        document = dossiers.get_dossier(session, staff, dossier_id).documents[0]
        file = DocumentFile(document_id=document.id, unit_id=place.id, version=1, object_key="sha256/aa/" + "a" * 64,
                            sha256="a" * 64, size=1, media_type="application/pdf", file_name="scan.pdf")
        session.add(file)
        session.flush()
        session.add(Digitisation(unit_id=place.id, document_id=document.id, source_file_id=file.id, state="succeeded",
                                 ocr_text="Giấy chứng nhận cấp cho bà Trương Thị Hồng Nhung", requested_by="t"))
        template = ExtractionTemplate(unit_id=place.id, procedure_code="1.005129", name="GCN", created_by="t",
                                      fields=[{"key": "so_thua", "label": "Số thửa"}])
        session.add(template)
        session.flush()
        session.add(Extraction(unit_id=place.id, document_id=document.id, template_id=template.id, state="confirmed",
                               proposed={"so_thua": "thửa 245"}, values={"so_thua": "thửa 245"},
                               proposed_by="t"))
    ocr = found(database, staff, text="hong nhung")
    assert [hit.dossier.id for hit in ocr.hits] == [dossier_id]
    assert "<mark>Hồng</mark> <mark>Nhung</mark>" in ocr.hits[0].snippet_html
    extracted = found(database, staff, extracted_field="so_thua", extracted_value="thua 245")
    assert [hit.dossier.id for hit in extracted.hits] == [dossier_id]
    assert found(database, staff, extracted_field="so_thua", extracted_value="999").total == 0
    assert found(database, places["A"].actor(), text="hong nhung").total == 0

    with database.session(staff) as session:  # a document added the ordinary way is searchable at once
        session.execute(text("UPDATE documents SET summary = 'Biên bản bàn giao mặt bằng' WHERE id = :d"),
                        {"d": session.scalar(select(Document.id).where(Document.dossier_id == dossier_id))})
    assert [hit.dossier.id for hit in found(database, staff, text="ban giao mat bang").hits] == [dossier_id]


def test_the_dossier_list_is_the_search_service(database, places):
    staff = places["A"].actor()
    with database.session(staff) as session:
        rows, total = dossiers.list_dossiers(session, staff, search="quyet dinh dong na")
    assert [row.title for row in rows] == [TARGET_TITLE] and total == 1


def test_bad_filters_are_refused_with_their_field():
    for arguments, field in (({"year": "abc"}, "year"), ({"state": "lost"}, "state"),
                             ({"date_from": "2026-02-01", "date_to": "2026-01-01"}, "date_to"),
                             ({"retention": "forever"}, "retention"), ({"page_size": "1000"}, "page_size")):
        with pytest.raises(InvalidInput) as refused:
            search.parse_query(arguments)
        assert refused.value.field == field
    query = search.parse_query({"q": " quyết định ", "year": "2026", "retention": "permanent", "page": "2"})
    assert (query.text, query.year, query.retention, query.page) == ("quyết định", 2026, "permanent", 2)

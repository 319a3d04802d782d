"""The full-text index the search reads under row-level security (migration 0013), and broad searches' pages.

``kholuutru_dossiers_matching`` is SECURITY DEFINER so the GIN index of ``dossier_words`` can serve it: it must
return only dossiers the caller's own policy shows (invariant 1), and the copy of the words must follow the dossiers.
"""

from __future__ import annotations

import pytest
from search_province import ADMIN, INSPECTOR_ACTOR, TARGET_TITLE
from sqlalchemy import select, text

from kholuutru.archive import search
from kholuutru.archive.dossier_models import Dossier

MATCHING = "SELECT kholuutru_dossiers_matching(to_tsquery('simple', :words))"
UNIT_MATCHING = "SELECT kholuutru_unit_dossiers_matching(:unit, CAST(:query AS tsquery))"


def matching(database, actor, words: str) -> set[int]:
    with database.session(actor) as session:
        return set(session.scalars(text(MATCHING), {"words": words}))


def dossier_ids(database, place) -> set[int]:
    with database.session(ADMIN) as session:
        return set(session.scalars(select(Dossier.id).where(Dossier.unit_id == place.id)))


def test_the_matching_function_returns_only_dossiers_of_the_callers_units(database, places):
    a, b = places["A"], places["B"]
    a_ids, b_ids = dossier_ids(database, a), dossier_ids(database, b)
    everyone = matching(database, INSPECTOR_ACTOR, "quyet & dinh")
    assert everyone & a_ids and everyone & b_ids
    # Staff of B asking the function directly for words every unit has, and for A's own unit lexeme, get B's only.
    assert matching(database, b.actor(), "quyet & dinh") == everyone & b_ids
    assert matching(database, b.actor(), f"unit{a.id}") == set()
    assert matching(database, a.actor(), f"unit{a.id}") == a_ids
    with database.session(b.actor()) as session:  # and the table itself shows B's rows only
        units = set(session.scalars(text("SELECT DISTINCT unit_id FROM dossier_words")))
    assert units == {b.id}


def unit_matching(database, actor, unit: int, query: str) -> set[int]:
    with database.session(actor) as session:
        return set(session.scalars(text(UNIT_MATCHING), {"unit": unit, "query": query}))


def test_the_unit_index_returns_only_the_named_unit_and_only_when_the_caller_sees_it(database, places):
    """``kholuutru_unit_dossiers_matching`` (migration 0014) reads the index of unit-prefixed words as its owner."""
    a, b = places["A"], places["B"]
    a_ids, b_ids = dossier_ids(database, a), dossier_ids(database, b)
    everyone = matching(database, INSPECTOR_ACTOR, "quyet & dinh")
    assert unit_matching(database, a.actor(), a.id, "quyet & dinh") == everyone & a_ids != set()
    assert unit_matching(database, INSPECTOR_ACTOR, b.id, "quyet & dinh") == everyone & b_ids != set()
    # Staff of B naming unit A get nothing, whatever they ask; asking for their own unit, a negation, a prefix or
    # another unit's prefixed word typed in reaches no row of A.
    assert unit_matching(database, b.actor(), a.id, "quyet & dinh") == set()
    assert unit_matching(database, b.actor(), a.id, "!xyzzy") == set()
    assert unit_matching(database, b.actor(), b.id, "!xyzzy") == b_ids
    assert unit_matching(database, b.actor(), b.id, "q:*") <= b_ids
    assert unit_matching(database, b.actor(), b.id, f"'{a.id}:quyet'") == set()
    assert unit_matching(database, a.actor(), a.id, "'it''s' | quyet") == everyone & a_ids


def test_the_words_follow_the_dossiers(database, places):
    a = places["A"]
    with database.session(ADMIN) as session:
        words = session.execute(text(
            "SELECT count(*) FILTER (WHERE w.words = strip(d.search_vector)), count(d.id), count(w.dossier_id) "
            "FROM dossiers d LEFT JOIN dossier_words w ON w.dossier_id = d.id")).one()
        assert words[0] == words[1] == words[2] > 0
        target = session.scalar(select(Dossier.id).where(Dossier.unit_id == a.id, Dossier.title == TARGET_TITLE))
        session.execute(text("UPDATE dossiers SET title = :title WHERE id = :id"),
                        {"title": "Quyết định phê duyệt phương án bồi thường Tam Thăng", "id": target})
    staff = a.actor()
    assert matching(database, staff, "boi & thuong & tam & thang") == {target}
    assert unit_matching(database, staff, a.id, "boi & thuong & tam & thang") == {target}
    with database.session(staff) as session:
        assert [hit.dossier.id for hit in search.search(session, staff, search.SearchQuery(text="bồi thường")).hits] \
            == [target]


def test_a_broad_search_counts_to_the_cap_and_pages_newest_first(database, places, monkeypatch):
    monkeypatch.setattr(search, "COUNT_CAP", 10)
    monkeypatch.setattr(search, "RANK_CAP", 4)
    staff = places["A"].actor()
    newest = sorted(dossier_ids(database, places["A"]), reverse=True)

    def page(number: int, **filters) -> search.SearchResult:
        with database.session(staff) as session:
            return search.search(session, staff, search.SearchQuery(page=number, page_size=4, **filters))

    first, second, deep = page(1), page(2), page(5)
    assert (first.total, first.capped) == (10, True)
    assert [hit.dossier.id for hit in first.hits + second.hits] == newest[:8]
    assert [hit.dossier.id for hit in deep.hits] == newest[16:20]  # past the counted hits: its own query
    broad = page(1, text="quyet dinh")
    assert broad.capped and all(hit.rank == 0 for hit in broad.hits)
    few = page(1, text="dong na")
    assert few.total == 1 and not few.capped and few.hits[0].rank > 0


@pytest.mark.parametrize("issuer", ["thang binh", "Sở SA tỉnh"])
def test_an_issuer_is_matched_on_the_units_own_issuers(database, places, issuer):
    place = places["A"]
    staff = place.actor()
    with database.session(staff) as session:
        result = search.search(session, staff, search.SearchQuery(issuer=issuer, page_size=100))
    expected = {r.number_symbol for r in place.records
                if any(search.fold(issuer) in search.fold(d["issuing_organisation"]) for d in r.documents)}
    assert {hit.dossier.number_symbol for hit in result.hits} <= expected and result.total == len(expected)
    assert len(result.hits) == min(len(expected), 100)
    with database.session(places["B"].actor()) as session:
        assert search.search(session, places["B"].actor(), search.SearchQuery(issuer="Sở SA")).total == 0

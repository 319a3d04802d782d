"""Vietnamese without diacritics: the one folding that search uses, in Python and in PostgreSQL alike.

Staff type "quyet dinh" as often as "Quyết định", and the embedded PostgreSQL has no ``unaccent`` extension, so the
folding is a plain character map: every Vietnamese vowel with its tone and shape marks goes to its bare letter, đ/Đ
to d, then everything to lower case. The migration builds the immutable SQL function ``kholuutru_fold`` from the
same two strings, so what the index holds and what the query asks can never disagree.
"""

from __future__ import annotations

import unicodedata

_GROUPS = {
    "a": "àáảãạăằắẳẵặâầấẩẫậ",
    "e": "èéẻẽẹêềếểễệ",
    "i": "ìíỉĩị",
    "o": "òóỏõọôồốổỗộơờớởỡợ",
    "u": "ùúủũụưừứửữự",
    "y": "ỳýỷỹỵ",
    "d": "đ",
}

# Upper-case letters are listed too: PostgreSQL's lower() leaves non-ASCII letters alone under the C locale.
FOLD_FROM = "".join(letters + letters.upper() for letters in _GROUPS.values())
FOLD_TO = "".join(bare * (2 * len(letters)) for bare, letters in _GROUPS.items())
_TABLE = str.maketrans(FOLD_FROM, FOLD_TO)


def fold(value: str) -> str:
    """``value`` composed (NFC), without Vietnamese diacritics, in lower case — as ``kholuutru_fold`` in SQL."""
    return unicodedata.normalize("NFC", value).translate(_TABLE).lower()


def sql_function() -> str:
    """The ``CREATE FUNCTION`` of the SQL twin of :func:`fold` (immutable, so indexes and generated columns use it)."""
    return (
        "CREATE OR REPLACE FUNCTION kholuutru_fold(value text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE "
        f"RETURN lower(translate(value, '{FOLD_FROM}', '{FOLD_TO}'))"
    )

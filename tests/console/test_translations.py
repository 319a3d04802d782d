"""The Vietnamese catalog: compiled file in step with its source, and complete for FAB's and the console's strings.

FAB ships no Vietnamese, so every string FAB shows (login, menus, list/add/edit/delete/search) must be in our
catalog; a FAB upgrade that adds strings fails here until they are translated.
"""

from __future__ import annotations

from pathlib import Path

import flask_appbuilder
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from kholuutru.console.i18n import TRANSLATIONS_DIR

PO = TRANSLATIONS_DIR / "vi" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}


def translations(catalog) -> dict[str, str]:
    return {message.id: message.string for message in catalog if message.id}


def msgids(folder: Path) -> set[str]:
    """Every string marked for translation in the Python files and templates under ``folder``."""
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(folder), METHODS, keywords=KEYWORDS, options_map={"**/templates/**.html": {"encoding": "utf-8"}}
    ):
        found.add(message if isinstance(message, str) else message[0])
    return {m for m in found if m}


def test_the_compiled_catalog_matches_its_source():
    with PO.open("rb") as po, MO.open("rb") as mo:
        source, compiled = translations(read_po(po)), translations(read_mo(mo))
    assert compiled == source, "run: pybabel compile -d console/kholuutru/console/translations -D messages"


def test_every_message_is_translated_and_none_is_fuzzy():
    with PO.open("rb") as po:
        catalog = read_po(po)
    untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []


def test_every_string_of_fab_is_in_the_vietnamese_catalog():
    with PO.open("rb") as po:
        known = set(translations(read_po(po)))
    missing = msgids(Path(flask_appbuilder.__file__).parent) - known
    assert missing == set()


def test_every_string_of_the_console_is_in_the_vietnamese_catalog():
    with PO.open("rb") as po:
        known = set(translations(read_po(po)))
    missing = msgids(TRANSLATIONS_DIR.parent) - known
    assert missing == set()

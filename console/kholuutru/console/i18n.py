"""Languages of the console: Vietnamese by default, English on request (Flask-Babel over FAB's locale switch).

FAB ships no Vietnamese catalog, so ``translations/vi`` holds FAB's own user-visible strings as well as ours.
Errors of the archive carry both languages themselves (``ArchiveError.message(lang)``); this module picks one.
"""

from __future__ import annotations

from pathlib import Path

from flask import has_request_context
from flask_babel import get_locale
from flask_babel.speaklater import LazyString

from kholuutru.archive.roles import ROLES
from kholuutru.archive.units import LEVEL_NAMES

TRANSLATIONS_DIR = Path(__file__).parent / "translations"

LANGUAGES: dict[str, dict[str, str]] = {
    "vi": {"flag": "vn", "name": "Tiếng Việt"},
    "en": {"flag": "gb", "name": "English"},
}



def current_language(default: str = "vi") -> str:
    """``"en"`` or ``"vi"``: the language of the current request (``default`` outside one)."""
    if not has_request_context():
        return default
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "vi"


def role_label(code: str, language: str | None = None) -> str:
    """The human name of a role code in the current language (the code itself for a role we do not know)."""
    info = ROLES.get(code)
    return info.name(language or current_language()) if info else code


def level_label(level: str | None, language: str | None = None) -> str:
    """The human name of a unit level (the archive's own names, so console and CLI say the same)."""
    names = LEVEL_NAMES.get(level or "")
    if names is None:
        return level or ""
    return names[1] if (language or current_language()) == "en" else names[0]


def level_choices() -> list[tuple[str, LazyString]]:
    """(level code, label resolved at render time) for a select field built once per process."""
    return [(code, LazyString(level_label, code)) for code in LEVEL_NAMES]

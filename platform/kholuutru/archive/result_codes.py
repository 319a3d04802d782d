"""Digitisation result codes (DOMAIN.md § codes): ``KQ.<level-1 code>.<6 digits>`` by default.

⚠ No legal text fixes this format (it is seen in national-portal data), so the pattern is a setting. The level-1
code is the last segment of the unit's electronic identifier (``000.00.01.H47`` → ``H47``). Numbers come from one
counter row per prefix, locked while a code is issued, so two requests never get the same code and none is reused;
the unique constraint on ``extractions.result_code`` is the last guard.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from .errors import InvalidInput
from .extraction_models import ResultCodeCounter
from .models import Unit
from .settings import Settings

_NUMBER_FIELD = "{number"


def level1_code(unit: Unit) -> str:
    """``H47`` for ``000.00.01.H47``."""
    return unit.code.rsplit(".", 1)[-1]


def issue(session: Session, settings: Settings, unit: Unit) -> str:
    """The next result code for ``unit``'s level-1 code, in the caller's transaction."""
    pattern = settings.result_code_pattern
    if _NUMBER_FIELD not in pattern:
        raise InvalidInput("Mẫu mã kết quả phải có {number}.", "The result code pattern needs {number}.",
                           field="KHOLUUTRU_RESULT_CODE_PATTERN")
    level1 = level1_code(unit)
    prefix = pattern.split(_NUMBER_FIELD, 1)[0].format(level1=level1)
    # Create the counter if it is the prefix's first code (racing requests both survive), then lock it.
    session.execute(insert(ResultCodeCounter).values(prefix=prefix, last_number=0).on_conflict_do_nothing())
    counter = session.scalar(select(ResultCodeCounter).where(ResultCodeCounter.prefix == prefix).with_for_update())
    counter.last_number += 1
    try:
        return pattern.format(level1=level1, number=counter.last_number)
    except (KeyError, ValueError, IndexError) as error:
        raise InvalidInput(f"Mẫu mã kết quả không hợp lệ: {error}.", f"The result code pattern is invalid: {error}.",
                           field="KHOLUUTRU_RESULT_CODE_PATTERN") from error

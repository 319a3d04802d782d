"""The administrative procedure catalogue (thủ tục hành chính) as synchronised from LGSP: read by every role.

The catalogue is province-wide reference data (procedure code, name, field, agency, components, results, legal
basis); it is written only by the LGSP synchronisation (``lgsp_feeds.apply_procedure``), so this module only reads.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from .access import Actor
from .errors import NotFound
from .sync_models import Procedure


def list_procedures(session: Session, actor: Actor, *, search: str | None = None, limit: int = 50,
                    offset: int = 0) -> tuple[list[Procedure], int]:
    """Procedures by code, optionally those whose code, name or field contains ``search``, with the total count."""
    query = select(Procedure)
    if search and search.strip():
        literal = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(or_(*(column.ilike(f"%{literal}%", escape="\\")
                                  for column in (Procedure.code, Procedure.name, Procedure.field))))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Procedure.code, Procedure.id).limit(limit).offset(offset)).all()
    return list(rows), total


def get_procedure(session: Session, actor: Actor, procedure_id: int) -> Procedure:
    procedure = session.get(Procedure, procedure_id)
    if procedure is None:
        raise NotFound(f"Không tìm thấy thủ tục số {procedure_id}.", f"Procedure {procedure_id} was not found.",
                       field="id")
    return procedure

"""Building blocks of both services' declarative models.

Each service declares its own ``DeclarativeBase`` (two databases, two metadatas) and
mixes these in.  Timestamps are naive UTC, as Nova and Cinder store them.

Soft delete follows Nova: ``deleted`` is 0 for a live row and the row's own id once
deleted, so a unique constraint that includes ``deleted`` allows many deleted copies
of a row but only one live one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class ModelBase:
    """Dict-style access on top of attributes, as code ported from Nova expects."""

    def update(self, values: dict[str, Any]) -> None:
        for key, value in values.items():
            setattr(self, key, value)

    def __getitem__(self, key: str) -> Any:
        try:
            return getattr(self, key)
        except AttributeError as error:
            raise KeyError(key) from error

    def __setitem__(self, key: str, value: Any) -> None:
        setattr(self, key, value)

    def __contains__(self, key: str) -> bool:
        return key in self.column_names()

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)

    @classmethod
    def column_names(cls) -> list[str]:
        return [attr.key for attr in sa.inspect(cls).column_attrs]

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.column_names()}

    def __repr__(self) -> str:
        ident = getattr(self, "id", None)
        return f"<{type(self).__name__} id={ident}>"


class TimestampMixin:
    created_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime, onupdate=utcnow)


class SoftDeleteMixin:
    deleted_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    deleted: Mapped[int | None] = mapped_column(sa.Integer, default=0, server_default="0")

    def soft_delete(self, session: Session) -> None:
        """Mark the row deleted (``deleted`` = its id) in ``session``'s transaction."""
        self.deleted = self.id  # type: ignore[attr-defined]
        self.deleted_at = utcnow()
        session.add(self)
        session.flush()

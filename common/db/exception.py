"""Database errors with a meaning, independent of the driver that raised them.

SQLAlchemy wraps each driver's exceptions, but the interesting facts (a duplicate key, a
deadlock, a dropped connection) are buried in driver-specific codes.  ``common.db.errors``
reads those codes and raises one of these instead, so the DB API can turn a duplicate
into ``ServiceBinaryExists`` and the retry decorator knows what is worth retrying.
"""

from __future__ import annotations

from collections.abc import Sequence

from common import exception


class DBError(exception.NovellaException):
    msg_fmt = "Database error: %(reason)s"

    def __init__(self, message: str | None = None, inner: BaseException | None = None, **kw):
        self.inner = inner
        super().__init__(message, **kw)


class DBDuplicateEntry(DBError):
    """An insert or update broke a unique constraint.

    ``columns`` names the columns of the constraint (as far as the driver tells), so a
    caller can tell a duplicate uuid from a duplicate (host, binary).
    """

    msg_fmt = "Duplicate entry for columns %(columns)s"

    def __init__(
        self,
        columns: Sequence[str] = (),
        value: object = None,
        inner: BaseException | None = None,
    ) -> None:
        self.columns = list(columns)
        self.value = value
        super().__init__(inner=inner, columns=self.columns)


class DBDeadlock(DBError):
    """The database aborted the transaction to break a lock cycle; safe to run again."""

    msg_fmt = "Database deadlock or lock wait timeout: %(reason)s"


class DBConnectionLost(exception.DBConnectionError):
    """The connection died under a transaction (server restart, KILL, network)."""

    msg_fmt = "Database connection lost: %(reason)s"

    def __init__(self, message: str | None = None, inner: BaseException | None = None, **kw):
        self.inner = inner
        super().__init__(message, **kw)

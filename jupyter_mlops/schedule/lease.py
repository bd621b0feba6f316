"""The single-active-scheduler lease: one row, one holder, an expiry pushed forward by heartbeats.

A scheduler fires only while it holds an unexpired lease; another takes over once the
holder has missed its heartbeats for `ttl` seconds (crashed, killed, machine asleep). Claims
re-check the lease inside their own transaction (`check_held`), so a holder that lost the lease
while busy can never fire after a successor took over.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from ..errors import LeaseLostError
from ..store import db


def acquire(holder: str, now: float, ttl: float) -> bool:
    """Take or renew the lease; True if `holder` holds it until now + ttl."""
    with db.transaction() as connection:
        row = connection.execute(text("SELECT holder, expires_at FROM scheduler_lease WHERE id = 1")).first()
        if row is not None and row.holder != holder and row.expires_at > now:
            return False
        acquired_at = now if row is None or row.holder != holder else None
        connection.execute(text(
            "INSERT INTO scheduler_lease (id, holder, expires_at, acquired_at) VALUES (1, :holder, :expires, :now)"
            " ON CONFLICT (id) DO UPDATE SET holder = :holder, expires_at = :expires,"
            " acquired_at = coalesce(:acquired_at, acquired_at)"),
            {"holder": holder, "expires": now + ttl, "now": now, "acquired_at": acquired_at})
    return True


def check_held(connection: Connection, holder: str, now: float) -> None:
    """Inside a write transaction: raise LeaseLostError unless `holder` still holds the lease."""
    row = connection.execute(text("SELECT holder, expires_at FROM scheduler_lease WHERE id = 1")).first()
    if row is None or row.holder != holder or row.expires_at <= now:
        raise LeaseLostError(f"scheduler {holder} no longer holds the lease"
                        + (f" (held by {row.holder})" if row is not None and row.holder != holder else ""))


def release(holder: str) -> None:
    """Give the lease up at once (a clean stop), so a standby scheduler need not wait for expiry."""
    with db.transaction() as connection:
        connection.execute(text("DELETE FROM scheduler_lease WHERE id = 1 AND holder = :holder"), {"holder": holder})


def current_holder(now: float) -> str | None:
    with db.reading() as connection:
        row = connection.execute(text("SELECT holder, expires_at FROM scheduler_lease WHERE id = 1")).first()
    return row.holder if row is not None and row.expires_at > now else None

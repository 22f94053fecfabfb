"""The portal process a crash trial kills: it opens the portal on the trial's DuckDB file, says
it is ready, waits for "go", runs one procedure through the services, and reports how long it
took and how many I/O boundaries it crossed.

An I/O boundary is one SQL statement or commit on the portal's DuckDB file or PostgreSQL
database, or one HTTP request to Salesforce. With ``kill_before_boundary=k`` the process
SIGKILLs itself just before the k-th boundary: every point between two writes can be hit on
purpose, not only by luck. The instrumentation lives here, in the killed process; the services
are not changed.

Runs in a ``multiprocessing`` forkserver child, so the portal's imports are paid once.
"""

from __future__ import annotations

import functools
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from multiprocessing.connection import Connection
from typing import Any, Final

import requests

from portal.adapters.db import Database, Transaction
from portal.adapters.postgres import PostgresDatabase, PostgresTransaction
from portal.bootstrap import Portal, build_portal
from portal.domain.config import PortalConfig
from portal.services.actors import Actor, Role

GO: Final = "go"
ACTOR: Final = Actor(username="alice", role=Role.ADMIN)


class Procedure(Enum):
    """What a crash trial runs (and kills)."""

    REMOVE = "Remove integration"
    RESTORE = "Restore"
    SYNC = "Sync batch"


@dataclass(frozen=True)
class ChildOrder:
    """What the child runs: ``backup_id`` is the backup Restore expects (the previewed one)."""

    procedure: Procedure
    config: PortalConfig
    backup_id: int | None = None
    kill_before_boundary: int | None = None


@dataclass(frozen=True)
class Ready:
    pid: int


@dataclass(frozen=True)
class Finished:
    """The procedure returned: how long it took after "go", boundaries crossed, its outcome."""

    elapsed_s: float
    boundaries: int
    outcome: str


class _Boundaries:
    """Counts I/O boundaries and SIGKILLs this process just before boundary ``kill_at``."""

    def __init__(self, kill_at: int | None) -> None:
        self.count = 0
        self._kill_at = kill_at

    def cross(self) -> None:
        self.count += 1
        if self.count == self._kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    def wrap(self, owner: type, name: str) -> None:
        original: Callable[..., Any] = getattr(owner, name)

        @functools.wraps(original)
        def crossing(*args: Any, **kwargs: Any) -> Any:
            self.cross()
            return original(*args, **kwargs)

        setattr(owner, name, crossing)


def _arm(kill_at: int | None) -> _Boundaries:
    boundaries = _Boundaries(kill_at)
    for owner, name in (
        (Database, "execute"),
        (Transaction, "execute"),
        (Transaction, "commit"),
        (PostgresDatabase, "execute"),
        (PostgresTransaction, "execute"),
        (PostgresTransaction, "commit"),
        (requests.Session, "send"),
    ):
        boundaries.wrap(owner, name)
    return boundaries


def _run(order: ChildOrder, portal: Portal) -> str:
    if order.procedure is Procedure.REMOVE:
        removed = portal.removal.remove(actor=ACTOR)
        return f"{removed.result.branch}; revoked={removed.revoked}"
    if order.procedure is Procedure.RESTORE:
        restored = portal.restore.restore(actor=ACTOR, expected_backup_id=order.backup_id)
        return f"{restored.result.branch}; restored={restored.outcome.restored}"
    summary = portal.sync.sync_pending(actor=ACTOR)
    return summary.message


def main(order: ChildOrder, conn: Connection) -> None:
    """The child's body (the target of the forkserver ``Process``)."""
    portal = build_portal(config=order.config)
    conn.send(Ready(pid=os.getpid()))
    if conn.recv() != GO:
        return
    boundaries = _arm(order.kill_before_boundary)
    started = time.perf_counter()
    outcome = _run(order, portal)
    # The last boundary: the procedure returned, its answer not yet given to anyone.
    boundaries.cross()
    conn.send(
        Finished(
            elapsed_s=time.perf_counter() - started,
            boundaries=boundaries.count,
            outcome=outcome,
        )
    )
    portal.close()

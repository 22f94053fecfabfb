"""What each user has allowed each connected app (the "Allow access?" answer Salesforce
remembers, so the consent page is skipped next time for the same scopes)."""

from __future__ import annotations

from mock_salesforce.clock import Clock, naive_utc
from mock_salesforce.oauth.scopes import covers
from mock_salesforce.store import Store


class Approvals:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        store.ensure_table(
            "_oauth_approvals",
            "org_id VARCHAR NOT NULL, user_id VARCHAR NOT NULL, app_name VARCHAR NOT NULL, "
            "scopes VARCHAR NOT NULL, approved_at TIMESTAMP NOT NULL, "
            "PRIMARY KEY (org_id, user_id, app_name)",
        )

    def approved(
        self, *, org_id: str, user_id: str, app_name: str, scopes: tuple[str, ...]
    ) -> bool:
        """True when this user already allowed this app at least these scopes."""
        rows = self._store.execute(
            "SELECT scopes FROM _oauth_approvals WHERE org_id = ? AND user_id = ? AND app_name = ?",
            [org_id, user_id, app_name],
        )
        return bool(rows) and covers(rows[0][0].split(), scopes)

    def remember(
        self, *, org_id: str, user_id: str, app_name: str, scopes: tuple[str, ...]
    ) -> None:
        """Record an "Allow": the union of what this user has allowed this app so far."""
        with self._store.transaction():
            rows = self._store.execute(
                "SELECT scopes FROM _oauth_approvals WHERE org_id = ? AND user_id = ? "
                "AND app_name = ?",
                [org_id, user_id, app_name],
            )
            known = rows[0][0].split() if rows else []
            merged = " ".join([*known, *(s for s in scopes if s not in known)])
            if rows:
                self._store.execute(
                    "UPDATE _oauth_approvals SET scopes = ?, approved_at = ? WHERE org_id = ? "
                    "AND user_id = ? AND app_name = ?",
                    [merged, naive_utc(self._clock.now()), org_id, user_id, app_name],
                )
            else:
                self._store.execute(
                    "INSERT INTO _oauth_approvals VALUES (?, ?, ?, ?, ?)",
                    [org_id, user_id, app_name, merged, naive_utc(self._clock.now())],
                )

    def forget(self, *, org_id: str, app_name: str, user_id: str | None = None) -> int:
        """Forget approvals (revoked access asks for consent again); returns how many."""
        clauses, params = ["org_id = ?", "app_name = ?"], [org_id, app_name]
        if user_id is not None:
            clauses.append("user_id = ?")
            params.append(user_id)
        rows = self._store.execute(
            f"DELETE FROM _oauth_approvals WHERE {' AND '.join(clauses)} RETURNING user_id",
            params,
        )
        return len(rows)

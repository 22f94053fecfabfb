-- depends: 0003.companies
-- Browser login sessions (issue 15, replicas): the HttpOnly cookie's session, its one-time
-- cookie tickets and the Salesforce sign-ins bound to a session, shared by every portal
-- replica on this database and kept across restarts (portal/adapters/web_sessions.py).
--
-- Like companies and portal_users, no company's data: a login comes before its company is
-- known, so no row-level security; the portal reaches them through its plain connection.
-- Keys are SHA-256 digests of the secrets and a ticket's session id is sealed under the
-- ticket: reading these tables is no way to log in.

CREATE TABLE web_sessions (
    session_key text PRIMARY KEY,
    username text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);

CREATE TABLE web_session_tickets (
    ticket_key text PRIMARY KEY,
    session_key text NOT NULL,
    sealed_session_id text NOT NULL,
    max_age_seconds integer NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX web_session_tickets_session ON web_session_tickets (session_key);
CREATE INDEX web_session_tickets_expiry ON web_session_tickets (expires_at);

CREATE TABLE web_session_bindings (
    state_key text PRIMARY KEY,
    session_key text NOT NULL,
    expires_at timestamptz NOT NULL,
    return_page text,
    return_step integer
);
CREATE INDEX web_session_bindings_session ON web_session_bindings (session_key);
CREATE INDEX web_session_bindings_expiry ON web_session_bindings (expires_at);

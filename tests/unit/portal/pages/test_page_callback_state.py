"""Issue 11.3 in the pages: a forged sign-in callback (``?error=access_denied&state=forged``)
is refused as not the portal's, in a logged-in browser and in one that is not: the page says
the link is not from this portal or has expired, claims nothing Salesforce said, and nothing is
written to the authentication history, the audit log or the procedure's progress."""

from __future__ import annotations

from page_helpers import texts

from portal.bootstrap import Portal
from portal.services.actors import Actor, Role
from portal.services.integration import SignInPurpose

ENTRYPOINT = "streamlit_app.py"
FORGED = {"error": "access_denied", "error_description": "end-user denied", "state": "forged"}
#: What the page would say if it believed the callback.
BELIEVED = ("denied", "Allow", "did not allow", "Integrate failed", "Salesforce sent")


def _records(portal: Portal) -> tuple[object, ...]:
    repos = portal.storage.repositories
    return (
        [(e.event, e.detail) for e in repos.authentication_history.recent()],
        [(e.action, e.outcome, e.detail) for e in repos.audit.recent()],
        repos.progress.all(),
    )


def test_a_forged_error_callback_in_a_logged_in_browser_is_not_believed(
    page_app, mock_portal: Portal
):
    admin = Actor(username="admin", role=Role.ADMIN)
    # A genuine sign-in of this portal is pending meanwhile; the forgery names another state.
    mock_portal.integration.start(actor=admin, purpose=SignInPurpose.INTEGRATION)
    app = page_app(ENTRYPOINT, mock_portal)
    app.run()
    before = _records(mock_portal)
    app.query_params.update(FORGED)
    app.run()

    assert not app.exception
    shown = texts(app)
    warnings = "\n".join(str(w.value) for w in app.warning)
    assert "This sign-in link is not from this portal, or it has expired" in warnings
    assert not [words for words in BELIEVED if words in shown]
    assert "error" not in app.query_params and "state" not in app.query_params
    assert _records(mock_portal) == before
    assert not mock_portal.integration.status().connected


def test_a_forged_error_callback_in_a_logged_out_browser_is_not_believed(
    page_app, mock_portal: Portal
):
    before = _records(mock_portal)
    app = page_app(ENTRYPOINT, mock_portal, actor=None)
    app.query_params.update(FORGED)
    app.run()

    assert not app.exception
    shown = texts(app)
    assert "This browser opened a sign-in link, but it is not logged in" in shown
    assert not [words for words in BELIEVED if words in shown]
    assert "error" not in app.query_params and "state" not in app.query_params
    assert _records(mock_portal) == before

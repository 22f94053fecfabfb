"""Random composite, batch, tree and graph bodies: answered in Salesforce's shapes, never 500."""

from __future__ import annotations

from typing import Any

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_salesforce import ThreadedMockServer
from tests.conftest import BareOrg

V = "/services/data/v59.0"
_URLS = st.sampled_from(
    [
        f"{V}/sobjects/Account",
        f"{V}/sobjects/Account/@{{a.id}}",
        f"{V}/sobjects/Contact/@{{b.records[0].Id}}",
        f"{V}/sobjects/Account/Name/x",
        f"{V}/query?q=SELECT+Id+FROM+Account",
        f"{V}/query?q=@{{a.Name}}",
        f"{V}/composite/sobjects",
        f"{V}/composite",
        f"{V}/limits",
        "/services/data/v1.0/limits",
        "sobjects/Account",
        "",
        "@{a}",
        "/services/data/",
    ]
)
_VALUES: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=8)
    | st.sampled_from(["@{a.id}", "@{b.x[3]}", "@{nope.id}", "x@{a.id}y"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
_SUBREQUEST = st.fixed_dictionaries(
    {
        "method": st.sampled_from(["GET", "POST", "PATCH", "DELETE", "PUT", "get", "HEAD"]),
        "url": _URLS,
        "referenceId": st.sampled_from(["a", "b", "c", "a-b", ""]),
    },
    optional={
        "body": st.one_of(
            st.fixed_dictionaries({"Name": _VALUES}, optional={"AccountId": _VALUES}), _VALUES
        ),
        "httpHeaders": st.dictionaries(st.sampled_from(["X-A", "Accept"]), st.text(max_size=4)),
    },
)


def _post(server: ThreadedMockServer, org: BareOrg, path: str, body: Any) -> requests.Response:
    session = requests.Session()
    session.trust_env = False
    session.verify = str(server.ca_bundle)
    try:
        return session.post(
            f"{server.https_url}{V}/{path}",
            json=body,
            headers={"Authorization": f"Bearer {org.token}"},
        )
    finally:
        session.close()


_FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@_FUZZ
@given(subs=st.lists(_SUBREQUEST, max_size=4), all_or_none=st.booleans())
def test_composite_never_500(
    mock_server: ThreadedMockServer,
    bare_org: BareOrg,
    subs: list[dict[str, Any]],
    all_or_none: bool,
) -> None:
    response = _post(
        mock_server, bare_org, "composite", {"allOrNone": all_or_none, "compositeRequest": subs}
    )
    assert response.status_code in (200, 400), response.text
    body = response.json()
    if response.status_code == 200:
        for entry in body["compositeResponse"]:
            assert set(entry) == {"body", "httpHeaders", "httpStatusCode", "referenceId"}
    else:
        assert body[0]["errorCode"]


@_FUZZ
@given(subs=st.lists(_SUBREQUEST, max_size=4), halt=st.booleans())
def test_batch_never_500(
    mock_server: ThreadedMockServer, bare_org: BareOrg, subs: list[dict[str, Any]], halt: bool
) -> None:
    requests_ = [{"method": s["method"], "url": s["url"], "richInput": s.get("body")} for s in subs]
    response = _post(
        mock_server, bare_org, "composite/batch", {"batchRequests": requests_, "haltOnError": halt}
    )
    assert response.status_code in (200, 400), response.text


@_FUZZ
@given(
    records=st.lists(
        st.fixed_dictionaries(
            {"attributes": st.dictionaries(st.sampled_from(["type", "referenceId"]), _VALUES)},
            optional={
                "Name": _VALUES,
                "Contacts": st.one_of(
                    _VALUES,
                    st.fixed_dictionaries({"records": st.lists(_VALUES, max_size=2)}),
                ),
            },
        ),
        max_size=3,
    )
)
def test_tree_never_500(
    mock_server: ThreadedMockServer, bare_org: BareOrg, records: list[Any]
) -> None:
    response = _post(mock_server, bare_org, "composite/tree/Account", {"records": records})
    assert response.status_code in (201, 400), response.text


@_FUZZ
@given(
    graphs=st.lists(
        st.fixed_dictionaries(
            {
                "graphId": st.sampled_from(["g1", "g2", "_x", ""]),
                "compositeRequest": st.lists(_SUBREQUEST, max_size=3),
            }
        ),
        max_size=3,
    )
)
def test_graph_never_500(
    mock_server: ThreadedMockServer, bare_org: BareOrg, graphs: list[Any]
) -> None:
    response = _post(mock_server, bare_org, "composite/graph", {"graphs": graphs})
    assert response.status_code in (200, 400), response.text

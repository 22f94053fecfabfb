"""``POST composite/graph``: several graphs of sObject sub-requests, each graph committed
all-or-nothing on its own, with Salesforce's graph limits."""

from __future__ import annotations

import re
from typing import Any

from mock_salesforce.errors import SalesforceError, json_parser_error
from mock_salesforce.rest.context import ApiCall, ApiResponse, ok
from mock_salesforce.rest.subrequests import (
    DATA_PREFIX,
    Subrequest,
    composite_entry,
    halted,
    json_list,
    parse_subrequests,
    references_in,
    run_chain,
)

MAX_GRAPHS = 75
MAX_NODES = 500
MAX_DEPTH = 15
MAX_DIFFERENT_NODES = 15
MAX_FAILED_GRAPHS = 14
_GRAPH_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
_TOO_MANY_FAILURES = (
    "Processing halted: more than 14 graphs of this request failed, so the remaining graphs "
    "weren't processed."
)


def _limit(message: str) -> SalesforceError:
    return SalesforceError("LIMIT_EXCEEDED", message)


def _allowed(method: str, path: tuple[str, ...]) -> bool:
    """Graphs take sObject resources only: create, rows by id, rows by external id."""
    if not path or path[0] != "sobjects":
        return False
    if len(path) == 2:
        return method == "POST"
    if len(path) == 3:
        return method in ("DELETE", "GET", "PATCH")
    if len(path) == 4:
        return method in ("DELETE", "GET", "PATCH", "POST")
    return False


def _node_kind(sub: Subrequest) -> tuple[str, str, str]:
    """(version, method, object) that make two nodes "different" for the payload limit."""
    path = sub.url.split("?", 1)[0]
    if path.startswith(DATA_PREFIX):
        path = path[len(DATA_PREFIX) :]
    parts = [p for p in path.split("/") if p] + ["", "", ""]
    return parts[0], sub.method, parts[2].lower()


def _depth(subs: list[Subrequest]) -> int:
    """The longest chain of references in one graph (a node alone has depth 1)."""
    depth: dict[str, int] = {}
    deepest = 0
    for sub in subs:
        level = 1 + max((depth.get(r, 0) for r in references_in(sub)), default=0)
        if sub.reference_id is not None:
            depth[sub.reference_id] = level
        deepest = max(deepest, level)
    return deepest


def _graphs(body: Any) -> list[tuple[str, list[Subrequest]]]:
    if not isinstance(body, dict):
        raise json_parser_error(
            "Cannot deserialize instance of GraphRequest from "
            f"{'START_ARRAY' if isinstance(body, list) else 'VALUE_STRING'} value "
            "at [line:1, column:1]"
        )
    raw_graphs = json_list(body, "graphs", "graphs")
    if not raw_graphs:
        raise SalesforceError("INVALID_INPUT", "The graphs list is empty.")
    if len(raw_graphs) > MAX_GRAPHS:
        raise _limit(f"A request can contain at most {MAX_GRAPHS} graphs.")
    graphs: list[tuple[str, list[Subrequest]]] = []
    seen: set[str] = set()
    for raw in raw_graphs:
        if not isinstance(raw, dict):
            raise json_parser_error("Each graph must be a JSON object at [line:1, column:1]")
        graph_id = raw.get("graphId")
        if not isinstance(graph_id, str) or not _GRAPH_ID.match(graph_id):
            raise SalesforceError(
                "INVALID_INPUT",
                "Each graph needs a graphId that starts with a letter or digit and has at "
                "most 40 characters.",
            )
        if graph_id in seen:
            raise SalesforceError("INVALID_INPUT", f"Duplicate graphId: {graph_id}")
        seen.add(graph_id)
        items = json_list(raw, "compositeRequest", "subrequests")
        if not items:
            raise SalesforceError("INVALID_INPUT", f"Graph {graph_id} has no compositeRequest.")
        subs = parse_subrequests(items)
        if len(subs) > MAX_NODES:
            raise _limit(f"A graph can contain at most {MAX_NODES} nodes.")
        if _depth(subs) > MAX_DEPTH:
            raise _limit(f"Graph {graph_id} is deeper than {MAX_DEPTH} levels.")
        graphs.append((graph_id, subs))
    if sum(len(subs) for _, subs in graphs) > MAX_NODES:
        raise _limit(f"A request can contain at most {MAX_NODES} nodes in all.")
    kinds = {_node_kind(sub) for _, subs in graphs for sub in subs}
    if len(kinds) > MAX_DIFFERENT_NODES:
        raise _limit(f"A request can contain at most {MAX_DIFFERENT_NODES} different nodes.")
    return graphs


def graph(call: ApiCall) -> ApiResponse:
    """``POST composite/graph``: ``{graphs: [{graphId, compositeRequest}]}`` →
    ``{graphs: [{graphId, graphResponse: {compositeResponse}, isSuccessful}]}``."""
    graphs = _graphs(call.json_body())
    out: list[dict[str, Any]] = []
    failures = 0
    for graph_id, subs in graphs:
        if failures > MAX_FAILED_GRAPHS:
            entries = [composite_entry(s.reference_id, halted(_TOO_MANY_FAILURES)) for s in subs]
            out.append(_graph_result(graph_id, entries, successful=False))
            continue
        results = run_chain(call, subs, all_or_none=True, allowed=_allowed)
        successful = not any(result.failed for _, result in results)
        failures += 0 if successful else 1
        entries = [composite_entry(ref, result) for ref, result in results]
        out.append(_graph_result(graph_id, entries, successful=successful))
    return ok({"graphs": out})


def _graph_result(
    graph_id: str, entries: list[dict[str, Any]], *, successful: bool
) -> dict[str, Any]:
    return {
        "graphId": graph_id,
        "graphResponse": {"compositeResponse": entries},
        "isSuccessful": successful,
    }

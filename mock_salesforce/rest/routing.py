"""Everything under ``/services/data``: the version, the caller, the API allowance, the
resource, then the handler, answered in Salesforce's JSON with ``Sforce-Limit-Info``.

Resources are matched on path segments after the version (trailing slash or not); object and
field names inside them are resolved case-insensitively by the handlers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from mock_salesforce.errors import JSON_CONTENT_TYPE, SalesforceError, not_found
from mock_salesforce.limits import ApiUsage
from mock_salesforce.records import MultipleMatches
from mock_salesforce.rest import (
    bulk2,
    composite,
    composite_graph,
    composite_requests,
    composite_tree,
    describe,
    limits,
    query,
    search,
    sobjects,
    versions,
)
from mock_salesforce.rest.context import (
    ApiCall,
    ApiRequest,
    ApiResponse,
    Handler,
    method_not_allowed,
    ok,
)

if TYPE_CHECKING:
    from mock_salesforce.backend import MockBackend

_PREFIX = "/services/data"
_ANY = None


@dataclass(frozen=True)
class Resource:
    """A path pattern (``None`` marks a parameter) and its handler per HTTP method."""

    pattern: tuple[str | None, ...]
    methods: Mapping[str, Handler]

    def match(self, path: tuple[str, ...]) -> tuple[str, ...] | None:
        if len(path) != len(self.pattern):
            return None
        args = []
        for wanted, given in zip(self.pattern, path, strict=True):
            if wanted is None:
                if not given:
                    return None
                args.append(given)
            elif wanted != given:
                return None
        return tuple(args)


#: Most specific first: ``sobjects/{Type}/describe`` before ``sobjects/{Type}/{Id}``.
RESOURCES: tuple[Resource, ...] = (
    Resource((), {"GET": versions.resources}),
    Resource(("sobjects",), {"GET": describe.describe_global}),
    Resource(("sobjects", _ANY), {"GET": describe.basic_info, "POST": sobjects.create}),
    Resource(("sobjects", _ANY, "describe"), {"GET": describe.describe}),
    Resource(("sobjects", _ANY, "updated"), {"GET": sobjects.updated}),
    Resource(("sobjects", _ANY, "deleted"), {"GET": sobjects.deleted}),
    Resource(
        ("sobjects", _ANY, _ANY),
        {
            "GET": sobjects.get_record,
            "PATCH": sobjects.update_record,
            "DELETE": sobjects.delete_record,
            "POST": sobjects.create_with_id_field,
        },
    ),
    Resource(
        ("sobjects", _ANY, _ANY, _ANY),
        {
            "GET": sobjects.get_by_external_id,
            "PATCH": sobjects.upsert,
            "DELETE": sobjects.delete_by_external_id,
        },
    ),
    Resource(("query",), {"GET": query.query}),
    Resource(("query", _ANY), {"GET": query.more}),
    Resource(("queryAll",), {"GET": query.query_all}),
    Resource(("queryAll", _ANY), {"GET": query.more}),
    Resource(
        ("composite", "sobjects"),
        {
            "POST": composite.create,
            "PATCH": composite.update,
            "DELETE": composite.delete,
        },
    ),
    Resource(("composite", "sobjects", _ANY), {"GET": composite.retrieve}),
    Resource(
        ("composite",),
        {"GET": composite_requests.resources, "POST": composite_requests.composite},
    ),
    Resource(("composite", "batch"), {"POST": composite_requests.batch}),
    Resource(("composite", "tree", _ANY), {"POST": composite_tree.create_tree}),
    Resource(("composite", "graph"), {"POST": composite_graph.graph}),
    Resource(("limits",), {"GET": limits.limits}),
    Resource(("search",), {"GET": search.search}),
    Resource(("search", "scopeOrder"), {"GET": search.scope_order}),
    Resource(
        ("parameterizedSearch",),
        {"GET": search.parameterized_get, "POST": search.parameterized_post},
    ),
    Resource(("jobs", "ingest"), {"GET": bulk2.list_ingest_jobs, "POST": bulk2.create_ingest_job}),
    Resource(
        ("jobs", "ingest", _ANY),
        {
            "GET": bulk2.get_ingest_job,
            "PATCH": bulk2.patch_ingest_job,
            "DELETE": bulk2.delete_ingest_job,
        },
    ),
    Resource(("jobs", "ingest", _ANY, "batches"), {"PUT": bulk2.upload_ingest_data}),
    Resource(("jobs", "ingest", _ANY, "successfulResults"), {"GET": bulk2.successful_results}),
    Resource(("jobs", "ingest", _ANY, "failedResults"), {"GET": bulk2.failed_results}),
    Resource(("jobs", "ingest", _ANY, "unprocessedrecords"), {"GET": bulk2.unprocessed_records}),
    Resource(("jobs", "ingest", _ANY, "unprocessedRecords"), {"GET": bulk2.unprocessed_records}),
    Resource(("jobs", "query"), {"GET": bulk2.list_query_jobs, "POST": bulk2.create_query_job}),
    Resource(
        ("jobs", "query", _ANY),
        {
            "GET": bulk2.get_query_job,
            "PATCH": bulk2.patch_query_job,
            "DELETE": bulk2.delete_query_job,
        },
    ),
    Resource(("jobs", "query", _ANY, "results"), {"GET": bulk2.query_results}),
)


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of ``Authorization: Bearer <token>`` (or the older ``OAuth <token>``)."""
    scheme, _, token = headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() in ("bearer", "oauth") and token.strip():
        return token.strip()
    return None


def _segments(request: Request) -> list[str]:
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if isinstance(raw, bytes) else request.url.path
    path = path.split("?", 1)[0][len(_PREFIX) :]
    parts = [unquote(p) for p in path.split("/")[1:]]
    if parts and parts[-1] == "":
        parts.pop()
    return parts


def route(request: ApiRequest) -> tuple[Handler, tuple[str, ...]]:
    """The handler and path parameters of ``request``: the first resource its path matches."""
    for resource in RESOURCES:
        args = resource.match(request.path)
        if args is None:
            continue
        method = "GET" if request.method == "HEAD" else request.method
        handler = resource.methods.get(method)
        if handler is None:
            raise method_not_allowed(request.method, tuple(resource.methods))
        return handler, args
    raise not_found()


def _json(body: Any, *, pretty: bool) -> bytes:
    if pretty:
        text = json.dumps(body, ensure_ascii=False, indent=2, separators=(",", " : "))
    else:
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8")


def render(response: ApiResponse, *, usage: ApiUsage | None, pretty: bool) -> Response:
    headers = dict(response.headers)
    if usage is not None:
        headers["Sforce-Limit-Info"] = usage.header
    if response.body is None:
        return Response(status_code=response.status, headers=headers)
    if isinstance(response.body, bytes):
        return Response(
            response.body,
            status_code=response.status,
            headers=headers,
            media_type=response.media_type or "text/csv",
        )
    return Response(
        _json(response.body, pretty=pretty),
        status_code=response.status,
        headers=headers,
        media_type=JSON_CONTENT_TYPE,
    )


def render_error(exc: SalesforceError, *, usage: ApiUsage | None, pretty: bool) -> Response:
    headers = {"WWW-Authenticate": "Token"} if exc.status == 401 else {}
    return render(ApiResponse(exc.status, [exc.as_dict()], headers), usage=usage, pretty=pretty)


def handle(backend: MockBackend, request: ApiRequest) -> Response:
    """Answer one versioned API request (runs in a worker thread: it reads the store)."""
    pretty = request.headers.get("x-prettyprint", "").strip().lower() in ("1", "true")
    principal = None
    usage: ApiUsage | None = None
    try:
        principal = backend.sessions.resolve(bearer_token(request.headers))
        backend.authorize_api(principal)
        usage = backend.limits.consume(org_id=principal.org_id)
        schema = backend.schema_for(principal)
        handler, args = route(request)
        response = handler(ApiCall(backend, principal, schema, request, route), *args)
    except MultipleMatches as exc:
        urls = [
            f"/services/data/v{request.api_version}/sobjects/{exc.sobject}/{i}"
            for i in exc.record_ids
        ]
        response = ApiResponse(300, urls)
    except SalesforceError as exc:
        if principal is not None and usage is None:
            usage = backend.limits.usage(org_id=principal.org_id)
        return render_error(exc, usage=usage, pretty=pretty)
    return render(response, usage=usage, pretty=pretty)


async def serve(request: Request) -> Response:
    """The endpoint of every ``/services/data`` path."""
    backend: MockBackend = request.app.state.backend
    pretty = request.headers.get("x-prettyprint", "").strip() == "1"
    segments = _segments(request)
    if not segments:
        if request.method not in ("GET", "HEAD"):
            return render_error(
                method_not_allowed(request.method, ("GET",)), usage=None, pretty=pretty
            )
        return render(ok(versions.api_versions()), usage=None, pretty=pretty)
    version = versions.parse_version(segments[0])
    if version is None:
        return render_error(not_found(), usage=None, pretty=pretty)
    api_request = ApiRequest(
        method=request.method,
        api_version=version,
        path=tuple(segments[1:]),
        # Multi-valued: parameterizedSearch repeats ``sobject=``.
        query=request.query_params,
        headers=request.headers,
        body=await request.body(),
    )
    return await run_in_threadpool(handle, backend, api_request)

"""``GET limits``: the org's allowances, API requests first."""

from __future__ import annotations

from mock_salesforce.rest.context import ApiCall, ApiResponse, ok


def limits(call: ApiCall) -> ApiResponse:
    """``{DailyApiRequests: {Max, Remaining}, DataStorageMB: ..., ...}``."""
    stored = call.backend.records.count(
        org_id=call.org_id, schema=call.backend.org_schema(call.org_id)
    )
    return ok(call.backend.limits.report(org_id=call.org_id, records=stored))

"""Choosing the REST API version among those an org offers."""

from __future__ import annotations

import pytest

from portal.adapters.salesforce.versions import VersionPolicy, offered_versions
from portal.domain.gateway_errors import SalesforceRequestError


def test_the_newest_offered_at_or_below_the_ceiling_wins() -> None:
    offered = ["61.0", "59.0", "62.0", "63.0"]
    assert VersionPolicy(ceiling="62.0").choose(offered) == "62.0"
    assert VersionPolicy(ceiling="60.0").choose(offered) == "59.0"


def test_an_org_older_than_the_portal_needs_is_named_with_both_ranges() -> None:
    with pytest.raises(SalesforceRequestError) as caught:
        VersionPolicy().choose(["30.0", "41.0"])
    message = caught.value.user_message
    assert "30.0" in message and "41.0" in message and "42.0" in message


def test_a_version_list_is_read_from_salesforces_shape_only() -> None:
    body = [
        {"label": "Winter '25", "url": "/services/data/v62.0", "version": "62.0"},
        {"version": "not a version"},
        "junk",
    ]
    assert offered_versions(body) == ["62.0"]
    assert offered_versions({"version": "62.0"}) == []


def test_a_policy_refuses_what_is_not_a_version() -> None:
    with pytest.raises(ValueError):
        VersionPolicy(pinned="latest")

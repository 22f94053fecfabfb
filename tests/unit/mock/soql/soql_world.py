"""A small org with known rows for the SOQL engine's tests, built through the real backend."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd

from mock_salesforce.backend import MockBackend
from mock_salesforce.rows import insert, soft_delete
from mock_salesforce.schema import OrgSchema
from mock_salesforce.soql import QueryPage
from tests.conftest import BareOrg, make_bare_org


@dataclass
class World:
    backend: MockBackend
    org: BareOrg
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def schema(self) -> OrgSchema:
        return self.backend.org_schema(self.org.org_id)

    def view(
        self,
        *,
        readable_objects: Iterable[str] | None = None,
        hidden_fields: Mapping[str, Iterable[str]] | None = None,
    ) -> OrgSchema:
        """A user's view of the org's schema: only ``readable_objects`` (all when None), minus
        ``hidden_fields`` (what ``permissions.view_of`` makes from a user's permissions)."""
        allowed = None if readable_objects is None else {o.lower() for o in readable_objects}
        hidden = {k.lower(): {f.lower() for f in v} for k, v in (hidden_fields or {}).items()}
        return OrgSchema.of(
            obj.with_fields(f for f in obj.fields if f.name.lower() not in hidden[obj.name.lower()])
            if obj.name.lower() in hidden
            else obj
            for obj in self.schema
            if allowed is None or obj.name.lower() in allowed
        )

    @property
    def today(self) -> date:
        return self.backend.clock.now().date()

    def run(
        self,
        soql: str,
        *,
        include_deleted: bool = False,
        batch_size: int = 2000,
        schema: OrgSchema | None = None,
        api_version: str = "59.0",
    ) -> QueryPage:
        return self.backend.queries.run(
            schema=schema or self.schema,
            org_id=self.org.org_id,
            soql=soql,
            include_deleted=include_deleted,
            batch_size=batch_size,
            api_version=api_version,
        )

    def records(self, soql: str, **kwargs: Any) -> list[dict[str, Any]]:
        page = self.run(soql, **kwargs)
        assert page.done
        return page.records

    def values(self, soql: str, key: str, **kwargs: Any) -> list[Any]:
        return [r[key] for r in self.records(soql, **kwargs)]

    def insert(
        self, sobject: str, rows: list[dict[str, Any]], *, now: datetime | None = None
    ) -> list[str]:
        obj = self.schema.get(sobject)
        assert obj is not None
        return insert(
            self.backend.store,
            org_id=self.org.org_id,
            obj=obj,
            rows=rows,
            actor_id=self.org.user_id,
            now=now or self.backend.clock.now(),
        )

    def delete(self, sobject: str, record_id: str) -> None:
        obj = self.schema.get(sobject)
        assert obj is not None
        soft_delete(
            self.backend.store,
            org_id=self.org.org_id,
            obj=obj,
            record_id=record_id,
            actor_id=self.org.user_id,
            now=self.backend.clock.now(),
        )

    def bulk_tasks(self, count: int, *, subject: str = "Bulk") -> list[str]:
        """``count`` Tasks inserted in one Arrow batch, Subjects ``<subject> 00000``..."""
        ids = self.backend.store.next_ids("00T", count)
        stamp = datetime(2024, 1, 1)
        frame = pd.DataFrame(
            {
                "_org_id": self.org.org_id,
                "Id": ids,
                "IsDeleted": False,
                "CreatedDate": stamp,
                "CreatedById": self.org.user_id,
                "LastModifiedDate": stamp,
                "LastModifiedById": self.org.user_id,
                "SystemModstamp": stamp,
                "OwnerId": self.org.user_id,
                "Subject": [f"{subject} {i:05d}" for i in range(count)],
                "Status": "Not Started",
                "Priority": "Normal",
                "IsClosed": False,
            }
        )
        self.backend.store.insert_arrow('"sobj_task"', frame)
        return ids


def build_world(
    *, profile: str = "acme", name: str = "Acme Japan", username: str = "admin@acme.example"
) -> World:
    """Accounts, Contacts, a Lead and Tasks with the values the tests assert on."""
    backend = MockBackend(data_dir=None)
    world = World(backend, make_bare_org(backend, name=name, profile=profile, username=username))
    ids = world.ids
    ids["admin"] = world.org.user_id
    [profile_id] = [
        r["ProfileId"]
        for r in world.records(f"SELECT ProfileId FROM User WHERE Id = '{world.org.user_id}'")
    ]
    [ids["ben"]] = world.insert(
        "User",
        [
            {
                "Username": f"ben@{name.split()[0].lower()}.example",
                "FirstName": "Ben",
                "LastName": "Sales",
                "Alias": "bsales",
                "Email": "ben@example.com",
                "IsActive": True,
                "ProfileId": profile_id,
                "TimeZoneSidKey": "Asia/Tokyo",
                "LocaleSidKey": "ja_JP",
                "LanguageLocaleKey": "ja",
                "EmailEncodingKey": "UTF-8",
            }
        ],
    )
    created = datetime(2024, 1, 31, 0, 30, tzinfo=UTC)  # 09:30 in Tokyo
    ids["acme"], ids["globex"] = world.insert(
        "Account",
        [
            {
                "Name": "Acme Corp",
                "Industry": "Banking",
                "Type": "Customer - Direct",
                "NumberOfEmployees": 120,
                "AnnualRevenue": 1500000.5,
                "Phone": "03-1234-5678",
                "OwnerId": ids["admin"],
            },
            {
                "Name": "Globex",
                "Industry": "Technology",
                "NumberOfEmployees": 40,
                "AnnualRevenue": 250000.0,
                "OwnerId": ids["ben"],
            },
        ],
        now=created,
    )
    ids["initech"], ids["umbrella"], ids["gone"] = world.insert(
        "Account",
        [
            {
                "Name": "initech",
                "ParentId": ids["acme"],
                "NumberOfEmployees": 5,
                "OwnerId": ids["admin"],
            },
            {"Name": "Umbrella 100%_off", "Industry": "Retail", "OwnerId": ids["ben"]},
            {"Name": "Deleted Co", "Industry": "Banking", "OwnerId": ids["admin"]},
        ],
        now=created + timedelta(days=1),
    )
    world.delete("Account", ids["gone"])
    ids["taro"], ids["hanako"], ids["jiro"], ids["pat"] = world.insert(
        "Contact",
        [
            {
                "FirstName": "Taro",
                "LastName": "Yamada",
                "AccountId": ids["acme"],
                "Email": "taro@example.com",
                "Birthdate": date(1990, 5, 1),
                "OwnerId": ids["admin"],
            },
            {
                "FirstName": "Hanako",
                "LastName": "Sato",
                "AccountId": ids["acme"],
                "OwnerId": ids["ben"],
            },
            {
                "FirstName": "Jiro",
                "LastName": "Suzuki",
                "AccountId": ids["globex"],
                "OwnerId": ids["admin"],
            },
            {
                "FirstName": "Pat",
                "LastName": "O'Brien",
                "Title": "Line1\nLine2",
                "OwnerId": ids["admin"],
            },
        ],
    )
    [ids["kenji"]] = world.insert(
        "Lead",
        [
            {
                "FirstName": "Kenji",
                "LastName": "Tanaka",
                "Company": "Tanaka Shoji",
                "Status": "Open - Not Contacted",
                "OwnerId": ids["ben"],
            },
        ],
    )
    today = world.today
    ids["t_call"], ids["t_lead"], ids["t_email"], ids["t_follow"] = world.insert(
        "Task",
        [
            {
                "Subject": "Call Yamada",
                "Status": "Completed",
                "Priority": "High",
                "WhoId": ids["taro"],
                "WhatId": ids["acme"],
                "CallDurationInSeconds": 120,
                "ActivityDate": today,
                "OwnerId": ids["admin"],
            },
            {
                "Subject": "Call Tanaka",
                "Status": "Not Started",
                "Priority": "Normal",
                "WhoId": ids["kenji"],
                "CallDurationInSeconds": 30,
                "ActivityDate": today - timedelta(days=1),
                "OwnerId": ids["ben"],
            },
            {
                "Subject": "Email Sato",
                "Status": "Completed",
                "Priority": "Low",
                "WhoId": ids["hanako"],
                "WhatId": ids["acme"],
                "ActivityDate": today + timedelta(days=1),
                "OwnerId": ids["admin"],
            },
            {
                "Subject": "Follow up",
                "Status": "In Progress",
                "Priority": "Normal",
                "CallDurationInSeconds": 600,
                "OwnerId": ids["ben"],
            },
        ],
    )
    return world

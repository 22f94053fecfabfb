"""Custom fields and objects per org profile.

The first org ("acme") has the custom fields MiiTel's settings map call data onto; the second
org ("second") lacks them, so re-integrating into it shows the missing-field errors of step 8.
"""

from __future__ import annotations

from mock_salesforce.schema.model import FieldType, ObjectDef
from mock_salesforce.schema.standard import f, obj, ref

T = FieldType

#: Custom fields added to standard objects, per org profile.
CUSTOM_FIELDS = {
    "acme": {
        "Task": [
            f("MiiTel_Call_URL__c", T.URL, label="MiiTel Call URL"),
            f("MiiTel_Transcript__c", T.TEXTAREA, 131072, label="MiiTel Transcript"),
            f("MiiTel_Summary__c", T.TEXTAREA, 32768, label="MiiTel Summary"),
            f(
                "MiiTel_Direction__c",
                T.PICKLIST,
                picklist_values=("Inbound", "Outbound"),
                label="MiiTel Direction",
            ),
            f("MiiTel_Call_Start__c", T.DATETIME, label="MiiTel Call Start"),
            f("MiiTel_Call_End__c", T.DATETIME, label="MiiTel Call End"),
            f("MiiTel_Memo__c", T.TEXTAREA, 4000, label="MiiTel Memo"),
        ],
        "Event": [
            f("MiiTel_Meeting_URL__c", T.URL, label="MiiTel Meeting URL"),
            f("MiiTel_Transcript__c", T.TEXTAREA, 131072, label="MiiTel Transcript"),
            f("MiiTel_Summary__c", T.TEXTAREA, 32768, label="MiiTel Summary"),
            f("MiiTel_Participants__c", T.TEXTAREA, 1000, label="MiiTel Participants"),
        ],
        "Contact": [
            f(
                "MiiTel_External_Id__c",
                T.STRING,
                64,
                external_id=True,
                unique=True,
                label="MiiTel External Id",
            ),
        ],
    },
    "second": {},
}

MIITEL_CALL_LOG = obj(
    "MiiTel_Call_Log__c",
    [
        f("Name", T.STRING, 80, nillable=False, label="Call Log Name"),
        f("Call_Id__c", T.STRING, 64, external_id=True, unique=True, label="Call Id"),
        f("Duration__c", T.DOUBLE, label="Duration"),
        f("Direction__c", T.PICKLIST, picklist_values=("Inbound", "Outbound"), label="Direction"),
        f("Started_At__c", T.DATETIME, label="Started At"),
        ref(
            "Contact__c", "Contact", rel="Contact__r", child="MiiTel_Call_Logs__r", label="Contact"
        ),
    ],
    owned=True,
    label="MiiTel Call Log",
    plural="MiiTel Call Logs",
)

#: Custom objects, per org profile. Key prefixes of custom objects are a01, a02, ...
CUSTOM_OBJECTS: dict[str, list[ObjectDef]] = {
    "acme": [MIITEL_CALL_LOG],
    "second": [],
}

CUSTOM_KEY_PREFIXES = {"MiiTel_Call_Log__c": "a01"}

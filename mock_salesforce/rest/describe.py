"""Describe: the global object list, an object's basic information, and its full describe,
built from the caller's view of the schema (hidden objects and fields do not appear)."""

from __future__ import annotations

from typing import Any

from mock_salesforce.records import json_value
from mock_salesforce.rest.context import ApiCall, ApiResponse, ok
from mock_salesforce.schema import FieldDef, FieldType, ObjectDef, OrgSchema

_SOAP_TYPES = {
    FieldType.ID: "tns:ID",
    FieldType.REFERENCE: "tns:ID",
    FieldType.BOOLEAN: "xsd:boolean",
    FieldType.INT: "xsd:int",
    FieldType.DOUBLE: "xsd:double",
    FieldType.CURRENCY: "xsd:double",
    FieldType.PERCENT: "xsd:double",
    FieldType.DATE: "xsd:date",
    FieldType.DATETIME: "xsd:dateTime",
}
_MERGEABLE = frozenset({"Account", "Contact", "Lead"})
_MASTER_RECORD_TYPE = "012000000000000AAA"


def _urls(call: ApiCall, obj: ObjectDef) -> dict[str, str]:
    base = f"{call.base_path}/sobjects/{obj.name}"
    return {"rowTemplate": f"{base}/{{ID}}", "describe": f"{base}/describe", "sobject": base}


def object_summary(call: ApiCall, obj: ObjectDef) -> dict[str, Any]:
    """One entry of describe global (also ``objectDescribe`` of the basic information)."""
    return {
        "activateable": False,
        "createable": obj.createable,
        "custom": obj.custom,
        "customSetting": False,
        "deletable": obj.deletable,
        "deprecatedAndHidden": False,
        "feedEnabled": False,
        "hasSubtypes": False,
        "isInterface": False,
        "isSubtype": False,
        "keyPrefix": obj.key_prefix or None,
        "label": obj.label,
        "labelPlural": obj.label_plural,
        "layoutable": obj.createable,
        "mergeable": obj.name in _MERGEABLE,
        "mruEnabled": obj.createable,
        "name": obj.name,
        "queryable": obj.queryable,
        "replicateable": True,
        "retrieveable": True,
        "searchable": obj.createable,
        "triggerable": obj.createable,
        "undeletable": obj.deletable,
        "updateable": obj.updateable,
        "urls": _urls(call, obj),
    }


def _field(obj: ObjectDef, f: FieldDef) -> dict[str, Any]:
    text = f.type not in _SOAP_TYPES
    long_text = f.type is FieldType.TEXTAREA and f.length > 255
    default = f.default_value if f.type is FieldType.BOOLEAN else None
    return {
        "aggregatable": not long_text and f.type is not FieldType.BOOLEAN,
        "autoNumber": False,
        "byteLength": f.length * 3 if text or f.type in (FieldType.ID, FieldType.REFERENCE) else 0,
        "calculated": f.calculated,
        "calculatedFormula": None,
        "cascadeDelete": False,
        "caseSensitive": False,
        "controllerName": None,
        "createable": f.createable,
        "custom": f.custom,
        "defaultValue": json_value(f, default),
        "defaultValueFormula": None,
        "defaultedOnCreate": f.default_on_create,
        "dependentPicklist": False,
        "deprecatedAndHidden": False,
        "digits": 9 if f.type is FieldType.INT else 0,
        "externalId": f.external_id,
        "filterable": f.filterable,
        "groupable": f.groupable,
        "htmlFormatted": False,
        "idLookup": f.name == "Id" or f.external_id,
        "inlineHelpText": None,
        "label": f.label or f.name,
        "length": f.length if text or f.type in (FieldType.ID, FieldType.REFERENCE) else 0,
        "name": f.name,
        "nameField": f.name == "Name",
        "namePointing": f.polymorphic,
        "nillable": f.nillable,
        "permissionable": f.nillable and f.createable and f.name != "OwnerId",
        "picklistValues": [
            {
                "active": True,
                "defaultValue": v == f.default_value,
                "label": v,
                "validFor": None,
                "value": v,
            }
            for v in f.picklist_values
        ],
        "polymorphicForeignKey": f.polymorphic,
        "precision": f.precision,
        "referenceTargetField": None,
        "referenceTo": list(f.reference_to),
        "relationshipName": f.relationship_name,
        "relationshipOrder": None,
        "restrictedPicklist": bool(f.picklist_values)
        and f.type in (FieldType.PICKLIST, FieldType.MULTIPICKLIST),
        "scale": f.scale,
        "soapType": _SOAP_TYPES.get(f.type, "xsd:string"),
        "sortable": f.sortable,
        "type": str(f.type),
        "unique": f.unique,
        "updateable": f.updateable,
        "writeRequiresMasterRead": False,
    }


def _child_relationships(schema: OrgSchema, obj: ObjectDef) -> list[dict[str, Any]]:
    return [
        {
            "cascadeDelete": False,
            "childSObject": rel.child_sobject,
            "deprecatedAndHidden": False,
            "field": rel.field,
            "junctionIdListNames": [],
            "junctionReferenceTo": [],
            "relationshipName": rel.relationship_name,
            "restrictedDelete": False,
        }
        for rel in schema.child_relationships(obj.name)
    ]


def describe_global(call: ApiCall) -> ApiResponse:
    """``GET sobjects``: every object the caller can see."""
    objects = sorted(call.schema, key=lambda o: o.name.lower())
    return ok(
        {
            "encoding": "UTF-8",
            "maxBatchSize": 200,
            "sobjects": [object_summary(call, o) for o in objects],
        }
    )


def basic_info(call: ApiCall, sobject: str) -> ApiResponse:
    """``GET sobjects/{Type}``: the object's summary and (always empty) recent items."""
    obj = call.sobject(sobject)
    return ok({"objectDescribe": object_summary(call, obj), "recentItems": []})


def describe(call: ApiCall, sobject: str) -> ApiResponse:
    """``GET sobjects/{Type}/describe``: fields, child relationships, record types, URLs."""
    obj = call.sobject(sobject)
    body = object_summary(call, obj)
    body.update(
        {
            "actionOverrides": [],
            "childRelationships": _child_relationships(call.schema, obj),
            "compactLayoutable": obj.createable,
            "fields": [_field(obj, f) for f in obj.fields],
            "listviewable": None,
            "lookupLayoutable": None,
            "namedLayoutInfos": [],
            "networkScopeFieldName": None,
            "recordTypeInfos": [
                {
                    "active": True,
                    "available": True,
                    "defaultRecordTypeMapping": True,
                    "developerName": "Master",
                    "master": True,
                    "name": "Master",
                    "recordTypeId": _MASTER_RECORD_TYPE,
                    "urls": {
                        "layout": f"{call.base_path}/sobjects/{obj.name}/describe/layouts/"
                        f"{_MASTER_RECORD_TYPE}"
                    },
                }
            ],
            "searchLayoutable": obj.createable,
            "sobjectDescribeOption": "FULL",
            "supportedScopes": [{"label": "All " + obj.label_plural.lower(), "name": "everything"}],
        }
    )
    return ok(dict(sorted(body.items())))

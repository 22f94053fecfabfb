"""One JSON value to its stored form, per field type: what Salesforce accepts (strings for
numbers, booleans and dates; numbers and booleans as text), what it stores as null, and the
JSON_PARSER_ERROR it answers for anything else."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from mock_salesforce.errors import SalesforceError
from mock_salesforce.records import convert_value
from mock_salesforce.schema import FieldDef, FieldType

WHERE = "at [line:1, column:9]"


def _field(kind: FieldType) -> FieldDef:
    return FieldDef(name="F__c", type=kind)


@pytest.mark.parametrize(
    ("kind", "raw", "stored"),
    [
        (FieldType.BOOLEAN, None, False),
        (FieldType.STRING, None, None),
        (FieldType.INT, None, None),
        (FieldType.DATETIME, None, None),
        (FieldType.BOOLEAN, True, True),
        (FieldType.BOOLEAN, False, False),
        (FieldType.BOOLEAN, " TRUE ", True),
        (FieldType.BOOLEAN, "false", False),
        (FieldType.INT, 7, 7),
        (FieldType.INT, 7.0, 7),
        (FieldType.INT, " -12 ", -12),
        (FieldType.INT, "3.0", 3),
        (FieldType.INT, 2**31 - 1, 2**31 - 1),
        (FieldType.INT, -(2**31 - 1), -(2**31 - 1)),
        (FieldType.INT, "", None),
        (FieldType.INT, "  ", None),
        (FieldType.DOUBLE, 7, 7.0),
        (FieldType.DOUBLE, "1.5", 1.5),
        (FieldType.CURRENCY, "1e3", 1000.0),
        (FieldType.PERCENT, 12.5, 12.5),
        (FieldType.DOUBLE, "", None),
        (FieldType.DATE, "2024-02-29", date(2024, 2, 29)),
        (FieldType.DATE, " 2024-02-29 ", date(2024, 2, 29)),
        (FieldType.DATE, "", None),
        (FieldType.DATE, " ", None),
        (FieldType.DATETIME, "2024-01-01T10:00:00+0900", datetime(2024, 1, 1, 1, 0)),
        (FieldType.DATETIME, "2024-01-01T10:00:00.5Z", datetime(2024, 1, 1, 10, 0, 0, 500000)),
        (FieldType.DATETIME, "2024-01-01", datetime(2024, 1, 1)),
        (FieldType.DATETIME, "", None),
        (FieldType.STRING, "plain", "plain"),
        (FieldType.STRING, "  padded ", "  padded "),
        (FieldType.STRING, "", None),
        (FieldType.STRING, 5, "5"),
        (FieldType.STRING, 1.5, "1.5"),
        (FieldType.STRING, True, "true"),
        (FieldType.TEXTAREA, False, "false"),
        (FieldType.PICKLIST, "a;b", "a;b"),
        (FieldType.EMAIL, " a@b.c ", " a@b.c "),
        (FieldType.ID, " 001000000000001AAA ", "001000000000001AAA"),
        (FieldType.REFERENCE, " 001000000000001 ", "001000000000001"),
        (FieldType.REFERENCE, "   ", None),
        (FieldType.ID, 12, "12"),
    ],
)
def test_values_salesforce_accepts_are_stored_in_their_field_s_form(
    kind: FieldType, raw: Any, stored: Any
) -> None:
    value = convert_value(_field(kind), raw, WHERE)
    assert value == stored
    assert type(value) is type(stored)


@pytest.mark.parametrize(
    ("kind", "raw", "message"),
    [
        (FieldType.STRING, [1], "string from START_ARRAY value " + WHERE),
        (FieldType.REFERENCE, {"a": 1}, "reference from START_OBJECT value " + WHERE),
        (FieldType.BOOLEAN, [], "boolean from START_ARRAY value " + WHERE),
        (FieldType.INT, {}, "int from START_OBJECT value " + WHERE),
        (FieldType.BOOLEAN, 1, "boolean from VALUE_NUMBER_INT value 1 or request"),
        (FieldType.BOOLEAN, "yes", "boolean from VALUE_STRING value yes or request"),
        (FieldType.BOOLEAN, "", "boolean from VALUE_STRING value  or request"),
        (FieldType.INT, "seven", "int from VALUE_STRING value seven or request"),
        (FieldType.INT, "1_000", "int from VALUE_STRING value 1_000 or request"),
        (FieldType.INT, True, "int from VALUE_TRUE value true or request"),
        (FieldType.INT, 1.5, "int from VALUE_NUMBER_FLOAT value 1.5 or request"),
        (FieldType.INT, "1.5", "int from VALUE_STRING value 1.5 or request"),
        (FieldType.INT, 2**31, "int from VALUE_NUMBER_INT value 2147483648 or request"),
        (FieldType.INT, "nan", "int from VALUE_STRING value nan or request"),
        (FieldType.DOUBLE, "inf", "double from VALUE_STRING value inf or request"),
        (FieldType.CURRENCY, "1e400", "currency from VALUE_STRING value 1e400 or request"),
        (FieldType.PERCENT, False, "percent from VALUE_FALSE value false or request"),
        (FieldType.DOUBLE, 10**400, "double from VALUE_NUMBER_INT value 1000000"),
        (FieldType.DATE, "2024-02-30", "date from VALUE_STRING value 2024-02-30 or request"),
        (FieldType.DATE, "2024-01-01T00:00:00Z", "date from VALUE_STRING value 2024-01-01T"),
        (FieldType.DATE, 20240101, "date from VALUE_NUMBER_INT value 20240101 or request"),
        (FieldType.DATE, True, "date from VALUE_TRUE value true or request"),
        (FieldType.DATETIME, "tomorrow", "datetime from VALUE_STRING value tomorrow or request"),
        (FieldType.DATETIME, "2024-01-01T10:00+2500", "datetime from VALUE_STRING value 2024"),
        (FieldType.DATETIME, 1.5, "datetime from VALUE_NUMBER_FLOAT value 1.5 or request"),
    ],
)
def test_other_values_are_a_json_parser_error_naming_the_type_and_the_place(
    kind: FieldType, raw: Any, message: str
) -> None:
    with pytest.raises(SalesforceError) as raised:
        convert_value(_field(kind), raw, WHERE)
    assert raised.value.error_code == "JSON_PARSER_ERROR"
    assert raised.value.message.startswith("Cannot deserialize instance of " + message)
    assert raised.value.message.endswith(WHERE)

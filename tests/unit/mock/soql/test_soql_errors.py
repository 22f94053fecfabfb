"""Bad queries get Salesforce's error codes and message styles, with the echo of where the
statement went wrong."""

from __future__ import annotations

import pytest

from mock_salesforce.errors import SalesforceError
from tests.unit.mock.soql.soql_world import World


def error_of(world: World, soql: str) -> SalesforceError:
    with pytest.raises(SalesforceError) as caught:
        world.run(soql)
    assert caught.value.status == 400
    return caught.value


def test_unexpected_token_is_named_and_located(world: World) -> None:
    error = error_of(world, "SELECT Id FORM Account")
    assert error.error_code == "MALFORMED_QUERY"
    assert error.message == (
        "\nSELECT Id FORM Account\n          ^\nERROR at Row:1:Column:11\nunexpected token: 'FORM'"
    )


def test_location_on_a_later_line(world: World) -> None:
    error = error_of(world, "SELECT Id\nFROM Account\nWHERE Name = = 'x'")
    assert error.message == (
        "\nWHERE Name = = 'x'\n             ^\nERROR at Row:3:Column:14\nunexpected token: '='"
    )


@pytest.mark.parametrize(
    ("soql", "token"),
    [
        ("SELECT Id FROM", "<EOF>"),
        ("SELECT FROM Account", "Account"),
        ("SELECT Id, FROM Account", "Account"),
        ("SELECT Id FROM Account WHERE", "<EOF>"),
        ("SELECT Id FROM Account LIMIT x", "x"),
        ("SELECT Id FROM Account LIMIT 1.5", "1.5"),
        ("SELECT Id FROM Account WHERE Name IN ()", ")"),
        ("SELECT Id FROM Account ORDER Name", "Name"),
        ("SELECT Id FROM Account WHERE CreatedDate = LAST_N_DAYS", "LAST_N_DAYS"),
        ("SELECT Id FROM Account WHERE CreatedDate = SOMEDAY", "SOMEDAY"),
        ("SELECT Id FROM Account WITH SOMETHING", "SOMETHING"),
        ("DELETE FROM Account", "DELETE"),
    ],
)
def test_malformed_queries_name_the_token(world: World, soql: str, token: str) -> None:
    error = error_of(world, soql)
    assert error.error_code == "MALFORMED_QUERY"
    assert error.message.endswith(f"unexpected token: '{token}'")


def test_lexer_errors_name_the_character(world: World) -> None:
    error = error_of(world, 'SELECT Id FROM Account WHERE Name = "Acme"')
    assert error.error_code == "MALFORMED_QUERY"
    assert error.message == "line 1:36 no viable alternative at character '\"'"
    unterminated = error_of(world, "SELECT Id FROM Account WHERE Name = 'Acme")
    assert "no viable alternative at character ''' " not in unterminated.message
    assert unterminated.error_code == "MALFORMED_QUERY"


def test_empty_and_blank_queries(world: World) -> None:
    for soql in ("", "   ", "\n"):
        assert error_of(world, soql).error_code == "MALFORMED_QUERY"


def test_unknown_field(world: World) -> None:
    error = error_of(world, "SELECT Id, Nme FROM Account")
    assert error.error_code == "INVALID_FIELD"
    assert error.message == (
        "\nSELECT Id, Nme FROM Account\n           ^\nERROR at Row:1:Column:12\n"
        "No such column 'Nme' on entity 'Account'. If you are attempting to use a custom "
        "field, be sure to append the '__c' after the custom field name. Please reference "
        "your WSDL or the describe call for the appropriate names."
    )


def test_unknown_field_on_a_parent(world: World) -> None:
    error = error_of(world, "SELECT Account.Nope FROM Contact")
    assert error.error_code == "INVALID_FIELD"
    assert "No such column 'Nope' on entity 'Account'" in error.message


def test_unknown_relationship(world: World) -> None:
    error = error_of(world, "SELECT Acount.Name FROM Contact")
    assert error.error_code == "INVALID_FIELD"
    assert error.message.endswith(
        "Didn't understand relationship 'Acount' in field path. If you are attempting to use "
        "a custom relationship, be sure to append the '__r' after the custom relationship "
        "name. Please reference your WSDL or the describe call for the appropriate names."
    )
    deep = error_of(world, "SELECT Account.Owner.Boss.Name FROM Contact")
    assert "Didn't understand relationship 'Boss'" in deep.message
    field_as_relationship = error_of(world, "SELECT Name.First FROM Contact")
    assert "Didn't understand relationship 'Name'" in field_as_relationship.message


def test_unknown_object(world: World) -> None:
    error = error_of(world, "SELECT Id FROM Acount")
    assert error.error_code == "INVALID_TYPE"
    assert error.message.endswith(
        "sObject type 'Acount' is not supported. If you are attempting to use a custom "
        "object, be sure to append the '__c' after the entity name. Please reference your "
        "WSDL or the describe call for the appropriate names."
    )
    assert "ERROR at Row:1:Column:16" in error.message


def test_unknown_child_relationship(world: World) -> None:
    error = error_of(world, "SELECT Id, (SELECT Id FROM Contact) FROM Account")
    assert error.error_code == "INVALID_TYPE"
    assert "Didn't understand relationship 'Contact' in FROM part of query call" in (error.message)


def test_duplicate_fields(world: World) -> None:
    error = error_of(world, "SELECT Id, Name, id FROM Account")
    assert error.error_code == "MALFORMED_QUERY"
    assert error.message.endswith("duplicate field selected: id")


def test_nested_child_subqueries_are_refused(world: World) -> None:
    error = error_of(world, "SELECT (SELECT (SELECT Id FROM Tasks) FROM Contacts) FROM Account")
    assert error.error_code == "MALFORMED_QUERY"


def test_overlong_and_deeply_nested_queries(world: World) -> None:
    long = "SELECT Id FROM Account WHERE Name = '" + "x" * 100_001 + "'"
    assert error_of(world, long).error_code == "MALFORMED_QUERY"
    deep = "SELECT Id FROM Account WHERE " + "NOT " * 5000 + "Name = 'x'"
    assert error_of(world, deep).error_code in ("MALFORMED_QUERY", "QUERY_TOO_COMPLICATED")


def test_characters_outside_unicode_scalar_values(world: World) -> None:
    error = error_of(world, "SELECT Id FROM Account WHERE Name = '\ud800'")
    assert error.error_code == "MALFORMED_QUERY"

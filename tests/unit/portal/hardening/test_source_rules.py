"""Issue 4's rules about the code itself, read from its syntax tree:

- SOQL in the Salesforce gateway is built only with ``simple_salesforce.format_soql``;
- no token or secret is handed to a log call or an exception message;
- layers as DESIGN.md says: services hold no SQL and no HTTP, the domain does no I/O (it may
  name ``pathlib.Path`` as a type, under ``TYPE_CHECKING``, never use it), and no Streamlit
  import sits below the pages.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

PORTAL = Path(__file__).resolve().parents[4] / "portal"
SALESFORCE_ADAPTER = PORTAL / "adapters" / "salesforce"

# simple-salesforce calls that send SOQL or SOSL.
_SF_QUERY_CALLS = frozenset(
    {"query", "query_all", "query_more", "query_all_iter", "search", "quick_search"}
)
# Builders that escape every value: simple-salesforce's, and the gateway's SOSL phone search
# (terms must be digits with an optional "+"), whose own body is the one place SOSL is glued.
_BUILDERS = frozenset({"format_soql", "phone_search"})
# The gateway's own query helpers: the first argument is a template for format_soql.
_GATEWAY_QUERY_HELPERS = frozenset({"query_all", "count"})
_SOQL_WORDS = ("SELECT ", "FIND {")
_LOG_METHODS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}
)
_LOGGERS = frozenset({"log", "logger", "logging", "LOG", "_log", "_logger"})
_SECRET_ATTRIBUTES = frozenset(
    {
        "access_token",
        "refresh_token",
        "client_secret",
        "code_verifier",
        "password",
        "password_hash",
        "encryption_key",
        "session_id",
    }
)


def _modules(root: Path) -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(root.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(PORTAL.parent)}:{getattr(node, 'lineno', '?')}"


def _functions(tree: ast.Module) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _format_soql_names(function: ast.AST) -> set[str]:
    """Names assigned from ``format_soql(...)`` inside ``function``."""
    names: set[str] = set()
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id in _BUILDERS
        ):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def _is_gateway(node: ast.AST) -> bool:
    """The gateway itself: ``self`` inside it, ``gateway`` where the sync's reads are given it."""
    return isinstance(node, ast.Name) and node.id in {"self", "gateway"}


def _is_soql_text(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and any(word in node.value.upper() for word in _SOQL_WORDS)
    )


def test_soql_in_the_gateway_is_built_only_with_format_soql() -> None:
    problems: list[str] = []
    checked = 0
    for path, tree in _modules(SALESFORCE_ADAPTER):
        for function in _functions(tree):
            quoted = _format_soql_names(function)
            for node in ast.walk(function):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                    continue
                name, receiver = node.func.attr, node.func.value
                if name in _GATEWAY_QUERY_HELPERS and _is_gateway(receiver):
                    checked += 1
                    # A literal, or a name for literals (templates glued by hand fail below).
                    template = node.args[0] if node.args else None
                    literal = isinstance(template, ast.Constant) and isinstance(template.value, str)
                    if not (literal or isinstance(template, ast.Name)):
                        problems.append(f"{_where(path, node)}: {name}() needs a literal template")
                elif name in _SF_QUERY_CALLS and not _is_gateway(receiver):
                    checked += 1
                    soql = node.args[0] if node.args else None
                    if not (isinstance(soql, ast.Name) and soql.id in quoted):
                        problems.append(
                            f"{_where(path, node)}: {name}() sends SOQL not built by format_soql"
                        )
                elif name == "restful" and node.args:
                    target = node.args[0]
                    if isinstance(target, ast.Constant) and str(target.value).startswith(
                        ("query", "search")
                    ):
                        problems.append(f"{_where(path, node)}: a query through restful()")
        builders = [f for f in _functions(tree) if getattr(f, "name", None) in _BUILDERS]
        inside_builders = {id(n) for f in builders for n in ast.walk(f)}
        for node in ast.walk(tree):
            if id(node) in inside_builders:
                continue
            # SOQL text glued to values by hand: f-strings, + and %, or str.format.
            glued = (
                (isinstance(node, ast.JoinedStr) and any(map(_is_soql_text, node.values)))
                or (
                    isinstance(node, ast.BinOp)
                    and isinstance(node.op, ast.Add | ast.Mod)
                    and (_is_soql_text(node.left) or _is_soql_text(node.right))
                )
                or (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "format"
                    and _is_soql_text(node.func.value)
                )
            )
            if glued:
                problems.append(f"{_where(path, node)}: SOQL built by string formatting")
    assert checked >= 10, "the rule found too few queries: has the gateway moved?"
    assert problems == []


def _secret_references(node: ast.AST) -> list[str]:
    found: list[str] = []
    for inner in ast.walk(node):
        if isinstance(inner, ast.Attribute) and inner.attr == "get_secret_value":
            found.append("get_secret_value()")
        elif isinstance(inner, ast.Attribute) and inner.attr in _SECRET_ATTRIBUTES:
            found.append(inner.attr)
    return found


def _is_log_call(node: ast.Call) -> bool:
    func = node.func
    if not (isinstance(func, ast.Attribute) and func.attr in _LOG_METHODS):
        return False
    owner = func.value
    if isinstance(owner, ast.Name):
        return owner.id in _LOGGERS
    # logging.getLogger(...).info(...)
    return (
        isinstance(owner, ast.Call)
        and isinstance(owner.func, ast.Attribute)
        and owner.func.attr == "getLogger"
    )


def test_no_secret_is_handed_to_a_log_call_or_an_exception_message() -> None:
    problems: list[str] = []
    log_calls = raises = 0
    for path, tree in _modules(PORTAL):
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _is_log_call(node):
                log_calls += 1
                arguments = [*node.args, *(k.value for k in node.keywords)]
                for argument in arguments:
                    problems += [
                        f"{_where(path, node)}: log gets {s}" for s in _secret_references(argument)
                    ]
            elif isinstance(node, ast.Raise) and node.exc is not None:
                raises += 1
                problems += [
                    f"{_where(path, node)}: exception gets {s}"
                    for s in _secret_references(node.exc)
                ]
    assert log_calls >= 5 and raises >= 20, "the rule found too little to check"
    assert problems == []


_SQL_STATEMENTS = ("SELECT ", "INSERT INTO", "DELETE FROM", "UPDATE ", "CREATE TABLE")


# Which layer may import what (Streamlit, DuckDB, HTTP, os, pathlib, adapters) is the
# import-linter contracts' job (pyproject.toml, `make lint`); these rules check what an import
# graph cannot see.


def test_services_hold_no_sql() -> None:
    problems: list[str] = []
    for path, tree in _modules(PORTAL / "services"):
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value.lstrip().upper().startswith(_SQL_STATEMENTS)
            ):
                problems.append(f"{_where(path, node)}: SQL in a service")
    assert problems == []


def test_the_domain_opens_no_file() -> None:
    for path, tree in _modules(PORTAL / "domain"):
        for node in ast.walk(tree):
            assert not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "open"
            ), _where(path, node)


@pytest.mark.parametrize(
    "old",
    [
        "portal.sync",
        "portal.sync.service",
        "portal.sync.store",
        "portal.services.storage",
        "portal.services.mock_browser",
        "portal.services.container",
        "portal.adapters.ports",
        "portal.adapters.client_address",
        "portal.adapters.salesforce.results",
    ],
)
def test_the_moved_modules_left_no_shim_behind(old: str) -> None:
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(old)

"""The unsafe ways to put data into Markdown are hard to bring back: a static check of the UI.

Streamlit renders notices, captions, labels and headers as Markdown, so a value from
Salesforce must reach them through ``t(msg(...))`` (which escapes data parameters) or
``literal()`` / ``literal_code()``. Two shapes bypass both, and this check finds them in every
module of ``portal/ui`` and ``portal/app_pages``:

* ``_("... {name} ...").format(name=value)``: the translated template filled by ``str.format``;
  each value must be one of the safe forms below.
* a value read off an object or a mapping (``status.org_name``, ``row["Name"]``: data, not the
  page's words), as such or in an f-string, handed straight to a call that renders Markdown
  (``st.markdown``, ``st.caption``, the notices, ``st.toast``, titles and headers, ``st.write``,
  and the labels and help of buttons, expanders and widgets).

Safe forms: constants, calls of the translating and escaping helpers (``_``, ``t``,
``ngettext``, ``literal``, ``literal_code``, ``when``, ``day``, ``number``, ...), f-strings and
``+`` of safe forms, and local names only ever bound to safe forms. The browser proof that the
escaping works is ``tests/e2e/portal/test_portal_hostile_org.py``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[3]
UI_MODULES: Final = sorted(
    [*(ROOT / "portal" / "ui").glob("*.py"), *(ROOT / "portal" / "app_pages").glob("*.py")]
)
#: Calls whose result is the portal's own words, or data already made literal.
SAFE_CALLS: Final = frozenset(
    {
        "_",
        "t",
        "ngettext",
        "literal",
        "literal_code",
        "when",
        "day",
        "number",
        "zone_label",
        "title",
        "section",
        "backup_name",
        "taken",
        "status_word",
        "status_icon",
    }
)
#: Findings in modules another change owns, told to its owner (module, parameter): the check
#: fails on any other.
REPORTED: Final[frozenset[tuple[str, str]]] = frozenset()
MARKDOWN_CALLS: Final = frozenset(
    {
        "markdown",
        "caption",
        "success",
        "info",
        "warning",
        "error",
        "toast",
        "title",
        "header",
        "subheader",
        "write",
        # labels, which Streamlit renders as Markdown too
        "button",
        "form_submit_button",
        "download_button",
        "link_button",
        "page_link",
        "expander",
        "status",
        "checkbox",
        "toggle",
        "radio",
        "selectbox",
        "multiselect",
        "text_input",
        "progress",
        "spinner",
        "metric",
        "badge",
    }
)
#: The arguments of those calls that Streamlit renders as Markdown.
MARKDOWN_KEYWORDS: Final = frozenset({"label", "body", "text", "help"})


def _called(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Name):
            return node.func.id
        if isinstance(node.func, ast.Attribute):
            return node.func.attr
    return None


class _Scope:
    """The local names of one function and every expression each is bound to."""

    def __init__(self, function: ast.AST | None) -> None:
        self.bindings: dict[str, list[ast.expr | None]] = {}
        if function is None:
            return
        for node in ast.walk(function):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    self._bind(target, node.value)
            elif isinstance(node, ast.AnnAssign | ast.AugAssign) and node.value is not None:
                self._bind(node.target, node.value)
            elif isinstance(node, ast.For | ast.comprehension):
                self._bind(node.target, None)
            elif isinstance(node, ast.arguments):
                for arg in [*node.args, *node.kwonlyargs, *node.posonlyargs]:
                    self.bindings.setdefault(arg.arg, []).append(None)

    def _bind(self, target: ast.expr, value: ast.expr | None) -> None:
        if isinstance(target, ast.Name):
            self.bindings.setdefault(target.id, []).append(value)
        elif isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
            for part, part_value in zip(target.elts, value.elts, strict=False):
                self._bind(part, part_value)
        elif isinstance(target, ast.Tuple):
            for part in target.elts:
                self._bind(part, None)

    def safe(self, node: ast.expr | None, depth: int = 0) -> bool:
        if node is None or depth > 8:
            return False
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.Call):
            return (
                _called(node) in SAFE_CALLS
                or _is_template_format(node)  # its own values are checked where it is
                or self._joins_safe(node, depth)
            )
        if isinstance(node, ast.JoinedStr):
            return all(self.safe(part, depth + 1) for part in node.values)
        if isinstance(node, ast.FormattedValue):
            return self.safe(node.value, depth + 1)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.safe(node.left, depth + 1) and self.safe(node.right, depth + 1)
        if isinstance(node, ast.IfExp):
            return self.safe(node.body, depth + 1) and self.safe(node.orelse, depth + 1)
        if isinstance(node, ast.BoolOp):
            return all(self.safe(value, depth + 1) for value in node.values)
        if isinstance(node, ast.Name):
            if node.id.isupper():  # the module's constants: the portal's own words and names
                return True
            bound = self.bindings.get(node.id, [])
            return bool(bound) and all(self.safe(value, depth + 1) for value in bound)
        return False

    def _joins_safe(self, node: ast.Call, depth: int) -> bool:
        """``", ".join(<safe form> for ...)``."""
        func = node.func
        if not (
            isinstance(func, ast.Attribute)
            and func.attr == "join"
            and isinstance(func.value, ast.Constant)
            and len(node.args) == 1
        ):
            return False
        [parts] = node.args
        if isinstance(parts, ast.GeneratorExp | ast.ListComp):
            return self.safe(parts.elt, depth + 1)
        return False


def _is_template_format(node: ast.Call) -> bool:
    """``_("...").format(...)``."""
    func = node.func
    return isinstance(func, ast.Attribute) and func.attr == "format" and _called(func.value) == "_"


def _functions(tree: ast.Module) -> Iterator[tuple[ast.AST | None, ast.AST]]:
    """(enclosing function or None, node) for every node of the module."""

    def visit(node: ast.AST, function: ast.AST | None) -> Iterator[tuple[ast.AST | None, ast.AST]]:
        for child in ast.iter_child_nodes(node):
            inner = child if isinstance(child, ast.FunctionDef | ast.Lambda) else function
            yield inner, child
            yield from visit(child, inner)

    yield from visit(tree, None)


def _reads_data(value: ast.expr) -> bool:
    """``{obj.attr}`` or ``{mapping[key]}`` (possibly ``or`` another): a value off an object."""
    if isinstance(value, ast.BoolOp):
        return any(_reads_data(part) for part in value.values)
    if isinstance(value, ast.Attribute) and value.attr.isupper():
        return False  # a module's constant (``i18n.SELECTOR_LABEL``)
    return isinstance(value, ast.Attribute | ast.Subscript)


def unsafe_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    scopes: dict[int, _Scope] = {}
    found: list[str] = []
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    for function, node in _functions(tree):
        if not isinstance(node, ast.Call):
            continue
        scope = scopes.setdefault(id(function), _Scope(function))
        func = node.func
        if _is_template_format(node):
            for keyword in node.keywords:
                if keyword.arg is None or not scope.safe(keyword.value):
                    name = keyword.arg or "**"
                    found.append(f"{where}:{node.lineno}: _(...).format({name}=...) with data")
            for arg in node.args:
                if not scope.safe(arg):
                    found.append(f"{where}:{node.lineno}: _(...).format(...) with data")
        if isinstance(func, ast.Attribute) and func.attr in MARKDOWN_CALLS:
            labelled = node.args[:1] if func.attr != "page_link" else []  # its first: a file
            shown = [*labelled, *(k.value for k in node.keywords if k.arg in MARKDOWN_KEYWORDS)]
            for arg in shown:
                if _reads_data(arg):
                    found.append(f"{where}:{node.lineno}: {func.attr}({ast.unparse(arg)})")
                for part in ast.walk(arg):
                    if isinstance(part, ast.FormattedValue) and _reads_data(part.value):
                        read = ast.unparse(part.value)
                        found.append(f'{where}:{node.lineno}: {func.attr}(f"...{{{read}}}...")')
    return found


def _reported(problem: str) -> bool:
    module, _, rest = problem.partition(":")
    return any(module == m and f".format({name}=" in rest for m, name in REPORTED)


def test_ui_modules_put_data_into_markdown_only_through_t_or_literal():
    found = [
        problem for path in UI_MODULES for problem in unsafe_uses(path) if not _reported(problem)
    ]
    assert found == [], "data reaches Markdown unescaped:\n" + "\n".join(found)


def test_the_check_finds_both_unsafe_shapes(tmp_path: Path):
    page = tmp_path / "sample_page.py"
    sample = (
        "import streamlit as st\n"
        "from portal.ui.i18n import _\n"
        "def body(status):\n"
        "    org = status.org_name\n"
        '    st.markdown(_("With **{org}**").format(org=org))\n'
        '    st.caption(f"User: {status.username}")\n'
        '    st.caption(f"User: {literal(status.username)}")\n'
        '    st.markdown(_("Step {n}").format(n=number(3)))\n'
        "    st.expander(label=status.org_name)\n"
        '    st.page_link("app_pages/backups.py", label=_("Backups"))\n'
    )
    page.write_text(sample, encoding="utf-8")
    found = unsafe_uses(page)
    assert [line.split(": ", 1)[1] for line in found] == [
        "_(...).format(org=...) with data",
        'caption(f"...{status.username}...")',
        "expander(status.org_name)",
    ]

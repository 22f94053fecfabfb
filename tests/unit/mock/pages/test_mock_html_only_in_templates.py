"""The mock org's HTML exists only as Jinja2 templates rendered with autoescaping: no Python
module under ``mock_salesforce`` writes markup itself (in an f-string, a concatenation or a
plain string), so no forgotten escape can turn an org admin's data into script."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from jinja2 import StrictUndefined

import mock_salesforce
from mock_salesforce.html import ENVIRONMENT, PAGE_HEADERS, TEMPLATES, render_html

PACKAGE = Path(mock_salesforce.__file__).parent
HTML_TAGS = (
    "a|b|body|br|button|div|em|form|h1|h2|h3|head|header|html|i|input|label|li|link|main|meta|"
    "nav|ol|option|p|script|section|select|span|strong|style|table|tbody|td|textarea|th|thead|"
    "title|tr|ul|!doctype"
)
MARKUP = re.compile(rf"</?(?:{HTML_TAGS})[\s>/]", re.IGNORECASE)
#: Salesforce's own API message text, sent as JSON data (never rendered by the mock).
SALESFORCE_TEXT = ("Duplicate Username.<br>The username already exists",)


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _markup_in(path: Path) -> list[int]:
    """The lines of every string literal (an f-string taken whole) holding an HTML tag."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parts = {
        id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values
    } | _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in parts:
            continue
        if isinstance(node, ast.JoinedStr):
            text = "".join(
                v.value for v in node.values if isinstance(v, ast.Constant) and type(v.value) is str
            )
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        if MARKUP.search(text) and not text.startswith(SALESFORCE_TEXT):
            found.append(node.lineno)
    return found


def test_no_python_module_of_the_mock_writes_html() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 30
    offenders = [
        f"{module.relative_to(PACKAGE.parent)}:{line}"
        for module in modules
        for line in _markup_in(module)
    ]
    assert offenders == [], "HTML belongs in mock_salesforce/templates: " + ", ".join(offenders)


def test_the_scan_would_see_markup_built_in_python(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "name = 'x'\n"
        'a = f"<td>{name}</td>"\n'
        "b = \"<div class='error'>\" + name\n"
        "c = f'{name} <someone@example.com>'\n"
        "def f():\n"
        '    """Returns ``<table> AS <alias>``."""\n'
        "    return 1\n",
        encoding="utf-8",
    )
    assert _markup_in(sample) == [2, 3]


def test_templates_escape_everything_and_refuse_unknown_names() -> None:
    assert ENVIRONMENT.autoescape is True
    assert ENVIRONMENT.undefined is StrictUndefined
    assert sorted(p.name for p in TEMPLATES.glob("**/*.html"))
    html = render_html(
        "oauth/message.html",
        title="<script>alert(1)</script>",
        message='" onmouseover="alert(2)\' &',
        link=("javascript:x' onclick='y", "<b>go</b>"),
    )
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&#34; onmouseover=&#34;alert(2)&#39; &amp;" in html
    assert 'href="javascript:x&#39; onclick=&#39;y"' in html


def test_every_page_keeps_its_frame_and_script_policy() -> None:
    assert PAGE_HEADERS["X-Frame-Options"] == "DENY"
    policy = PAGE_HEADERS["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src" not in policy

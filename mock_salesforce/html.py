"""The one layout of the mock's browser pages (login, consent, Setup): plain, fast HTML.

Every dynamic value goes through :func:`esc`; pages never echo secrets.
"""

from __future__ import annotations

from html import escape

from starlette.responses import HTMLResponse

_CSS = """
body{font-family:-apple-system,'Segoe UI',Roboto,'Hiragino Sans',Meiryo,sans-serif;margin:0;
background:#f3f3f3;color:#181818}
header{background:#032d60;color:#fff;padding:10px 20px;font-size:15px;display:flex;
justify-content:space-between;align-items:center}
header a{color:#fff}
main{max-width:980px;margin:24px auto;background:#fff;border:1px solid #dddbda;
border-radius:4px;padding:20px 28px}
main.narrow{max-width:420px}
h1{font-size:20px;margin:0 0 16px} h2{font-size:16px;margin:20px 0 8px}
label{display:block;margin:12px 0 4px;font-size:13px;color:#3e3e3c}
input[type=text],input[type=password],select{width:100%;padding:8px;border:1px solid #c9c9c9;
border-radius:4px;box-sizing:border-box;font-size:14px}
button,.button{background:#0176d3;color:#fff;border:0;border-radius:4px;padding:8px 16px;
font-size:14px;cursor:pointer;text-decoration:none;display:inline-block;margin:4px 4px 4px 0}
button.secondary{background:#fff;color:#0176d3;border:1px solid #c9c9c9}
button.danger{background:#ba0517}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #e5e5e5;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#fafaf9}
.error{background:#fddde3;border:1px solid #ba0517;color:#3a0612;padding:8px 12px;
border-radius:4px;margin:8px 0}
.notice{background:#e5f2fd;border:1px solid #0176d3;padding:8px 12px;border-radius:4px;
margin:8px 0}
.muted{color:#706e6b;font-size:12px}
form.inline{display:inline}
"""


def esc(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def page(
    title: str, body: str, *, status: int = 200, narrow: bool = False, header_right: str = ""
) -> HTMLResponse:
    """A complete page; ``body`` and ``header_right`` are trusted HTML built with :func:`esc`."""
    html = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width,initial-scale=1'><title>{esc(title)}"
        f"</title><style>{_CSS}</style></head><body><header><span>salesforce (mock org)</span>"
        f"<span>{header_right}</span></header><main class='{'narrow' if narrow else ''}'>"
        f"{body}</main></body></html>"
    )
    return HTMLResponse(
        html,
        status_code=status,
        headers={
            "Cache-Control": "no-store",
            "X-Frame-Options": "DENY",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
            "form-action 'self' http: https:; frame-ancestors 'none'",
        },
    )

"""The portal starts without the ``demo`` extra: the mock org, Faker and the mock's own packages
are optional (``pip install miitel-sf-reintegration`` vs ``...[demo]``), so nothing the portal
imports at start may import them.

Checked in a fresh interpreter where those packages cannot be imported (a ``sys.meta_path``
blocker), importing what ``streamlit run portal/streamlit_app.py`` imports: the entrypoint (as
a module, the way ``streamlit run`` finds its ``st.App``; the server is not started), every page
module and the composition root.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

# Import names only the `demo` extra brings (the others it lists, jinja2, pandas, uvicorn,
# python-multipart, come with Streamlit anyway, so blocking them would prove nothing).
DEMO_ONLY = ("mock_salesforce", "faker", "lark")

# The modules the portal imports at start. Retarget the composition root to `portal.bootstrap`
# when it moves there.
START_MODULES = ("portal.streamlit_app", "portal.bootstrap")

_PROGRAM = """
import importlib
import importlib.abc
import pkgutil
import sys

BLOCKED = {blocked!r}


class DemoExtraMissing(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}} (demo extra not installed)")
        return None


sys.meta_path.insert(0, DemoExtraMissing())
for name in BLOCKED:
    try:
        importlib.import_module(name)
    except ModuleNotFoundError:
        pass
    else:
        raise SystemExit(f"the blocker let {{name}} through")

import portal.app_pages

modules = [*{start!r}]
modules += [
    f"portal.app_pages.{{info.name}}"
    for info in pkgutil.iter_modules(portal.app_pages.__path__)
]
for module in modules:
    importlib.import_module(module)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
if loaded:
    raise SystemExit(f"loaded without the demo extra: {{loaded}}")
print("imported", len(modules), "modules")
"""


def test_the_portal_starts_without_the_demo_extra() -> None:
    program = _PROGRAM.format(blocked=DEMO_ONLY, start=START_MODULES)
    done = subprocess.run(
        [sys.executable, "-c", program],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("imported "), done.stdout

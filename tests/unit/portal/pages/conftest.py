"""Fixtures of the page tests (helpers in ``page_helpers``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
import streamlit as st
from page_helpers import (
    ADMIN,
    APP,
    PAGES,
    MockWorld,
    absent_config,
    start_world,
)
from streamlit.testing.v1 import AppTest

import portal.ui.container as ui_container
import portal.ui.web_session as web_session
from portal.bootstrap import Portal, build_portal
from portal.services.actors import Actor
from portal.ui.session import ACTOR

AppFactory = Callable[..., AppTest]


@pytest.fixture(scope="session")
def mock_world() -> Iterator[MockWorld]:
    """The mock org in its default scenario, shared by the page tests (they only add
    sessions and tokens to it)."""
    server = start_world()
    try:
        yield MockWorld(server)
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _fresh_streamlit_caches() -> Iterator[None]:
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture(scope="module")
def own_world() -> Iterator[MockWorld]:
    """A mock org for one test module alone (its tests switch the scenario or write into it)."""
    server = start_world()
    try:
        yield MockWorld(server)
    finally:
        server.stop()


@pytest.fixture
def demo_portal(own_world: MockWorld, data_dir: Path) -> Iterator[Portal]:
    """The real services in mock mode (the Demo page's controls) over ``own_world``."""
    own_world.write_ready_file(data_dir)
    built = build_portal(config=own_world.config(data_dir))
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def mock_portal(mock_world: MockWorld, data_dir: Path) -> Iterator[Portal]:
    """The real services over a new DuckDB file, talking to the mock org; not integrated."""
    built = build_portal(config=mock_world.config(data_dir))
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def absent_portal(data_dir: Path) -> Iterator[Portal]:
    """The real services over a new DuckDB file, with no Salesforce to reach."""
    config = absent_config(data_dir)
    built = build_portal(config=config)
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def page_app(monkeypatch: pytest.MonkeyPatch) -> AppFactory:
    """``page_app(file, portal, actor=ADMIN, state={...})``: an AppTest of one page file (or
    the entrypoint) over ``portal``, with the actor and extra session state preset."""

    def make(
        file: str,
        portal: Portal,
        *,
        actor: Actor | None = ADMIN,
        state: Mapping[str, object] | None = None,
    ) -> AppTest:
        monkeypatch.setattr(ui_container, "portal", lambda: portal)
        # The cookie and download routes run outside a page: the same portal's sessions.
        monkeypatch.setattr(web_session, "route_sessions", lambda: portal.web_sessions)
        path = APP if file == "streamlit_app.py" else PAGES / file
        app = AppTest.from_file(str(path), default_timeout=60)
        if actor is not None:
            app.session_state[ACTOR] = actor
        for key, value in (state or {}).items():
            app.session_state[key] = value
        return app

    return make

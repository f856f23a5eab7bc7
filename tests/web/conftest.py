"""The web test harness: a real uvicorn server on a free loopback port over a real DuckDB data
directory, and a real browser (Playwright driving Debian's chromium) with axe-core checks.

One server per test module (``web_server``), one browser per test session (``browser``), a
fresh browser context per test (``page``). A module that needs other data overrides
``web_data`` (a module-scoped fixture returning a ``Seeded`` register). Each web test module sets
``pytestmark = pytest.mark.xdist_group(...)`` so that its tests share a worker and one server.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
import uvicorn
from webharness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENSHOTS,
    Person,
    Seeded,
    Server,
    free_socket,
    seed,
)

from sosdata.app import Register
from sosdata.web import create_app


@pytest.fixture(scope="module")
def web_data(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    return seed(tmp_path_factory.mktemp("web") / "data")


@pytest.fixture(scope="module")
def web_server(web_data: Seeded) -> Iterator[Server]:
    """``sosdata serve`` as it runs in production: uvicorn on loopback, in this process."""
    register = Register(web_data.settings, purpose="web tests", keep_tables=True)
    app = create_app(web_data.settings, register=register)
    sock = free_socket()
    config = uvicorn.Config(app, log_level="warning", lifespan="on", server_header=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web server did not start")
        time.sleep(0.02)
    host, port = sock.getsockname()
    try:
        yield Server(f"http://{host}:{port}", web_data, register)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
        register.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser, web_server: Server):
    """``new_page(locale="fi-FI", **context_options)``: a page in a fresh browser context (no
    cookies) at the server; ``java_script_enabled=False`` for the no-JavaScript path."""
    contexts = []

    def make(locale: str = "fi-FI", **options):
        context = browser.new_context(base_url=web_server.base_url, locale=locale, **options)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    try:
        yield make
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def page(new_page):
    """A page in a fresh browser context, Finnish."""
    return new_page()


@pytest.fixture
def sign_in() -> Callable:
    """``sign_in(page, person)``: sign in through the form, as a person would."""

    def go(page, person: Person, next_path: str = "/") -> None:
        page.goto(f"/sign-in?next={next_path}")
        page.locator("#user_id").fill(person.user_id)
        page.locator("#password").fill(person.password)
        page.locator("form.stacked button[type=submit]").click()
        page.wait_for_url(f"**{next_path}")

    return go


@pytest.fixture(scope="session")
def axe_check() -> Callable:
    """``axe_check(page)``: axe-core on the page; fails on any serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page) -> None:
        results = axe.run(page)
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(node["target"][0] for node in v["nodes"][:3])
            for v in results.response["violations"]
            if v.get("impact") in ("serious", "critical")
        ]
        assert not bad, f"{page.url}: " + " | ".join(bad)

    return check


@pytest.fixture(scope="session")
def screenshot() -> Callable:
    """``screenshot(page, name)``: a full-page PNG in docs/screenshots/ for the documentation."""

    def take(page, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take

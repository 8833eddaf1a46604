"""End to end in Debian's chromium: log in, record, upload, review, see the dashboard move.

Runs in CI (``.ci/run`` installs chromium). Screenshots go to a temporary folder, or
to ``docs/screenshots/`` when ``GAWAH_UPDATE_SCREENSHOTS=1``, so an ordinary test run
never rewrites the committed pictures.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import uvicorn

from gawah.web import create_app

from ._data import PASSWORDS, Role

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
DOC_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
BAD_CSV = (
    "record_id,full_name,name_urdu,age,status,village\n"
    "u1,Rashid Mehmood,راشد محمود,34,killed,Dhok Ratta\n"
    "u2,Nasreen Akhtar,نسرین اختر,not an age,missing,Bhara Kahu\n"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(template_home: Path, tmp_path: Path) -> Iterator[str]:
    home = tmp_path / "ws"
    shutil.copytree(template_home, home)
    port = _free_port()
    config = uvicorn.Config(
        create_app(home, admin_mfa=False, warm=True),  # the browser logs in by password
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


def _count(page: Any, category: str) -> int:
    return int(page.locator(f"#count-{category}").inner_text().replace(",", ""))


def _current(page: Any) -> None:
    """Wait until the page shows the figures of the ledger's newest state.

    After a change the dashboard first shows the earlier state's figures, marked
    "being recomputed", and swaps in the new ones (HTMX) when they are ready.
    """
    from playwright.sync_api import expect

    expect(page.locator("#recomputing")).to_have_count(0, timeout=90_000)


class Watch:
    """Every console error and failed request of a browser page, for the test to refuse.

    A refused form comes back as a 422 page by design: the test names those it
    expects (``expect_refusal``); any other 4xx/5xx, on any resource (an image
    too), or a request that never completed, is a failure.
    """

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.refusals = 0
        self.echoes = 0  # the console's line for each expected refusal

    def attach(self, page: Any) -> Any:
        page.on("console", self._console)
        page.on("response", self._response)
        page.on("requestfailed", self._failed)
        return page

    def _failed(self, request: Any) -> None:
        failure = request.failure or ""
        # A live search still in flight when the next keystroke's query or a
        # click on a result supersedes it is aborted by the browser: not an
        # error of the app (every other request that never completes is).
        if "ERR_ABORTED" in failure and "/register?" in request.url:
            return
        self.errors.append(f"failed: {request.url} ({failure})")

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        if "status of 422" in message.text and self.echoes > 0:
            self.echoes -= 1  # the console's echo of a refusal the test expected
            return
        self.errors.append(f"console: {message.text}")

    def _response(self, response: Any) -> None:
        if response.status < 400:
            return
        document = response.request.resource_type == "document"
        if response.status == 422 and document and self.refusals > 0:
            self.refusals -= 1
            self.echoes += 1
            return
        self.errors.append(f"{response.status}: {response.url}")

    def expect_refusal(self) -> None:
        self.refusals += 1


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    wide = page.evaluate(
        "Array.from(document.querySelectorAll('body *')).filter(e => !(e.parentElement && e.parentElement.closest('.table-wrap')) && "
        "e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5)"
        ".map(e => e.tagName + '.' + e.className + '#' + e.id)"
    )
    assert width <= inner, f"{page.url}: {width} px wide in a {inner} px window: {wide}"


@pytest.mark.browser
@pytest.mark.filterwarnings("ignore::UserWarning")  # pandas date chatter in linkage
def test_documenter_journey(server: str, tmp_path: Path) -> None:
    """Log in, add a report with an Urdu name, upload a list with a bad row, decide a pair."""
    from playwright.sync_api import expect, sync_playwright

    update = os.environ.get("GAWAH_UPDATE_SCREENSHOTS") == "1"
    shots = DOC_SHOTS if update else tmp_path / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    csv_path = tmp_path / "clinic-list.csv"
    csv_path.write_text(BAD_CSV, encoding="utf-8")
    watch = Watch()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = watch.attach(browser.new_page(viewport={"width": 1280, "height": 900}))

        page.goto(server + "/dashboard")
        expect(page).to_have_url(re.compile(r"/login\?next="))
        page.get_by_label("Account name").fill("admin")
        page.get_by_label("Password").fill(PASSWORDS[Role.ADMIN])
        page.screenshot(path=shots / "login.png")
        page.get_by_role("button", name="Log in").click()
        expect(page.locator("#documented-counts")).to_be_visible()
        killed_before = _count(page, "killed")
        page.screenshot(path=shots / "dashboard.png", full_page=True)

        page.goto(server + "/entry")
        page.locator("#f-new_source").fill("Field team (FICTIONAL)")
        page.locator("#f-full_name").fill("Zainab Bibi")
        page.locator("#f-name_urdu").fill("زینب بی بی")
        page.locator("#f-incident").select_option(index=1)
        page.locator("#f-status").select_option("killed")
        page.locator("#f-age").fill("about thirty-ish?")
        watch.expect_refusal()
        page.get_by_role("button", name="Record the report").click()
        expect(page.locator("#e-age")).to_be_visible()  # the message sits by the field
        page.screenshot(path=shots / "entry-validation.png", full_page=True)
        page.locator("#f-age").fill("30")
        page.get_by_role("button", name="Record the report").click()
        expect(page.locator("#entry-saved")).to_be_visible()

        page.locator("#u-file").set_input_files(str(csv_path))
        page.locator("#u-new_source").fill("Clinic list (FICTIONAL)")
        watch.expect_refusal()
        page.get_by_role("button", name="Check and import").click()
        expect(page.locator("#upload-issues")).to_contain_text("not an age")
        page.locator("#upload-report").scroll_into_view_if_needed()
        page.screenshot(path=shots / "upload-report.png", full_page=True)

        page.goto(server + "/register")
        page.locator("#q").fill("زینب")
        expect(page.locator("#results")).to_contain_text("Zainab Bibi")
        page.screenshot(path=shots / "register-urdu-search.png", full_page=True)
        page.get_by_role("link", name="Zainab Bibi").first.click()
        expect(page.locator("h1")).to_contain_text("Zainab Bibi")
        page.screenshot(path=shots / "person.png", full_page=True)

        page.goto(server + "/review")
        expect(page.locator("#why")).to_be_visible()
        page.screenshot(path=shots / "review.png", full_page=True)
        page.get_by_role("button", name="Not a match").click()
        page.get_by_role("button", name="Apply decisions (link again)").click()
        expect(page.locator("#relinked")).to_be_visible(timeout=60_000)

        page.goto(server + "/dashboard")
        _current(page)
        assert (
            _count(page, "killed") > killed_before
        )  # Zainab is now a documented person

        page.goto(server + "/estimates")
        expect(page.locator("#strata")).to_be_visible()
        page.get_by_role("button", name="Estimate").click()  # "Who: everyone"
        expect(page.locator("#estimate-table")).to_be_visible()
        page.screenshot(path=shots / "estimates.png", full_page=True)

        person = page.evaluate(
            "fetch('/api/persons').then(r => r.json()).then(b => "
            "b.persons.find(p => p.reports.length > 1).href)"
        )
        phone = watch.attach(browser.new_page(viewport={"width": 390, "height": 844}))
        phone.context.add_cookies(page.context.cookies())
        for url in (
            "/dashboard",
            "/register",
            person,
            "/estimates",
            "/review",
            "/entry",
        ):
            phone.goto(server + url)
            phone.wait_for_load_state("networkidle")
            _no_sideways_scroll(phone)
        phone.goto(server + "/dashboard")
        expect(phone.locator("#documented-counts")).to_be_visible()
        expect(phone.locator("svg.chart.narrow")).to_be_visible()
        phone.screenshot(path=shots / "dashboard-phone.png", full_page=True)
        phone.goto(server + "/register?q=" + quote("زینب"))
        expect(phone.get_by_text("زینب بی بی").first).to_be_visible()
        phone.screenshot(path=shots / "register-phone.png", full_page=True)
        browser.close()
    assert watch.errors == [], "\n".join(watch.errors)

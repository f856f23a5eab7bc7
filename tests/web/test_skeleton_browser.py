"""The skeleton in a real browser: sign in, switch language, with and without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from webharness import ANNA

pytestmark = pytest.mark.xdist_group("web_skeleton_browser")


def test_sign_in_and_switch_language_without_javascript(new_page):
    page = new_page("en-GB", java_script_enabled=False)
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="på svenska").click()
    assert page.locator("h1").inner_text() == "Socialvårdens uppföljningsregister"
    page.get_by_role("link", name="Logga in").first.click()
    page.get_by_label("Användarnamn").fill(ANNA.user_id)
    page.get_by_label("Lösenord").fill("wrong password")
    page.get_by_role("button", name="Logga in").click()
    assert page.get_by_role("alert").inner_text() == "Fel användarnamn eller lösenord."
    page.get_by_label("Lösenord").fill(ANNA.password)
    page.get_by_role("button", name="Logga in").click()
    # waits for the page the sign-in leads to (is_visible alone would look before it arrives)
    expect(page.get_by_text(f"Inloggad som {ANNA.user_id}")).to_be_visible()


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_pages_pass_axe_in_every_language(new_page, axe_check, screenshot, lang):
    page = new_page(lang)
    for path in ("/", "/sign-in", "/no-such-page"):
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == lang
        axe_check(page)
    page.goto("/sign-in")
    screenshot(page, f"sign-in-{lang}")


def test_keyboard_only_sign_in(page, web_server):
    page.goto("/sign-in")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    page.locator("#user_id").focus()
    page.keyboard.type(ANNA.user_id)
    page.keyboard.press("Tab")
    page.keyboard.type(ANNA.password)
    page.keyboard.press("Enter")
    page.wait_for_url(web_server.base_url + "/")
    assert ANNA.user_id in page.locator("header").inner_text()

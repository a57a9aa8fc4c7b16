"""Helpers for the editor's browser tests: the two widths every page is checked at, signing
in as an editor, and screenshots under var/screenshots/ (git-ignored)."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, User

from eidataset.roles import EDITORS
from tests.conftest import PASSWORD

WIDTHS = (1366, 390)
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def shoot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in_editor(page, live_server, width: int) -> User:
    user = User.objects.create_user("ed", "ed@example.com", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "ed")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("text=Log out")
    return user


def page_width(page) -> int:
    """How wide the document is drawn: wider than the window means a sideways scroll.

    Measured once the page's stylesheets have loaded: a busy server can hand the HTML over
    before the CSS, and an unstyled review page is 455 px wide at 390 (a failure seen in CI)."""
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth")


def overflowing(page) -> list[str]:
    """The innermost elements drawn past the window's right edge, to say why a page is wide."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
        .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1
            && ![...el.children].some(c => c.getBoundingClientRect().right
                > document.documentElement.clientWidth + 1))
        .slice(0, 8)
        .map(el => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}`
            + `${el.className && typeof el.className === 'string' ? '.' + el.className : ''}`
            + ` ${Math.round(el.getBoundingClientRect().right)}px: `
            + (el.textContent || '').trim().slice(0, 60))"""
    )

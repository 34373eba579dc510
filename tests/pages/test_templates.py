"""Ready for a strict Content-Security-Policy, and escaping everywhere: no inline script, no
inline event handler, no style attribute, nothing marked safe in any template of the site."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

TEMPLATES = Path(settings.TEMPLATES[0]["DIRS"][0])
FILES = sorted(TEMPLATES.rglob("*.html"))


def test_the_templates_are_found() -> None:
    assert len(FILES) > 20
    assert TEMPLATES / "base.html" in FILES


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_inline_script_style_or_handler(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)", text), "inline <script>"
    assert not re.search(r"<style\b", text), "inline <style>"
    assert not re.search(r"\sstyle=", text), "style attribute"
    assert not re.search(r"\son[a-z]+\s*=", text), "inline event handler"
    assert "|safe" not in text
    assert "autoescape off" not in text
    assert "javascript:" not in text


@pytest.mark.django_db
@pytest.mark.usefixtures("web_state")
@pytest.mark.parametrize(
    "name", ["pages:landing", "pages:about", "accounts:login", "catalog:search"]
)
def test_rendered_pages_run_only_the_sites_own_files(client: Client, name: str) -> None:
    page = client.get(reverse(name)).content.decode()
    scripts = re.findall(r"<script\b([^>]*)>", page)
    assert scripts
    for attributes in scripts:
        src = re.search(r'src="([^"]+)"', attributes)
        if src is None:
            assert 'type="application/json"' in attributes  # data for the scripts, never run
        else:
            assert src.group(1).startswith("/" + settings.STATIC_URL.lstrip("/"))
    assert "cdn" not in page.lower()

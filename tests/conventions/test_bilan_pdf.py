"""The PDF bilan read as a document: rendered to PNG pages with poppler's pdftoppm (saved under
tests/browser/screenshots/ to be looked at) and to text with pdftotext."""

import datetime
import shutil
import subprocess

import pytest
from django.urls import reverse

from tests.browser.conftest import SCREENSHOTS
from tests.conventions.factories import make_alert, make_convention

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("pdftoppm", "pdftotext", "pdfinfo")),
    reason="poppler-utils is not installed",
)

MARCH = "?start=2026-03-01&end=2026-03-31"


@pytest.fixture
def bilan(world, login, tmp_path):
    convention = make_convention(world, periodic_review_months=6)
    for _ in range(3):
        make_alert(world, convention=convention, ack_after=datetime.timedelta(hours=2))
    response = login(world.prefect_agent).get(reverse("conventions:bilan", args=[convention.pk]) + MARCH)
    path = tmp_path / "bilan.pdf"
    path.write_bytes(response.content)
    return path


def pages_text(pdf) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True)
    return text.stdout.split("\f")


def test_the_bilan_renders_to_png_pages_that_open_on_a_title_page_with_the_marianne_block_and_the_prefecture(
    world, bilan
):
    SCREENSHOTS.mkdir(exist_ok=True)
    prefix = SCREENSHOTS / "bilan-page"
    for old in SCREENSHOTS.glob("bilan-page-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(bilan), str(prefix)], check=True)

    pages = sorted(SCREENSHOTS.glob("bilan-page-*.png"))
    text = pages_text(bilan)
    assert len(pages) >= 2
    title_page = text[0]
    assert "RÉPUBLIQUE" in title_page
    assert "FRANÇAISE" in title_page
    assert "Liberté" in title_page
    assert world.prefecture.name in title_page
    assert "Bilan de la convention" in title_page
    assert "Chiffres clés" not in title_page  # the figures start on the next page


def test_the_bilan_says_the_status_once_and_heads_every_table(bilan):
    text = "\n".join(pages_text(bilan))

    assert "en vigueur du" not in text.lower()
    for heading in ("Organisation", "Indicateur", "Engagement", "Action"):
        assert heading in text


def test_the_bilan_is_tagged_as_pdf_ua(bilan):
    info = subprocess.run(["pdfinfo", str(bilan)], capture_output=True, check=True, text=True).stdout
    metadata = subprocess.run(["pdfinfo", "-meta", str(bilan)], capture_output=True, check=True, text=True)

    assert "Tagged:          yes" in info
    assert "pdfuaid:part" in metadata.stdout

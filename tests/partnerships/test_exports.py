"""Text a user typed never becomes a formula in an export (OWASP "CSV injection"): every CSV and XLSX
export goes through partnerships.exports, which prefixes such text with a single quote and writes
XLSX text cells as strings."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from partnerships.exports import csv_response, xlsx_response
from tests.conventions.factories import make_alert, make_convention

HYPERLINK = '=HYPERLINK("http://x","y")'
ROW = [HYPERLINK, "@SUM(1)", "+33 6", "-1+2", "\tcmd", "\rcmd", "Les Tilleuls", -5, 2.5, True, None]
NEUTRALISED = [
    "'" + HYPERLINK,
    "'@SUM(1)",
    "'+33 6",
    "'-1+2",
    "'\tcmd",
    "'\rcmd",
    "Les Tilleuls",
]


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body, newline=""), delimiter=";"))


def xlsx_sheet(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def test_csv_cells_that_would_start_a_formula_get_a_leading_quote_and_numbers_stay_numbers():
    [row] = csv_rows(csv_response([ROW], "test"))

    assert row[:7] == NEUTRALISED
    assert row[7:] == ["-5", "2,5", "True", ""]  # the decimal comma of French spreadsheets


def test_xlsx_text_is_never_a_formula_and_numbers_stay_numbers():
    sheet = xlsx_sheet(xlsx_response([ROW, ["#N/A", datetime.date(2026, 3, 2)]], "test", "Fiches"))
    first, second = list(sheet.iter_rows())

    # XML reads a carriage return back as a line feed.
    assert [c.value for c in first[:7]] == [text.replace("\r", "\n") for text in NEUTRALISED]
    assert {c.data_type for c in first[:7]} == {"s"}
    assert (first[7].value, first[7].data_type) == (-5, "n")
    assert (first[8].value, first[9].value) == (2.5, True)
    # openpyxl would have stored it as an error value, not the text the user typed.
    assert (second[0].value, second[0].data_type) == ("#N/A", "s")
    assert second[1].value.date() == datetime.date(2026, 3, 2)


@pytest.fixture
def hostile_estate(world):
    world.site_creil.name = HYPERLINK
    world.site_creil.save(update_fields=["name"])
    return world.site_creil


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_estate_named_like_a_formula_is_exported_as_text_with_the_fiches(
    world, login, hostile_estate, fmt
):
    convention = make_convention(world)
    make_alert(world, convention=convention, site=hostile_estate)

    response = login(world.prefect_agent).get(
        reverse("conventions:fiches_export", args=[fmt]) + "?start=2026-03-01&end=2026-03-31"
    )

    if fmt == "csv":
        cells = [cell for row in csv_rows(response)[1:] for cell in row]
        assert "'" + HYPERLINK in cells
        assert HYPERLINK not in cells
    else:
        cells = [cell for row in xlsx_sheet(response).iter_rows(min_row=2) for cell in row]
        [site] = [cell for cell in cells if HYPERLINK in str(cell.value)]
        assert (site.value, site.data_type) == ("'" + HYPERLINK, "s")


def test_the_fiches_list_export_quotes_an_estate_named_like_a_formula(world, login, hostile_estate):
    make_alert(world, site=hostile_estate)

    rows = csv_rows(login(world.landlord_agent).get(reverse("alerts:export")))

    assert ["'" + HYPERLINK] == [cell for row in rows[1:] for cell in row if HYPERLINK in cell]

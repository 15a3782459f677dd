"""CSV and XLSX responses, in constant memory: CSV rows are streamed as they are produced (a database
cursor's chunks); XLSX rows go through openpyxl's write-only mode into a temporary file. Every
export of the project (fiches, conventions, indicators, audit trail) is written here, and every
cell goes through `spreadsheet_row`."""

import csv
import decimal
import tempfile

from django.http import FileResponse, StreamingHttpResponse
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

# A spreadsheet reads text starting with one of these as a formula (OWASP, "CSV injection"): an
# estate named =HYPERLINK(…) would become a link to anywhere in the reader's spreadsheet.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_row(row) -> list:
    """A row as a spreadsheet must show it: text that would start a formula gets a leading single
    quote, so it is read as text; numbers (negative ones included), dates and booleans are kept."""
    cells = []
    for value in row:
        if isinstance(value, Promise):
            value = str(value)
        if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
            value = "'" + value
        cells.append(value)
    return cells


def french_number(value):
    """A decimal number as French spreadsheets read it in a `;` CSV: « 16,72 », as on the page."""
    if isinstance(value, float | decimal.Decimal):
        return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")
    return value


class _Echo:
    def write(self, value):
        return value


def csv_response(rows, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo(), delimiter=";")
    # A BOM so that spreadsheet software opens the accents correctly.
    response = StreamingHttpResponse(
        (
            ("\ufeff" if i == 0 else "") + writer.writerow([french_number(v) for v in spreadsheet_row(row)])
            for i, row in enumerate(rows)
        ),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _xlsx_cells(worksheet, row) -> list[WriteOnlyCell]:
    cells = []
    for value in spreadsheet_row(row):
        cell = WriteOnlyCell(worksheet, value)
        if isinstance(value, str):
            # openpyxl would store "=…" as a formula and "#N/A" as an error: text stays text.
            cell.data_type = "s"
        cells.append(cell)
    return cells


def xlsx_response(rows, filename: str, sheet: str) -> FileResponse:
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    for row in rows:
        worksheet.append(_xlsx_cells(worksheet, row))
    # Anonymous temporary file: deleted when FileResponse closes it.
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def export(rows, filename: str, fmt: str, sheet: str):
    return xlsx_response(rows, filename, sheet) if fmt == "xlsx" else csv_response(rows, filename)

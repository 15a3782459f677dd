"""CSV and XLSX responses, in constant memory: CSV rows are streamed as they are produced (a database
cursor's chunks); XLSX rows go through openpyxl's write-only mode into a temporary file. Every
export of the project (fiches, conventions, indicators, audit trail) is written here."""

import csv
import tempfile

from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook


class _Echo:
    def write(self, value):
        return value


def csv_response(rows, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo(), delimiter=";")
    # A BOM so that spreadsheet software opens the accents correctly.
    response = StreamingHttpResponse(
        (("\ufeff" if i == 0 else "") + writer.writerow(row) for i, row in enumerate(rows)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(rows, filename: str, sheet: str) -> FileResponse:
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    for row in rows:
        worksheet.append(row)
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

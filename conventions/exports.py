"""CSV and XLSX exports of indicators and fiches, in constant memory: CSV rows are streamed as the
database cursor yields them; XLSX rows go through openpyxl's write-only mode into a temporary file."""

import csv
import datetime
import decimal
import tempfile

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook

from partnerships.localtime import fiche_time

FICHE_COLUMNS = [
    ("reference", "Référence"),
    ("submitted_at", "Transmise le"),
    ("landlord__name", "Bailleur"),
    ("site__name", "Site"),
    ("site__commune__name", "Commune"),
    ("category", "Catégorie"),
    ("urgency", "Urgence"),
    ("status", "Statut"),
    ("routed_unit__name", "Unité destinataire"),
    ("ack_due_at", "Prise en compte attendue avant"),
    ("acknowledged_at", "Prise en compte le"),
    ("first_feedback_at", "Premier retour le"),
    ("staff_victim", "Personnel victime"),
    ("complaint", "Plainte"),
    ("outcome", "Suite donnée"),
]


def fiche_rows(qs):
    """Header then one row per fiche; no description, reporter or procedure number (RGPD art. 10).
    Times in the fiche's département's zone, named when the reader's differs."""
    # Read now: a streamed CSV is iterated after the middleware has restored the default zone.
    return _fiche_rows(qs, timezone.get_current_timezone())


def _fiche_rows(qs, reader):
    yield [label for _, label in FICHE_COLUMNS]
    for *row, department_id in (
        qs.order_by("submitted_at", "id")
        .values_list(*[f for f, _ in FICHE_COLUMNS], "department_id")
        .iterator(chunk_size=2000)
    ):
        yield [
            fiche_time(value, department_id, reader=reader) if isinstance(value, datetime.datetime) else value
            for value in row
        ]


class _Echo:
    def write(self, value):
        return value


def french_number(value):
    """A decimal number as French spreadsheets read it in a `;` CSV: « 16,72 », as on the page."""
    if isinstance(value, float | decimal.Decimal):
        return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")
    return value


def csv_response(rows, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo(), delimiter=";")
    # A BOM so that spreadsheet software opens the accents correctly.
    response = StreamingHttpResponse(
        (
            ("\ufeff" if i == 0 else "") + writer.writerow([french_number(value) for value in row])
            for i, row in enumerate(rows)
        ),
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

"""What every import shares: the summary, French row errors, and a tolerant CSV reader (encoding,
separator and header variants detected) that streams rows in constant memory."""

import codecs
import csv
import io
import re
import sys
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

# National files carry long fields (WKB outlines, opening hours); the default limit is 128 KB.
csv.field_size_limit(sys.maxsize)

Progress = Callable[[int], object] | None

SEPARATORS = (";", ",", "\t")
BATCH_SIZE = 1000


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def __str__(self):
        where = _("ligne %(line)s") % {"line": self.line}
        if self.column:
            where += _(", colonne « %(column)s »") % {"column": self.column}
        return f"{where} : {self.message}"


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    # Facts worth knowing that do not block the import (e.g. communes left without a unit).
    warnings: list[str] = field(default_factory=list)
    # Changes needing an explicit confirmation before they are applied (e.g. fiches to re-route):
    # while `confirmation_needed` is set the import is rolled back like a dry run.
    pending: list[str] = field(default_factory=list)
    confirmation_needed: bool = False
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, line: int, column: str, message: str) -> None:
        self.errors.append(RowError(line, column, message))

    def count(self, outcome: str, n: int = 1) -> None:
        setattr(self, outcome, getattr(self, outcome) + n)


class _Rollback(Exception):
    pass


def run_atomic(work: Callable[[ImportSummary], None], *, dry_run: bool = False) -> ImportSummary:
    """Run an import in one transaction: any row error rolls everything back, and a dry run (the
    validation preview) rolls back a complete import so its summary is exactly what a commit would do."""
    summary = ImportSummary(dry_run=dry_run)
    try:
        with transaction.atomic():
            work(summary)
            if summary.errors or dry_run or summary.confirmation_needed:
                raise _Rollback
    except _Rollback:
        pass
    if summary.errors:
        summary.rejected = len({error.line for error in summary.errors})
        summary.created = summary.updated = summary.unchanged = 0
    return summary


def normalise_header(name: str) -> str:
    """'Code INSEE', 'code_insee', 'CodeINSEE' and 'CODE-INSÉE' are one column."""
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", name.lower())


def detect_encoding(binary) -> str:
    """utf-8 (with or without BOM) when the whole file decodes, else cp1252, the usual spreadsheet export.
    Reads in chunks so a large file never sits in memory."""
    binary.seek(0)
    head = binary.read(3)
    if head == codecs.BOM_UTF8:
        binary.seek(0)
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    chunk = head
    try:
        while chunk:
            decoder.decode(chunk)
            chunk = binary.read(1 << 20)
        decoder.decode(b"", final=True)
        encoding = "utf-8"
    except UnicodeDecodeError:
        encoding = "cp1252"
    binary.seek(0)
    return encoding


def detect_separator(header_line: str) -> str:
    return max(SEPARATORS, key=header_line.count)


class CsvSource:
    """Rows of a CSV keyed by canonical names.

    `columns` maps a canonical name to its accepted header variants (compared after normalise_header).
    Missing required columns are reported as errors on line 1 and no row is yielded."""

    def __init__(
        self,
        binary,
        *,
        columns: dict[str, tuple[str, ...]],
        required: tuple[str, ...],
        summary: ImportSummary,
    ):
        self.encoding = detect_encoding(binary)
        self.text = io.TextIOWrapper(binary, encoding=self.encoding, newline="")
        header_line = self.text.readline()
        self.separator = detect_separator(header_line)
        header = next(csv.reader([header_line], delimiter=self.separator), [])
        normalised = {normalise_header(h): i for i, h in enumerate(header)}
        self.header = header
        self.index: dict[str, int] = {}
        for key, variants in columns.items():
            for variant in (key, *variants):
                if normalise_header(variant) in normalised:
                    self.index[key] = normalised[normalise_header(variant)]
                    break
        self.summary = summary
        self.missing = [key for key in required if key not in self.index]
        for key in self.missing:
            summary.error(
                1,
                columns[key][0] if columns[key] else key,
                _("colonne obligatoire absente (en-têtes lus : %(header)s)")
                % {"header": ", ".join(header) or "aucun"},
            )

    def column(self, key: str) -> str:
        """The column's name as written in the file, for error messages."""
        return self.header[self.index[key]] if key in self.index else key

    def error(self, line: int, key: str, message: str) -> None:
        self.summary.error(line, self.column(key), message)

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        if self.missing:
            return
        reader = csv.reader(self.text, delimiter=self.separator)
        width = len(self.header)
        line = 1
        for record in reader:
            line = reader.line_num + 1  # the header was read before the reader started
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != width:
                message = _(
                    "%(found)s colonnes au lieu de %(expected)s (séparateur ou guillemets incorrects ?)"
                )
                self.summary.error(line, "", message % {"found": len(record), "expected": width})
                continue
            yield line, {key: record[i].strip() for key, i in self.index.items()}


def parse_bool(value: str) -> bool | None:
    """Spreadsheet booleans: oui/non, o/n, 1/0, vrai/faux, x/empty. None when unreadable."""
    value = normalise_header(value)
    if value in ("", "0", "non", "n", "faux", "false", "no"):
        return False
    if value in ("1", "oui", "o", "x", "vrai", "true", "yes", "y"):
        return True
    return None


def batched(iterable, size: int = BATCH_SIZE):
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch

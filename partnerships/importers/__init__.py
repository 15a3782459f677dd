"""Imports of reference data from the files administrations and landlords already have: national
commune lists, force territories, landlords' housing stock. Each importer streams its file, validates
every row, and writes all or nothing in one transaction, returning an ImportSummary."""

from .base import ImportSummary, RowError

__all__ = ["ImportSummary", "RowError"]

"""The cap on free text, one constant for pages, API, services and imports.

A description, comment or reason is read by people and e-mailed to followers: a megabyte of text is
a mistake or an attack, never a report. 10,000 characters is about four typed pages."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

FREE_TEXT_MAX_LENGTH = 10_000


def free_text_error() -> str:
    return gettext("Ce texte est trop long : %(max)s caractères au plus.") % {
        "max": f"{FREE_TEXT_MAX_LENGTH:,}".replace(",", "\u202f")
    }


def validate_free_text(value) -> None:
    """Django validator (models, forms, serializers, importers): refuse text past the cap."""
    if value is not None and len(value) > FREE_TEXT_MAX_LENGTH:
        raise ValidationError(free_text_error(), code="too_long")

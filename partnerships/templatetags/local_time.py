"""The template side of partnerships/localtime.py, loaded in every template (TEMPLATES builtins):
`{{ alert.facts_at|local:alert }}` shows a time in the fiche's zone, named when the reader's differs;
`{{ alert.submitted_at|local_date:alert }}` the day only."""

from django import template

from ..localtime import fiche_time

register = template.Library()


@register.filter
def local(value, where):
    return fiche_time(value, where)


@register.filter
def local_date(value, where):
    return fiche_time(value, where, fmt="d/m/Y")

"""The data of the conventions' panel included in a core page (the estate page), which cannot call
this app's selectors itself."""

from django import template

from .. import selectors

register = template.Library()


@register.simple_tag
def site_problems(user, site):
    return selectors.site_problems(user=user, site=site)

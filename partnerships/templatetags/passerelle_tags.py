"""Template tags every page may use: the table frame, the form error summary and the constant chrome."""

from django import forms, template
from django.urls import get_script_prefix
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()


class TableNode(template.Node):
    def __init__(self, nodelist, label, extra):
        self.nodelist, self.label, self.extra = nodelist, label, extra

    def render(self, context):
        attrs = {name: value.resolve(context) for name, value in self.extra.items()}
        classes = " ".join(filter(None, ["fr-table", attrs.pop("class", "")]))
        testid = attrs.pop("testid", "")
        return format_html(
            '<div class="{}"{}><div class="fr-table__wrapper">'
            '<div class="fr-table__container" tabindex="0" role="region" aria-label="{}">'
            '<div class="fr-table__content">{}</div></div></div></div>',
            classes,
            format_html(' data-testid="{}"', testid) if testid else "",
            self.label.resolve(context),
            self.nodelist.render(context),
        )


@register.tag("table")
def do_table(parser, token):
    """`{% table "Label" class="fr-table--no-caption" testid="x" %}<table>…</table>{% endtable %}`:
    the current DSFR table component. At phone width the container scrolls sideways, so it is
    focusable (a keyboard user scrolls it) and named (a screen reader says what it holds)."""
    bits = token.split_contents()[1:]
    if not bits:
        raise template.TemplateSyntaxError("{% table %} needs the label of its scroll region")
    label = parser.compile_filter(bits[0])
    extra = {}
    for bit in bits[1:]:
        name, _sep, value = bit.partition("=")
        extra[name] = parser.compile_filter(value)
    nodelist = parser.parse(("endtable",))
    parser.delete_first_token()
    return TableNode(nodelist, label, extra)


def _page_forms(context) -> list[forms.BaseForm]:
    """The forms a page shows: those of its context, directly or in a dict or list, or in the dicts
    of a list (the fiche page keeps each action's form in a dict of its list of actions). Looked for
    once per page: the title and the error summary both ask (kept in the page's render context)."""
    if PAGE_FORMS in context.render_context:
        return context.render_context[PAGE_FORMS]
    found = []

    def collect(value, depth=0):
        # Tested on the type: isinstance() would ask a lazy value (the menu, the unread count, the
        # CSRF token) for its __class__ and so compute it; a form is never lazy.
        kind = type(value)
        if issubclass(kind, forms.BaseForm):
            if not any(value is seen for seen in found):
                found.append(value)
        elif depth < 2 and issubclass(kind, dict):
            for item in value.values():
                collect(item, depth + 1)
        elif depth < 2 and issubclass(kind, (list, tuple)):
            for item in value:
                collect(item, depth + 1)

    for value in context.flatten().values():
        collect(value)
    context.render_context[PAGE_FORMS] = found
    return found


PAGE_FORMS = "passerelle_page_forms"


def _errors(form: forms.BaseForm) -> list[dict]:
    """Each error of a sent form, with the id of the field it is about (none for a form-wide one)."""
    if not form.is_bound or not form.errors:
        return []
    errors = [{"anchor": "", "label": "", "message": message} for message in form.non_field_errors()]
    for field in form:
        if field.is_hidden:
            errors += [{"anchor": "", "label": "", "message": message} for message in field.errors]
        else:
            errors += [
                {"anchor": field.id_for_label, "label": field.label, "message": message}
                for message in field.errors
            ]
    return errors


@register.simple_tag(takes_context=True)
def error_title_prefix(context) -> str:
    """RGAA 11.10 / WCAG 3.3.1: the title says first that the page comes back with errors."""
    return _("Erreur : ") if any(_errors(form) for form in _page_forms(context)) else ""


@register.inclusion_tag("partials/form_notices.html", takes_context=True)
def form_notices(context) -> dict:
    """What every page with a form says above it: the summary of the sent form's errors (a link to
    each field; static/error-summary.js moves the focus to it) and what the required marker means."""
    page_forms = _page_forms(context)
    return {
        "errors": [error for form in page_forms for error in _errors(form)],
        "has_required": any(
            field.field.required for form in page_forms for field in form if not field.is_hidden
        ),
    }


class ConstantNode(template.Node):
    """See do_constant. The rendered fragments live on the node, that is in the compiled template the
    cached loader keeps for the life of the process: they hold only what a deploy changes."""

    MAX_FRAGMENTS = 64  # a guard: the keys are a language and a few booleans

    def __init__(self, nodelist, varying):
        self.nodelist, self.varying = nodelist, varying
        self.fragments = {}

    def render(self, context):
        values = {name: value.resolve(context) for name, value in self.varying.items()}
        key = (get_language(), get_script_prefix(), *values.items())
        html = self.fragments.get(key)
        if html is None:
            # Rendered from the named values alone: a variable of the page (the user, the request,
            # a CSRF token, a nonce) is not there to be kept by mistake.
            html = self.nodelist.render(context.new(values))
            if len(self.fragments) >= self.MAX_FRAGMENTS:
                self.fragments.clear()
            self.fragments[key] = html
        return html


@register.tag("constant")
def do_constant(parser, token):
    """`{% constant authenticated=user.is_authenticated %}…{% endconstant %}`: page chrome rendered
    once per language (and per value of the named variables), then served as it is. For markup that
    only translations, URLs and static files make (skip links, the footer, the header's fixed parts):
    they cannot change without a deploy, so a per-process copy stays exact under several workers.
    The fragment sees only the variables it names, each of which is part of the key."""
    varying = {}
    for bit in token.split_contents()[1:]:
        name, sep, value = bit.partition("=")
        if not sep:
            raise template.TemplateSyntaxError("{% constant %} takes name=value pairs")
        varying[name] = parser.compile_filter(value)
    nodelist = parser.parse(("endconstant",))
    parser.delete_first_token()
    return ConstantNode(nodelist, varying)

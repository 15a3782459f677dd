"""Form widgets built in Python where Django's template rendering is too slow for their size."""

import html

from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy


def esc(value) -> str:
    """django.utils.html.conditional_escape without its lazy-argument wrapper, which cost more than
    the escaping itself over thousands of options."""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def flat_attrs(attrs: dict) -> str:
    """HTML attributes as django/forms/widgets/attrs.html writes them: True bare, False left out."""
    return "".join(
        f" {esc(name)}" if value is True else f' {esc(name)}="{esc(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def prefill_choices(field, options) -> None:
    """Give a model choice field's widget its options as (pk, label) pairs read as columns in one query:
    left to itself, the field reads its queryset through a server-side cursor (several round trips) as
    model instances, which cost a third of a list page's time for thousands of estates. Validation
    still goes through the field's queryset."""
    field.widget.choices = [("", field.empty_label), *options]


class FastSelect(forms.Select):
    """Django's Select, same HTML byte for byte, without a template per <option>: a filter of
    thousands of estates or communes spent half of the page's time rendering them. Same context
    (attributes, id, aria, required, selected state) as Select, so DSFR classes and
    widget_tweaks still apply."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{esc(widget["name"])}"{flat_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{esc(group_name)}">')
            # The option template ends with a newline, hence the blank line between options.
            parts.extend(
                f'\n  <option value="{esc(option["value"])}"{flat_attrs(option["attrs"])}>'
                f"{esc(option['label'])}</option>\n"
                for option in options
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above goes through esc()


class NativeDateInput(forms.DateInput):
    """Every date a user types: the browser's own date picker (`<input type="date">`), which sends and
    expects ISO dates whatever the page's language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def label_empty_choices(form, label) -> None:
    """Name the empty choice of every select (« Choisir… » in a form, « Tous » in a filter) instead
    of Django's « --------- », which a screen reader reads as dashes."""
    for field in form.fields.values():
        if getattr(field, "empty_label", None) is not None:
            field.empty_label = label
        elif getattr(field, "choices", None):
            choices = list(field.choices)
            if choices[0][0] in ("", None) and str(choices[0][1]).strip("-—") == "":
                field.choices = [("", label), *choices[1:]]


class NamedEmptyChoices:
    """Form mixin: the empty choice of every select the form declares says `empty_choice_label`
    (« Choisir… » by default, « Tous » for a filter form). Fields a subclass adds after
    `super().__init__()` are its own to name (label_empty_choices)."""

    empty_choice_label = gettext_lazy("Choisir…")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        label_empty_choices(self, self.empty_choice_label)

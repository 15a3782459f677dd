"""The fiche page: facts, timeline, and one small form per action the user may take. Every action
posts to `transition`, which calls the matching service and comes back with a message."""

import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from conventions import selectors as conventions_selectors
from partnerships.audit import audit_entry, audit_policy, audit_record
from partnerships.errors import ApplicationError
from partnerships.localtime import fiche_time
from partnerships.models import AuditAction

from .. import selectors, services
from ..bulk import insert_new
from ..fiche_read import fiche_read, timeline_read
from ..forms import (
    AttachmentForm,
    CloseForm,
    CommentForm,
    FicheReferenceForm,
    LinkForm,
    MergeForm,
    MessageForm,
    RedirectForm,
    ReopenForm,
    ReturnForm,
    StartForm,
    UnitForm,
)
from ..permissions import alert_policy
from ..services.common import as_seen


@dataclass(frozen=True)
class Action:
    label: str
    # Called as service(actor=..., alert=..., **form.cleaned_data): form fields are named as its arguments.
    service: Callable
    form_class: type | None
    done: str


ACTIONS = {
    "acknowledge": Action(
        gettext_lazy("Prendre en compte"),
        services.alert_acknowledge,
        None,
        gettext_lazy("Fiche prise en compte."),
    ),
    "start": Action(
        gettext_lazy("Engager une action"), services.alert_start, StartForm, gettext_lazy("Action engagée.")
    ),
    "feedback": Action(
        gettext_lazy("Envoyer un retour au bailleur"),
        services.alert_feedback,
        MessageForm,
        gettext_lazy("Retour d'information envoyé."),
    ),
    "close": Action(
        gettext_lazy("Clôturer"), services.alert_close, CloseForm, gettext_lazy("Fiche clôturée.")
    ),
    "redirect": Action(
        gettext_lazy("Réorienter vers une autre unité"),
        services.alert_redirect,
        RedirectForm,
        gettext_lazy("Fiche réorientée."),
    ),
    "return": Action(
        gettext_lazy("Renvoyer à la préfecture"),
        services.alert_return_to_prefecture,
        ReturnForm,
        gettext_lazy("Fiche renvoyée à la préfecture pour routage."),
    ),
    "route": Action(
        gettext_lazy("Router vers une unité"),
        services.alert_route_manually,
        UnitForm,
        gettext_lazy("Fiche routée."),
    ),
    "merge": Action(
        gettext_lazy("Fusionner comme doublon"),
        services.alert_merge,
        MergeForm,
        gettext_lazy("Fiche fusionnée ; le bailleur en est informé."),
    ),
    "link": Action(
        gettext_lazy("Lier à une autre fiche"),
        services.alert_link,
        LinkForm,
        gettext_lazy("Fiches liées ; chacune reste ouverte."),
    ),
    "reopen": Action(
        gettext_lazy("Rouvrir la fiche"), services.alert_reopen, ReopenForm, gettext_lazy("Fiche rouverte.")
    ),
    "comment": Action(
        gettext_lazy("Ajouter un commentaire"),
        services.alert_comment,
        CommentForm,
        gettext_lazy("Commentaire ajouté."),
    ),
    "attach": Action(
        gettext_lazy("Ajouter une pièce jointe"),
        services.alert_add_attachment,
        AttachmentForm,
        gettext_lazy("Pièce jointe ajoutée."),
    ),
}


def action_form(name, *, user, alert, data=None, files=None):
    form_class = ACTIONS[name].form_class
    if form_class is None:
        return None
    kwargs = {"prefix": name}
    if issubclass(form_class, UnitForm):
        kwargs["alert"] = alert
    if issubclass(form_class, FicheReferenceForm):
        kwargs["candidates"] = selectors.alert_list(user=user).exclude(pk=alert.pk)
    return form_class(data, files, **kwargs)


# The HTML of each blank action form, by form class, prefix and language: labels, help texts,
# choices (code enums) and widget attributes are all it shows, none of which changes without a
# deploy, so every process renders each once (rendering the widgets was a tenth of the page). Not
# the unit pickers (UnitForm), whose choices are database rows, nor a form sent back with errors.
BLANK_FORM_HTML: dict[tuple, SafeString] = {}


def form_html(form: forms.BaseForm) -> SafeString:
    if form.is_bound or isinstance(form, UnitForm):
        return str(form)
    key = (type(form), form.prefix, get_language())
    html = BLANK_FORM_HTML.get(key)
    if html is None:
        html = BLANK_FORM_HTML[key] = str(form)
    return html


@login_required
def alert_detail(request, pk):
    # What the page asks besides the fiche (grants, estate, links, problems) comes in its query,
    # compiled once per reader shape (alerts/fiche_read.py).
    return render_fiche(request, fiche_read(user=request.user, pk=pk))


def render_fiche(request, alert, *, sent: forms.BaseForm | None = None, sent_action: str = ""):
    """The fiche's page; `sent` is the action form just sent with errors, shown unfolded in place of
    the blank one so its errors are tied to its fields (and summed up at the top of the page)."""
    user = request.user
    actions = [
        {
            "name": name,
            "label": action.label,
            "form": sent if name == sent_action else action_form(name, user=user, alert=alert),
        }
        for name, action in ACTIONS.items()
        if alert_policy.can(user, name, alert)
    ]
    for action in actions:
        action["html"] = form_html(action["form"]) if action["form"] is not None else ""
    # The INSERT compiled once per process (alerts/bulk.py), as the services write theirs.
    insert_new([audit_entry(request_or_actor=request, action=AuditAction.VIEW, obj=alert)])
    timeline = timeline_read(user=user, alert=alert)
    return render(
        request,
        "alerts/alert_detail.html",
        {
            "page_title": str(alert),
            "alert": alert,
            "reporter": selectors.reporter_label(alert, user),
            "links": selectors.alert_links(user=user, alert=alert),
            "timeline": [
                event_html(event, alert, selectors.event_author_label(event, alert, user))
                for event in timeline
            ],
            # The procedure number is for the forces and the prefecture (and the filer's own form).
            "show_procedure": alert_policy.user_has_permission(user, "read_procedure"),
            **conventions_selectors.fiche_problems(user=user, alert=alert),
            "actions": actions,
            # Actions without a form (acknowledge) are one button: one tap on a phone.
            "quick_actions": [action for action in actions if action["form"] is None],
            "form_actions": [action for action in actions if action["form"] is not None],
            "back": came_from(request, alert),
            "can_edit": alert_policy.can(user, "update_draft", alert),
            "can_read_audit": audit_policy.user_has_permission(user, "view"),
            "can_open_site": selectors.can_open_site(user, alert),
            # From the timeline already read (its events carry their attachment): no query more.
            "photos": [
                e.attachment for e in timeline if getattr(e, "attachment", None) and is_photo(e.attachment)
            ],
        },
    )


def event_html(event, alert, author: str) -> SafeString:
    """One line of the fiche's history, built here rather than in a template loop: the template
    engine took half a millisecond per event (tags, filters, lookups), this a twentieth of it."""
    if event.kind == "transition" and not event.from_status:
        title = _("Création de la fiche")
    else:
        title = event.get_kind_display()
    parts = [
        format_html(
            '<li class="fr-mb-2w passerelle-event passerelle-event--{kind}" data-testid="event-{kind}">\n'
            '    <p class="fr-text--sm fr-mb-0"><strong>{}</strong> · {} · {}\n      {}</p>\n',
            title,
            fiche_time(event.created_at, alert),
            author,
            format_html(
                '<span class="fr-badge fr-badge--sm fr-badge--purple-glycine">{}</span>', _("Interne")
            )
            if event.internal_to_id
            else "",
            kind=event.kind,
        )
    ]
    if event.to_status:
        moved = format_html("{} → ", event.get_from_status_display()) if event.from_status else ""
        parts.append(format_html('    <p class="fr-mb-0">{}{}</p>\n', moved, event.get_to_status_display()))
    if event.kind == "feedback":
        parts.append(
            format_html(
                '    <div class="fr-callout fr-callout--green-emeraude fr-my-1w fr-p-2w">'
                '<p class="fr-callout__text passerelle-prewrap">{}</p></div>\n',
                event.message,
            )
        )
    elif event.message and event.kind != "attachment":
        parts.append(format_html('    <p class="fr-mb-0 passerelle-prewrap">{}</p>\n', event.message))
    attachment = getattr(event, "attachment", None)
    if attachment:
        parts.append(
            format_html(
                '    <p class="fr-mb-0"><a class="fr-link fr-icon-download-line fr-link--icon-left" href="{}">{}</a>'
                ' <span class="fr-text--xs">({})</span></p>\n',
                reverse("alerts:attachment", args=[alert.pk, attachment.pk]),
                attachment.original_name,
                filesizeformat(attachment.size),
            )
        )
    return format_html("{}  </li>\n", format_html_join("", "{}", ((part,) for part in parts)))


def is_photo(attachment) -> bool:
    return attachment.content_type.startswith("image/")


@require_POST
@login_required
def alert_transition(request, pk, action):
    user = request.user
    alert = selectors.alert_get(user=user, pk=pk)
    if action not in ACTIONS:
        raise Http404
    form = action_form(action, user=user, alert=alert, data=request.POST, files=request.FILES)
    if form is not None and not form.is_valid():
        if alert_policy.can(user, action, alert):
            # Back to the fiche with the form as sent: each error next to its field (RGAA 11.10).
            return render_fiche(request, alert, sent=form, sent_action=action)
        messages.error(request, _("Vous n'êtes pas autorisé à faire cette action."))
        return redirect(alert_url(alert))
    try:
        # The version the page showed: if someone changed the fiche since, the action is refused.
        alert = as_seen(alert, request.POST.get("version"))
        ACTIONS[action].service(actor=user, alert=alert, **(form.cleaned_data if form else {}))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    except PermissionDenied as exc:
        # A user who sees the fiche but is on the wrong side (e.g. a landlord acknowledging).
        messages.error(request, str(exc) or _("Vous n'êtes pas autorisé à faire cette action."))
    else:
        messages.success(request, ACTIONS[action].done)
        if not alert_policy.instances(user, "view").filter(pk=alert.pk).exists():
            # Redirected or returned: the fiche's page would now be a 404 and the message lost.
            return redirect(safe_next(request, "back") or fiche_list_url(user))
    return redirect(safe_next(request) or alert_url(alert))


def alert_url(alert):
    return reverse("alerts:detail", args=[alert.pk])


def safe_next(request, field="next"):
    """Lists (routing queue) post here too and want the user back where they were ("next"); the fiche
    page says where its reader came from ("back"), for an action after which they no longer see it."""
    target = request.POST.get(field, "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return None


def came_from(request, alert) -> str:
    """The page that led to the fiche (a filtered dashboard), if it is one of ours and not the fiche."""
    referer = request.headers.get("referer", "")
    if not url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()):
        return ""
    path = urlsplit(referer)
    if path.path == alert_url(alert):
        return ""
    return path.path + (f"?{path.query}" if path.query else "")


# The list each role works from, in the order a user holding several would expect.
FICHE_LISTS = (("triage", "alerts:dashboard"), ("route", "alerts:routing_queue"), ("list", "alerts:list"))


def fiche_list_url(user) -> str:
    for permission, url_name in FICHE_LISTS:
        if alert_policy.user_has_permission(user, permission):
            return reverse(url_name)
    return reverse("home")


@login_required
def attachment_download(request, pk, attachment_pk):
    return attachment_response(request.user, pk, attachment_pk)


def attachment_response(user, alert_pk, attachment_pk) -> FileResponse:
    """The file, as a download, for the page and the API alike: 404 unless the user sees the fiche."""
    attachment = selectors.attachment_get(user=user, alert_pk=alert_pk, pk=attachment_pk)
    audit_record(request_or_actor=user, action=AuditAction.DOWNLOAD, obj=attachment, alert=attachment.alert)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )


@login_required
def attachment_thumbnail(request, pk, attachment_pk):
    """The gallery's preview, shown in the page (not a download): read like the photo it shrinks."""
    attachment = selectors.attachment_get(user=request.user, alert_pk=pk, pk=attachment_pk)
    if not attachment.thumbnail:
        raise Http404
    response = FileResponse(attachment.thumbnail.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


class ZipPipe(io.RawIOBase):
    """What zipfile writes, handed to the response piece by piece: not seekable, so zipfile writes
    each entry's sizes after its data and the archive never sits whole in memory."""

    def __init__(self):
        self.chunks = []

    def writable(self):
        return True

    def write(self, data):
        self.chunks.append(bytes(data))
        return len(data)

    def drain(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def zip_stream(attachments) -> Iterator[bytes]:
    pipe = ZipPipe()
    # Stored, not deflated: JPEG and PNG do not shrink, and the phone waiting for it has a slow CPU.
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_STORED) as archive:
        for number, attachment in enumerate(attachments, start=1):
            # Numbered: two photos named IMG_0001.jpg (two phones) both reach the archive.
            with archive.open(f"{number:02d}-{attachment.original_name}", "w") as entry:
                with attachment.file.open("rb") as source:
                    while chunk := source.read(64 * 1024):
                        entry.write(chunk)
                        yield pipe.drain()
    yield pipe.drain()


@login_required
def attachments_zip(request, pk):
    """All the photos of a fiche in one zip, streamed; one audit entry for the whole download."""
    alert = selectors.alert_get(user=request.user, pk=pk)
    photos = [a for a in selectors.visible_attachments(user=request.user, alert=alert) if is_photo(a)]
    if not photos:
        raise Http404
    audit_record(
        request_or_actor=request,
        action=AuditAction.DOWNLOAD,
        obj=alert,
        detail={"photos": [photo.pk for photo in photos]},
    )
    response = StreamingHttpResponse(zip_stream(photos), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{alert.reference or alert.pk}-photos.zip"'
    return response

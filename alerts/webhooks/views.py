"""The organisation administrator's webhook pages: register, read the delivery log, resend, pause."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from partnerships.errors import ApplicationError

from . import services
from .forms import WebhookForm
from .selectors import deliveries_of, webhooks_of

PER_PAGE = 50


@login_required
def webhook_list(request):
    endpoints = webhooks_of(request.user)
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.webhook_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error("url" if error.code == "invalid_url" else None, error.message)
        else:
            messages.success(request, _("Webhook enregistré. Configurez son secret dans votre logiciel."))
            return redirect("webhooks:detail", endpoint.pk)
    return render(
        request,
        "webhooks/webhook_list.html",
        {"page_title": _("Webhooks"), "endpoints": endpoints, "form": form},
    )


@login_required
def webhook_detail(request, pk):
    endpoint = get_object_or_404(webhooks_of(request.user), pk=pk)
    page = Paginator(deliveries_of(endpoint), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "webhooks/webhook_detail.html",
        {"page_title": _("Webhook"), "endpoint": endpoint, "page_obj": page, "deliveries": page.object_list},
    )


@require_POST
@login_required
def webhook_pause(request, pk):
    endpoint = get_object_or_404(webhooks_of(request.user), pk=pk)
    paused = endpoint.paused_at is None
    services.webhook_set_paused(actor=request.user, endpoint=endpoint, paused=paused)
    messages.success(request, _("Webhook mis en pause.") if paused else _("Webhook réactivé."))
    return redirect("webhooks:detail", endpoint.pk)


@require_POST
@login_required
def webhook_resend(request, pk, delivery_pk):
    endpoint = get_object_or_404(webhooks_of(request.user), pk=pk)
    delivery = get_object_or_404(deliveries_of(endpoint), pk=delivery_pk)
    try:
        services.webhook_resend(actor=request.user, delivery=delivery)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Message renvoyé."))
    return redirect("webhooks:detail", endpoint.pk)

"""The organisation administrator's API token pages: list, create (the secret shown once), revoke."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from partnerships.errors import ApplicationError

from . import services
from .forms import ApiTokenForm
from .selectors import api_tokens_of


@never_cache  # the page that shows a new token must not stay in any cache
@login_required
def token_list(request):
    tokens = api_tokens_of(request.user)
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = services.api_token_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            return render(
                request,
                "tokens/token_created.html",
                {"page_title": _("Jeton d'API créé"), "token": token, "secret": secret},
            )
    return render(
        request, "tokens/token_list.html", {"page_title": _("Jetons d'API"), "tokens": tokens, "form": form}
    )


@require_POST
@login_required
def token_revoke(request, pk):
    token = get_object_or_404(api_tokens_of(request.user), pk=pk)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("Le jeton « %s » est révoqué : il ne donne plus accès à l'API.") % token.name)
    return redirect("tokens:list")

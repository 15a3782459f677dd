"""Webhooks: an organisation's system told of fiche events by signed HTTPS calls (Standard Webhooks).

* addresses.py — which URLs may be called (HTTPS, no private address: no server-side request forgery),
  checked at registration and again at each call, connecting to the address just checked.
* events.py — the hook the alert services call for each timeline event: one outbox row per
  subscribed endpoint, in the change's transaction, its payload built by the API's serializers for
  the endpoint's service account (so a receiver never gets more than its organisation sees).
* delivery.py — the signed call, the backoff, the failure clock that pauses an endpoint after 24 h.
* services.py, views.py — the organisation administrator's pages (register, delivery log, resend)."""

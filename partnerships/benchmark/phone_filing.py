"""Phone filing under « slow 3G »: from opening the filing form to the confirmation, one 4 MB photo
attached (resized on the phone first, static/filing-offline.js). Chromium's network is throttled
through the DevTools protocol like DevTools' own « Slow 3G » preset. Run by
tests/browser/test_phone_filing_benchmark.py when PASSERELLE_BENCH_PHONE=1; the figures are written
to partnerships/benchmark/results/phone-filing.json and .md.

Two moments are measured: the confirmation shown (the fiche and its resized photo kept on the phone,
« envoi en cours »: the target, ≤ 4 s) and the fiche with its photo on the server (the confirmation
turned into the reference), which the upload of the photo over slow 3G dominates."""

import io
import json
import time
from pathlib import Path

from PIL import Image

# DevTools' « Slow 3G »: 400 kbit/s each way (500 × 0.8), 400 ms × 5 of latency.
SLOW_3G = {
    "offline": False,
    "latency": 2000,
    "downloadThroughput": 500 * 1000 / 8 * 0.8,
    "uploadThroughput": 500 * 1000 / 8 * 0.8,
}
BUDGET_SECONDS = 4.0
RESULTS = Path(__file__).resolve().parent / "results" / "phone-filing.json"
# The DevTools throttling applies to the page's requests, not to the service worker's: without
# Background Sync the page's own sender uploads, throttled like the rest (as in Safari or Firefox).
PAGE_SENDS = "delete window.SyncManager;"


def four_megabyte_photo() -> bytes:
    """A 4,000 × 3,000 JPEG of about 4 MB: a smooth gradient with grain, like a phone's picture."""
    width, height = 4000, 3000
    gradient = Image.linear_gradient("L").resize((width, height))
    grain = Image.effect_noise((width, height), 24)
    picture = Image.merge("RGB", (gradient, Image.blend(gradient, grain, 0.35), grain))
    for quality in (92, 88, 84, 80, 75):
        buffer = io.BytesIO()
        picture.save(buffer, format="JPEG", quality=quality)
        if buffer.tell() <= 4.2 * 1024 * 1024:
            return buffer.getvalue()
    return buffer.getvalue()


def measure(page, form_url: str, photo_path: str, fill) -> dict[str, float]:
    """Seconds from navigating to the form to the confirmation, then to the fiche's reference (the
    server has the fiche and its photo), the network throttled. `fill` answers the form's questions
    (the caller knows its choices). The page must have opened the form once before (worker and cache
    in place) and run PAGE_SENDS as an init script."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    page.set_default_timeout(180_000)
    start = time.perf_counter()
    page.goto(form_url, timeout=120_000)
    fill(page)
    page.set_input_files("input[name=attachments]", photo_path)
    page.locator("[data-testid=photo-previews] img").wait_for(timeout=120_000)
    page.click("button[value=submit]")
    page.locator("[data-testid=queued] h2:visible").wait_for()
    confirmation = time.perf_counter() - start
    page.locator("[data-testid=queued] [data-testid=reference]").wait_for(timeout=180_000)
    on_server = time.perf_counter() - start
    cdp.send(
        "Network.emulateNetworkConditions",
        {**SLOW_3G, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    return {"confirmation": confirmation, "on_server": on_server}


def record(seconds: dict[str, float], photo_bytes: int, uploaded_bytes: int) -> dict:
    result = {
        "scenario": "phone filing, slow 3G, one photo",
        "confirmation_seconds": round(seconds["confirmation"], 2),
        "on_server_seconds": round(seconds["on_server"], 2),
        "budget_seconds": BUDGET_SECONDS,
        "photo_bytes": photo_bytes,
        "uploaded_bytes": uploaded_bytes,
        "within_budget": seconds["confirmation"] <= BUDGET_SECONDS,
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    reached = "atteinte" if result["within_budget"] else "NON atteinte"
    RESULTS.with_suffix(".md").write_text(
        "# Dépôt d'une fiche depuis un téléphone en « 3G lente »\n\n"
        "Profil téléphone (390 px), réseau de Chromium bridé par le protocole DevTools comme le préréglage "
        "« Slow 3G » (400 kbit/s dans chaque sens, 2 s de latence), une photo de "
        f"{photo_bytes / 1e6:.1f} Mo réduite sur l'appareil à {uploaded_bytes / 1e3:.0f} ko.\n\n"
        "| Moment (depuis l'ouverture du formulaire) | secondes | cible |\n|---|---|---|\n"
        f"| Confirmation affichée (fiche et photo gardées sur l'appareil, « envoi en cours ») | "
        f"{result['confirmation_seconds']} | ≤ {BUDGET_SECONDS:g} s ({reached}) |\n"
        f"| Fiche et photo sur le serveur (la confirmation donne la référence) | "
        f"{result['on_server_seconds']} | — (l'envoi de la photo domine) |\n\n"
        "Le formulaire et ses ressources viennent du cache du service worker ; l'envoi part en arrière-plan "
        "(ici l'expéditeur de la page : le bridage DevTools ne s'applique pas aux requêtes du service worker, "
        "Background Sync est donc retiré pour que l'envoi mesuré soit bridé).\n"
    )
    return result

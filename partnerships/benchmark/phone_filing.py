"""Phone filing under « slow 3G »: from opening the filing form to the confirmation page, one 4 MB
photo attached (resized on the phone first, static/filing-offline.js). Chromium's network is
throttled through the DevTools protocol like DevTools' own « Slow 3G » preset. Run by
tests/browser/test_phone_filing_benchmark.py when PASSERELLE_BENCH_PHONE=1; the figure is written
to partnerships/benchmark/results/phone-filing.json."""

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


def measure(page, form_url: str, photo_path: str, fill) -> float:
    """Seconds from navigating to the form to the confirmation page, the network throttled. `fill`
    answers the form's questions (the caller knows its choices)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    page.set_default_timeout(180_000)  # the click waits for the upload that starts the navigation
    start = time.perf_counter()
    page.goto(form_url, timeout=120_000)
    fill(page)
    page.set_input_files("input[name=attachments]", photo_path)
    page.locator("[data-testid=photo-previews] img").wait_for(timeout=120_000)
    page.click("button[value=submit]")
    page.wait_for_url(lambda url: "/confirmation/" in url, timeout=180_000)
    elapsed = time.perf_counter() - start
    cdp.send(
        "Network.emulateNetworkConditions",
        {**SLOW_3G, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    return elapsed


def record(seconds: float, photo_bytes: int, uploaded_bytes: int) -> dict:
    result = {
        "scenario": "phone filing, slow 3G, one photo",
        "seconds": round(seconds, 2),
        "budget_seconds": BUDGET_SECONDS,
        "photo_bytes": photo_bytes,
        "uploaded_bytes": uploaded_bytes,
        "within_budget": seconds <= BUDGET_SECONDS,
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    return result

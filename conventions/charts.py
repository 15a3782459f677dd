"""Server-side SVG charts and the commune map: no JavaScript library, no tile server. The SVG is
built from escaped strings. Colours are SVG presentation attributes (not style attributes, so the
CSP allows them), because WeasyPrint draws inline SVG without the page's CSS: the bilan PDF and
the page then look the same."""

import math
from html import escape

from django.utils.safestring import SafeString, mark_safe

# DSFR blue France scale, from the lightest (lowest rate) to the darkest; grey: no rate.
MAP_COLOURS = ["#e8edff", "#b1c4fa", "#6a8be8", "#2f4fc6", "#000091"]
NO_RATE = "#eeeeee"
BAR = "#000091"
TEXT = 'fill="#3a3a3a" font-family="Marianne, arial, sans-serif"'


def _svg(width: int, height: int, label: str, body: list[str]) -> SafeString:
    return mark_safe(  # noqa: S308 - every text fragment below goes through escape()
        f'<svg class="pa-chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(label)}</title>{"".join(body)}</svg>'
    )


def bar_chart(
    items: list[tuple[str, int | float, str]], label: str, width: int = 640, height: int = 220
) -> SafeString:
    """Vertical bars: items are (axis label, value, value as shown)."""
    top, bottom, left = 20, 40, 8
    peak = max([value for _, value, _ in items] + [1])
    step = (width - 2 * left) / max(len(items), 1)
    bar = step * 0.7
    base = height - bottom
    # At most about twelve axis labels, whatever the period's length.
    every = math.ceil(len(items) / 12) or 1
    body = [f'<line stroke="#929292" x1="{left}" y1="{base}" x2="{width - left}" y2="{base}"/>']
    for i, (name, value, shown) in enumerate(items):
        h = (height - top - bottom) * value / peak
        x = left + i * step + (step - bar) / 2
        y = height - bottom - h
        body.append(
            f'<rect fill="{BAR}" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}">'
            f"<title>{escape(name)} : {escape(str(shown))}</title></rect>"
        )
        middle = x + bar / 2
        texts = [(shown, y - 4)] if shown != 0 else []
        if i % every == 0:
            texts.append((name, base + 16))
        for text, y_text in texts:
            body.append(
                f'<text {TEXT} font-size="11" text-anchor="middle" x="{middle:.1f}" y="{y_text:.1f}">'
                f"{escape(str(text))}</text>"
            )
    return _svg(width, height, label, body)


def _short(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def hbar_chart(items: list[tuple[str, int | float, str]], label: str, width: int = 640) -> SafeString:
    """Horizontal bars, for long labels (categories): a label too long for its column is shortened,
    the full text stays in the bar's tooltip."""
    row, label_width = 26, 300
    height = max(len(items), 1) * row + 10
    peak = max([value for _, value, _ in items] + [1])
    body = []
    for i, (name, value, shown) in enumerate(items):
        y = 5 + i * row
        w = (width - label_width - 60) * value / peak
        body.append(
            f'<text {TEXT} font-size="12" text-anchor="end" x="{label_width - 8}" y="{y + 17}">'
            f"{escape(_short(name, 42))}</text>"
        )
        body.append(
            f'<rect fill="{BAR}" x="{label_width}" y="{y + 3}" width="{w:.1f}" height="{row - 8}">'
            f"<title>{escape(name)} : {escape(str(shown))}</title></rect>"
        )
        body.append(
            f'<text {TEXT} font-size="12" x="{label_width + w + 6:.1f}" y="{y + 17}">'
            f"{escape(str(shown))}</text>"
        )
    return _svg(width, height, label, body)


def _rings(geometry: dict) -> list[list]:
    if not geometry:
        return []
    if geometry.get("type") == "Polygon":
        return geometry["coordinates"]
    if geometry.get("type") == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


def map_classes(rates: list[float]) -> list[float]:
    """Upper bounds of the colour steps: equal steps up to the highest rate."""
    peak = max(rates, default=0)
    steps = len(MAP_COLOURS)
    return [peak * (i + 1) / steps for i in range(steps)] if peak else []


def commune_map(communes: list[dict], label: str, width: int = 640) -> SafeString | None:
    """Communes drawn from their GeoJSON outlines (equirectangular projection, corrected for latitude)
    and coloured by fiches per 1,000 dwellings. None when no commune has an outline."""
    drawable = [(c, _rings(c["outline"])) for c in communes]
    drawable = [(c, rings) for c, rings in drawable if rings]
    if not drawable:
        return None
    points = [pt for _, rings in drawable for ring in rings for pt in ring]
    min_x, max_x = min(p[0] for p in points), max(p[0] for p in points)
    min_y, max_y = min(p[1] for p in points), max(p[1] for p in points)
    x_factor = math.cos(math.radians((min_y + max_y) / 2))
    span_x, span_y = max((max_x - min_x) * x_factor, 1e-9), max(max_y - min_y, 1e-9)
    scale = (width - 20) / span_x
    height = int(span_y * scale) + 20
    bounds = map_classes([c["rate"] for c, _ in drawable if c["rate"]])
    body = []
    for commune, rings in drawable:
        path = " ".join(
            "M"
            + " L".join(
                f"{10 + (x - min_x) * x_factor * scale:.1f},{10 + (max_y - y) * scale:.1f}"
                for x, y, *_ in ring
            )
            + " Z"
            for ring in rings
        )
        rate = commune["rate"]
        step = next((i for i, bound in enumerate(bounds) if rate and rate <= bound), None)
        colour = NO_RATE if step is None else MAP_COLOURS[step]
        shown = "—" if rate is None else f"{rate:.1f}".replace(".", ",")
        # The legend's swatches use the same step number (classes pa-map-0… in the CSS).
        step_name = "none" if step is None else step
        insee = escape(commune["insee_code"])
        body.append(
            f'<path class="pa-commune" fill="{colour}" stroke="#ffffff" stroke-width="0.6" '
            f'fill-rule="evenodd" data-step="{step_name}" data-insee="{insee}" '
            f'd="{path}"><title>{escape(commune["name"])} : {escape(shown)} '
            "fiches pour 1 000 logements</title></path>"
        )
    return _svg(width, height, label, body)

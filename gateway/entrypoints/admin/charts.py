"""Small server-rendered SVG charts: columns stacked by series, and horizontal bars.

Pure functions from numbers to SVG text (escaped), no script; sized with a
viewBox so they scale to the page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

PALETTE = ("#2f6fb5", "#e07b39", "#3f9e59", "#b5485d", "#7a5cb8", "#8c8c3c", "#3c8c8c", "#999999")


def stacked_columns(
    title: str, labels: Sequence[str], series: Mapping[str, Sequence[float]], *, width: int = 640
) -> str:
    """One column per label, stacked by series, with a legend."""
    height, left, bottom, top = 260, 40, 40, 30
    plot_w, plot_h = width - left - 10, height - top - bottom
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    peak = max(totals, default=0) or 1
    step = plot_w / max(len(labels), 1)
    bar = max(step * 0.7, 1)
    out = [_open(width, height, title)]
    out.append(f'<text x="{left}" y="18" class="chart-title">{escape(title)}</text>')
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" class="axis"/>')
    out.append(f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" class="tick">{_num(peak)}</text>')
    for i, label in enumerate(labels):
        x = left + i * step + (step - bar) / 2
        y = top + plot_h
        for k, (name, values) in enumerate(series.items()):
            h = values[i] / peak * plot_h
            if h <= 0:
                continue
            y -= h
            out.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[k % len(PALETTE)]}"><title>{escape(name)} {escape(label)}: '
                f"{_num(values[i])}</title></rect>"
            )
        if len(labels) <= 16 or i % 2 == 0:
            out.append(
                f'<text x="{x + bar / 2:.1f}" y="{top + plot_h + 14}" text-anchor="middle" '
                f'class="tick">{escape(label)}</text>'
            )
    lx = left
    for k, name in enumerate(series):
        out.append(
            f'<rect x="{lx}" y="{height - 14}" width="10" height="10" fill="{PALETTE[k % len(PALETTE)]}"/>'
        )
        out.append(f'<text x="{lx + 14}" y="{height - 5}" class="tick">{escape(name)}</text>')
        lx += 30 + 7.5 * len(name)
    out.append("</svg>")
    return "".join(out)


def bars(title: str, values: Mapping[str, float], *, width: int = 640, unit: str = "") -> str:
    """Horizontal bars, one per key, longest first as given."""
    row, left, top = 22, 190, 30
    height = top + row * max(len(values), 1) + 10
    peak = max(values.values(), default=0) or 1
    out = [_open(width, height, title)]
    out.append(f'<text x="4" y="18" class="chart-title">{escape(title)}</text>')
    if not values:
        out.append(f'<text x="{left}" y="{top + 14}" class="tick">nothing yet</text>')
    for i, (name, value) in enumerate(values.items()):
        y = top + i * row
        w = value / peak * (width - left - 70)
        out.append(f'<text x="{left - 6}" y="{y + 14}" text-anchor="end" class="tick">{escape(name)}</text>')
        out.append(
            f'<rect x="{left}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row - 6}" fill="{PALETTE[0]}">'
            f"<title>{escape(name)}: {_num(value)}{escape(unit)}</title></rect>"
        )
        out.append(
            f'<text x="{left + w + 6:.1f}" y="{y + 14}" class="tick">{_num(value)}{escape(unit)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def gauge(title: str, share: float | None, *, width: int = 640) -> str:
    """A share (0..1) as a filled bar with its percentage."""
    height = 90
    out = [_open(width, height, title)]
    out.append(f'<text x="4" y="18" class="chart-title">{escape(title)}</text>')
    out.append(f'<rect x="4" y="34" width="{width - 8}" height="30" class="track"/>')
    if share is not None:
        out.append(f'<rect x="4" y="34" width="{(width - 8) * share:.1f}" height="30" fill="{PALETTE[2]}"/>')
    label = "no orders yet" if share is None else f"{share * 100:.0f} %"
    out.append(f'<text x="{width / 2}" y="55" text-anchor="middle" class="gauge-label">{label}</text>')
    out.append("</svg>")
    return "".join(out)


def _open(width: int, height: int, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="chart" '
        f'role="img" aria-label="{escape(title)}">'
    )


def _num(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"

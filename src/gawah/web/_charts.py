"""Server-rendered SVG: the claims-over-time chart (no script, no inline style).

Colours come from classes in ``app.css``; every mark has a text label or a
<title>, and the page repeats the numbers in a table for screen readers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from markupsafe import Markup, escape

W, H = 760, 360
LEFT, RIGHT, TOP, BOTTOM = 60, 190, 20, 50


@dataclass(frozen=True)
class ClaimPoint:
    """One public figure: who, when, low and high (None: open-ended or exact)."""

    when: dt.date
    low: int
    high: int | None
    speaker: str
    kind: str  # css class: state, doctor, party, other
    label: str


def _nice_max(value: float) -> float:
    if value <= 10:
        return 10.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        top = step * magnitude
        if top >= value:
            return float(top)
    return float(10 * magnitude)


def claims_chart(
    claims: list[ClaimPoint],
    documented: int | None,
    estimate: tuple[float, float | None, float | None] | None,
    title: str,
) -> Markup:
    """Claims as points (with range bars), documented and estimated as horizontal marks."""
    highs = [float(c.high or c.low) for c in claims] + [float(documented or 0)]
    if estimate is not None:
        highs.append(estimate[2] or estimate[0])
    ymax = _nice_max(max([*highs, 1]) * 1.1)
    dates = sorted({c.when for c in claims}) or [dt.date.today()]
    d0, d1 = dates[0], dates[-1]
    span = max((d1 - d0).days, 1)
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def x(d: dt.date) -> float:
        return LEFT + 20 + (pw - 40) * ((d - d0).days / span if d1 != d0 else 0.5)

    def y(v: float) -> float:
        return TOP + ph * (1 - v / ymax)

    out = [
        f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-labelledby="chart-title">',
        f'<title id="chart-title">{escape(title)}</title>',
    ]
    for i in range(6):
        v = ymax * i / 5
        out.append(
            f'<line class="grid" x1="{LEFT}" x2="{LEFT + pw}" y1="{y(v):.1f}" y2="{y(v):.1f}"/>'
        )
        out.append(
            f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:,.0f}</text>'
        )
    out.append(
        f'<line class="axis" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + ph}"/>'
    )
    out.append(
        f'<line class="axis" x1="{LEFT}" x2="{LEFT + pw}" y1="{TOP + ph}" y2="{TOP + ph}"/>'
    )
    for d in dates:
        out.append(
            f'<text class="small" x="{x(d):.1f}" y="{TOP + ph + 16}" '
            f'text-anchor="middle">{d.strftime("%d %b")}</text>'
        )
    if estimate is not None:
        est, lo, hi = estimate
        if lo is not None and hi is not None:
            out.append(
                f'<rect class="estimate-band" x="{LEFT}" width="{pw}" y="{y(hi):.1f}" '
                f'height="{max(y(lo) - y(hi), 1):.1f}"><title>estimate interval '
                f"{lo:,.0f} to {hi:,.0f}</title></rect>"
            )
        out.append(
            f'<line class="estimate-line" x1="{LEFT}" x2="{LEFT + pw}" y1="{y(est):.1f}" '
            f'y2="{y(est):.1f}"/>'
        )
        out.append(
            f'<text x="{LEFT + pw + 6}" y="{y(est) + 4:.1f}">estimate {est:,.0f}</text>'
        )
    if documented is not None:
        out.append(
            f'<line class="documented" x1="{LEFT}" x2="{LEFT + pw}" y1="{y(documented):.1f}" '
            f'y2="{y(documented):.1f}"/>'
        )
        dy = (
            16
            if estimate is not None and abs(y(estimate[0]) - y(documented)) < 14
            else 4
        )
        out.append(
            f'<text x="{LEFT + pw + 6}" y="{y(documented) + dy:.1f}">documented '
            f"{documented:,}</text>"
        )
    # Labels sit in rows along the top, each tied to its mark by a leader line,
    # so statements made on the same day never print over each other.
    order = sorted(range(len(claims)), key=lambda k: (claims[k].when, claims[k].low))
    for row, k in enumerate(order):
        c = claims[k]
        cx = x(c.when) + (row % 3 - 1) * 7
        top = y(c.low)
        if c.high is not None and c.high != c.low:
            top = y(c.high)
            out.append(
                f'<line class="claim-range {c.kind}" x1="{cx:.1f}" x2="{cx:.1f}" '
                f'y1="{y(c.low):.1f}" y2="{top:.1f}"/>'
            )
        elif c.high is None:  # open-ended ("at least 7"): an arrow upwards
            top = y(c.low) - 22
            out.append(
                f'<path class="claim-range {c.kind}" d="M{cx:.1f},{y(c.low):.1f} '
                f"V{top:.1f} M{cx - 4:.1f},{top + 6:.1f} L{cx:.1f},{top:.1f} "
                f'L{cx + 4:.1f},{top + 6:.1f}" fill="none"/>'
            )
        out.append(
            f'<circle class="claim {c.kind}" cx="{cx:.1f}" cy="{y(c.low):.1f}" r="5">'
            f"<title>{escape(c.speaker)}: {escape(c.label)}</title></circle>"
        )
        ly = TOP + 10 + 15 * (row % 7)
        if ly + 4 < top - 4:
            out.append(
                f'<line class="leader" x1="{cx:.1f}" x2="{cx:.1f}" y1="{ly + 4:.1f}" '
                f'y2="{top - 4:.1f}"/>'
            )
        anchor = "end" if cx > LEFT + pw * 0.6 else "start"
        tx = cx - 6 if anchor == "end" else cx + 6
        short = c.speaker.split(" (")[0][:30]
        out.append(
            f'<text class="small" x="{tx:.1f}" y="{ly:.1f}" text-anchor="{anchor}">'
            f"{escape(short)}: {escape(c.label)}</text>"
        )
    out.append("</svg>")
    # Every interpolated text went through escape(); numbers are formatted floats.
    return Markup("".join(out))  # noqa: S704

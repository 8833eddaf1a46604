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
#: The phone-width variant: drawn at about the size it is shown, so its 13-unit
#: text reads as ~12 px on a 390 px screen (the wide chart's would be ~6 px).
NARROW_W, NARROW_H, NARROW_RIGHT = 380, 300, 12
#: A claim more than this many times the documented count, the estimate and every
#: other figure would flatten them all against the axis: it is drawn off scale.
OFF_SCALE = 3.0


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


def y_max(
    claims: list[ClaimPoint],
    documented: int | None,
    estimate: tuple[float, float | None, float | None] | None,
) -> float:
    """The top of the y-axis: every figure fits, unless one would dwarf the rest.

    The scale follows the documented count, the estimate's interval and the
    claims' lower ends; an upper end (or a claim) more than :data:`OFF_SCALE`
    times all of those is drawn to the top edge, labelled with its number.
    """
    base = [float(documented or 0), *(float(c.low) for c in claims)]
    if estimate is not None:
        base.append(float(estimate[2] or estimate[0]))
    tops = [float(c.high or c.low) for c in claims]
    reference = max([*base, 1.0])
    fitting = [v for v in tops if v <= OFF_SCALE * reference]
    return _nice_max(max([reference, *fitting]) * 1.1)


def chart_pair(
    claims: list[ClaimPoint],
    documented: int | None,
    estimate: tuple[float, float | None, float | None] | None,
    title: str,
) -> Markup:
    """The wide chart and its phone-width twin; the stylesheet shows one of them."""
    return claims_chart(claims, documented, estimate, title) + claims_chart(
        claims, documented, estimate, title, narrow=True
    )


def claims_chart(
    claims: list[ClaimPoint],
    documented: int | None,
    estimate: tuple[float, float | None, float | None] | None,
    title: str,
    *,
    narrow: bool = False,
) -> Markup:
    """Claims as points (with range bars), documented and estimated as horizontal marks."""
    width, height = (NARROW_W, NARROW_H) if narrow else (W, H)
    right = NARROW_RIGHT if narrow else RIGHT
    left = 44 if narrow else LEFT
    ymax = y_max(claims, documented, estimate)
    dates = sorted({c.when for c in claims}) or [dt.date.today()]
    d0, d1 = dates[0], dates[-1]
    span = max((d1 - d0).days, 1)
    pw, ph = width - left - right, height - TOP - BOTTOM
    suffix = "-narrow" if narrow else ""
    kind = "chart narrow" if narrow else "chart wide"

    def x(d: dt.date) -> float:
        return left + 20 + (pw - 40) * ((d - d0).days / span if d1 != d0 else 0.5)

    def y(v: float) -> float:
        return TOP + ph * (1 - min(v, ymax) / ymax)

    out = [
        f'<svg class="{kind}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-title{suffix}">',
        f'<title id="chart-title{suffix}">{escape(title)}</title>',
    ]
    for i in range(6):
        v = ymax * i / 5
        out.append(
            f'<line class="grid" x1="{left}" x2="{left + pw}" y1="{y(v):.1f}" y2="{y(v):.1f}"/>'
        )
        out.append(
            f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:,.0f}</text>'
        )
    out.append(
        f'<line class="axis" x1="{left}" x2="{left}" y1="{TOP}" y2="{TOP + ph}"/>'
    )
    out.append(
        f'<line class="axis" x1="{left}" x2="{left + pw}" y1="{TOP + ph}" y2="{TOP + ph}"/>'
    )
    for d in dates if not narrow else [dates[0], dates[-1]]:
        out.append(
            f'<text class="small" x="{x(d):.1f}" y="{TOP + ph + 16}" '
            f'text-anchor="middle">{d.strftime("%d %b")}</text>'
        )
    if estimate is not None:
        est, lo, hi = estimate
        if lo is not None and hi is not None:
            out.append(
                f'<rect class="estimate-band" x="{left}" width="{pw}" y="{y(hi):.1f}" '
                f'height="{max(y(lo) - y(hi), 1):.1f}"><title>estimate interval '
                f"{lo:,.0f} to {hi:,.0f}</title></rect>"
            )
        out.append(
            f'<line class="estimate-line" x1="{left}" x2="{left + pw}" y1="{y(est):.1f}" '
            f'y2="{y(est):.1f}"/>'
        )
        ex, anchor = (left + pw - 4, "end") if narrow else (left + pw + 6, "start")
        out.append(
            f'<text x="{ex}" y="{y(est) - 6 if narrow else y(est) + 4:.1f}" '
            f'text-anchor="{anchor}">estimate {est:,.0f}</text>'
        )
    if documented is not None:
        out.append(
            f'<line class="documented" x1="{left}" x2="{left + pw}" y1="{y(documented):.1f}" '
            f'y2="{y(documented):.1f}"/>'
        )
        dy = (
            16
            if estimate is not None and abs(y(estimate[0]) - y(documented)) < 14
            else 4
        )
        dx, anchor = (left + pw - 4, "end") if narrow else (left + pw + 6, "start")
        out.append(
            f'<text x="{dx}" y="{y(documented) + (dy + 10 if narrow else dy):.1f}" '
            f'text-anchor="{anchor}">documented {documented:,}</text>'
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
            if c.high > ymax:  # off scale: a break mark at the top edge
                out.append(
                    f'<path class="claim-range {c.kind}" d="M{cx - 5:.1f},{top + 6:.1f} '
                    f"L{cx + 5:.1f},{top + 2:.1f} M{cx - 5:.1f},{top + 10:.1f} "
                    f'L{cx + 5:.1f},{top + 6:.1f}" fill="none"/>'
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
        if narrow:  # the figure only, beside its mark; the table names the speaker
            anchor = "end" if cx > left + pw * 0.6 else "start"
            tx = cx - 8 if anchor == "end" else cx + 8
            short = c.label.split(";")[0]
            out.append(
                f'<text x="{tx:.1f}" y="{max(y(c.low) - 4, TOP + 10):.1f}" '
                f'text-anchor="{anchor}">{escape(short)}</text>'
            )
            continue
        ly = TOP + 10 + 15 * (row % 7)
        if ly + 4 < top - 4:
            out.append(
                f'<line class="leader" x1="{cx:.1f}" x2="{cx:.1f}" y1="{ly + 4:.1f}" '
                f'y2="{top - 4:.1f}"/>'
            )
        anchor = "end" if cx > left + pw * 0.6 else "start"
        tx = cx - 6 if anchor == "end" else cx + 6
        short = c.speaker.split(" (")[0][:30]
        out.append(
            f'<text class="small" x="{tx:.1f}" y="{ly:.1f}" text-anchor="{anchor}">'
            f"{escape(short)}: {escape(c.label)}</text>"
        )
    out.append("</svg>")
    # Every interpolated text went through escape(); numbers are formatted floats.
    return Markup("".join(out))  # noqa: S704

"""The human report of a release: ``index.html`` (English and Urdu) and its PDF twin.

The page opens offline: no script at all, styles inline, figures as inline
SVG, fonts (Noto Nastaliq Urdu for Urdu prose, Noto Naskh Arabic for Arabic
script in tables and names) copied into ``fonts/`` beside it. The PDF is
the same HTML laid out by WeasyPrint, fonts embedded.

Determinism: matplotlib writes SVG with a fixed ``svg.hashsalt`` and no date;
WeasyPrint writes no creation date unless given one, so the same data give
the same bytes.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from gawah.errors import UserInputError
from gawah.publish.gather import STATUSES, EstimateRow, ReleaseData

__all__ = ["FONTS", "LANGUAGES", "font_files", "index_html", "parse_languages", "pdf"]

LANGUAGES: tuple[str, ...] = ("en", "ur")
#: Font files copied into the release (with their licences).
FONTS: tuple[str, ...] = (
    "noto-nastaliq-urdu-arabic-400-normal.woff2",
    "noto-nastaliq-urdu-arabic-700-normal.woff2",
    "noto-naskh-arabic-arabic-400-normal.woff2",
    "noto-naskh-arabic-arabic-700-normal.woff2",
    "OFL-noto-nastaliq-urdu.txt",
    "OFL-noto-naskh-arabic.txt",
)

#: The interface words of the report; Urdu prose set in Nastaliq.
WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "title": "Victims of {title}",
        "documented": "Documented",
        "documented_help": "named persons on the lists, each counted once",
        "claimed": "Claimed",
        "claimed_help": "figures said in public",
        "estimated": "Estimated",
        "estimated_help": "including people no list recorded",
        "no_claims": "no public figure recorded",
        "no_estimate": "no estimate",
        "interval": "{level} interval {lower} to {upper}",
        "killed": "killed",
        "missing": "missing",
        "detained": "detained",
        "injured": "injured",
        "three": "Three numbers",
        "timeline": "Public claims over time",
        "by_status": "Documented persons by status",
        "by_district": "Documented persons by district",
        "by_date": "Documented persons by date",
        "overlaps": "How the lists overlap",
        "methods": "Methods",
        "withheld": "What was withheld, and why",
        "warnings": "Warnings",
        "check": "How to check this release",
        "names": "Names",
        "district": "district",
        "date": "date",
        "list": "list",
        "persons": "persons",
        "status": "status",
        "fewer": "fewer than {n}",
        "method_words": (
            "{n} people appear on {k} lists. How often the lists name the same people "
            "tells how many people no list recorded (multiple systems estimation)."
        ),
        "check_words": (
            "release.json lists the SHA-256 of every file and is signed by the device "
            "that made the release. Run: python3 verify_release.py (it needs Python 3.9 "
            "and the cryptography package), or gawah publish verify ."
        ),
        "speaker": "who",
        "said": "said on",
        "figure": "figure",
        "stance": "stance",
        "asserts": "asserts",
        "denies": "denies",
        "estimates": "estimates",
        "arrested": "detained",
        "participants": "participants",
        "deployed": "deployed",
        "other": "other",
    },
    "ur": {
        "title": "{title} کے متاثرین",
        "documented": "دستاویزی تعداد",
        "documented_help": "فہرستوں میں نام سے درج افراد، ہر ایک ایک بار",
        "claimed": "دعویٰ کردہ تعداد",
        "claimed_help": "عوامی طور پر بتائے گئے اعداد",
        "estimated": "تخمینہ",
        "estimated_help": "ان لوگوں سمیت جو کسی فہرست میں درج نہیں ہوئے",
        "no_claims": "کوئی عوامی عدد درج نہیں",
        "no_estimate": "کوئی تخمینہ نہیں",
        "interval": "{level} وقفہ: {lower} سے {upper} تک",
        "killed": "جاں بحق",
        "missing": "لاپتہ",
        "detained": "زیرِ حراست",
        "injured": "زخمی",
        "three": "تین اعداد",
        "timeline": "وقت کے ساتھ عوامی دعوے",
        "by_status": "حیثیت کے لحاظ سے دستاویزی افراد",
        "by_district": "ضلع وار دستاویزی افراد",
        "by_date": "تاریخ وار دستاویزی افراد",
        "overlaps": "فہرستوں کا باہمی اشتراک",
        "methods": "طریقۂ کار",
        "withheld": "کیا روکا گیا، اور کیوں",
        "warnings": "انتباہات",
        "check": "اس اجرا کی جانچ کیسے کریں",
        "names": "نام",
        "district": "ضلع",
        "date": "تاریخ",
        "list": "فہرست",
        "persons": "افراد",
        "status": "حیثیت",
        "fewer": "{n} سے کم",
        "method_words": (
            "{k} فہرستوں میں {n} افراد درج ہیں۔ فہرستیں کتنی بار ایک ہی لوگوں کا نام لیتی "
            "ہیں، اس سے اندازہ ہوتا ہے کہ کتنے لوگ کسی فہرست میں درج نہیں ہوئے "
            "(متعدد نظاموں کا تخمینہ)۔"
        ),
        "check_words": (
            "release.json میں ہر فائل کا SHA-256 درج ہے اور اس پر اجرا بنانے والے آلے کے "
            "دستخط ہیں۔ جانچ کے لیے python3 verify_release.py چلائیں۔"
        ),
        "speaker": "کس نے",
        "said": "کب کہا",
        "figure": "عدد",
        "stance": "موقف",
        "asserts": "دعویٰ",
        "denies": "تردید",
        "estimates": "اندازہ",
        "arrested": "زیرِ حراست",
        "participants": "شرکا",
        "deployed": "تعینات اہلکار",
        "other": "دیگر",
    },
}


def parse_languages(text: str) -> tuple[str, ...]:
    """``en,ur`` -> ("en", "ur"); English always comes first.

    Raises:
        UserInputError: an unknown language.
    """
    langs = tuple(dict.fromkeys(x.strip() for x in text.split(",") if x.strip()))
    unknown = [x for x in langs if x not in LANGUAGES]
    if unknown or not langs:
        raise UserInputError(
            f"--lang takes a list of {', '.join(LANGUAGES)} (e.g. en,ur), not {text!r}"
        )
    return tuple(x for x in LANGUAGES if x in langs)


def font_files() -> dict[str, bytes]:
    """The fonts (and licences) the report uses, by path inside the release.

    They are the web app's font files, read as package data (no web code is
    imported), so the app and the releases share one copy in the source tree.
    """
    folder = resources.files("gawah") / "web" / "static" / "fonts"
    return {f"fonts/{name}": (folder / name).read_bytes() for name in FONTS}


def _n(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}"


@dataclass(frozen=True)
class _Three:
    status: str
    documented: int
    claims: str
    estimate: EstimateRow | None


def _claimed(data: ReleaseData, status: str) -> str:
    category = {"detained": "arrested"}.get(status, status)
    figures = []
    for c in data.claims:
        if c.category != category:
            continue
        bounds = (
            str(c.low)
            if c.high == c.low
            else (f"{c.low}+" if c.high is None else f"{c.low}–{c.high}")
        )
        figures.append(bounds)
    return ", ".join(dict.fromkeys(figures))


def _timeline_svg(data: ReleaseData, status: str) -> str:
    """Claims about ``status`` over time beside the documented count and the estimate."""
    import datetime as dt

    import matplotlib
    from matplotlib.figure import Figure

    category = {"detained": "arrested"}.get(status, status)
    points = [c for c in data.claims if c.category == category and c.said_on]
    if not points:
        return ""
    with matplotlib.rc_context(
        {"svg.hashsalt": "gawah-release", "svg.fonttype": "none", "font.size": 9}
    ):
        fig = Figure(figsize=(7.0, 3.2))
        ax = fig.add_subplot()
        days = [dt.date.fromisoformat(c.said_on) for c in points]
        for day, c in zip(days, points, strict=True):
            top = c.high if c.high is not None else c.low
            color = "#b23b3b" if c.stance == "denies" else "#345"
            x = day.toordinal()
            ax.plot([x, x], [c.low, top], color=color, linewidth=3)
            ax.plot([x], [c.low], "o", color=color, markersize=4)
        ax.axhline(data.documented[status], color="#2a7a2a", linewidth=1.5)
        ax.annotate(
            f"documented {data.documented[status]:,}",
            (days[0].toordinal(), data.documented[status]),
            xytext=(2, 3),
            textcoords="offset points",
            color="#2a7a2a",
        )
        est = data.estimates.get(status)
        if est is not None and est.estimate is not None:
            if est.lower is not None and est.upper is not None:
                ax.axhspan(est.lower, est.upper, color="#e0a030", alpha=0.25)
            ax.axhline(est.estimate, color="#a06010", linewidth=1, linestyle="--")
        ticks = sorted(set(days))
        ax.set_xticks([d.toordinal() for d in ticks], [d.isoformat() for d in ticks])
        ax.set_ylabel(f"persons {status}")
        ax.set_ylim(bottom=0)
        ax.spines[["top", "right"]].set_visible(False)
        fig.autofmt_xdate()
        fig.tight_layout()
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    text = out.getvalue()
    return text[text.index("<svg") :]


def index_html(
    data: ReleaseData, langs: Sequence[str], files: Mapping[str, bytes]
) -> str:
    """The report page (``files`` are the data files, for the download list)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("gawah.publish", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    shown = [s for s in STATUSES if data.documented[s]]
    three = [
        _Three(s, data.documented[s], _claimed(data, s), data.estimates.get(s))
        for s in shown
    ]
    timelines = {s: _timeline_svg(data, s) for s in shown}
    return env.get_template("index.html").render(
        d=data,
        langs=list(langs),
        words=WORDS,
        statuses=STATUSES,
        shown=shown,
        three=three,
        timelines=timelines,
        n=_n,
        downloads=sorted(p for p in files if p.startswith("data/")),
        fewer=lambda lang: WORDS[lang]["fewer"].format(
            n=data.policy.small_cell_threshold
        ),
    )


_BASE = "file:///gawah-release/"


def pdf(html: str, files: Mapping[str, bytes]) -> bytes:
    """The PDF twin of ``html``, fonts embedded.

    WeasyPrint reads only ``files`` (the release's own files, by path), through
    a fixed base URL: nothing is fetched from the disk or the network, and
    the bytes do not depend on where a temporary folder happened to be.

    Raises:
        UserInputError: WeasyPrint or its system libraries (pango) are missing.
    """
    try:
        import weasyprint  # type: ignore[import-untyped]
    except (ImportError, OSError) as exc:
        raise UserInputError(
            "the PDF needs WeasyPrint and the pango library "
            "(Debian: apt install libpango-1.0-0 libpangoft2-1.0-0); "
            "use --no-pdf to publish without it"
        ) from exc

    from weasyprint.urls import (  # type: ignore[import-untyped]
        URLFetcher,
        URLFetcherResponse,
    )

    class _Own(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            name = url.removeprefix(_BASE)
            if not url.startswith(_BASE) or name not in files:
                raise ValueError("a release reads only its own files")
            return URLFetcherResponse(url, files[name])

    # WeasyPrint logs every SVG presentation attribute it passes over as a
    # warning; the figures render, so keep the command's output to what matters.
    log = logging.getLogger("weasyprint")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        document = weasyprint.HTML(string=html, base_url=_BASE, url_fetcher=_Own())
        out: bytes = document.write_pdf()
    finally:
        log.setLevel(level)
    return out

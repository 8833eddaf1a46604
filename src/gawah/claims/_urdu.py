"""Claims in Urdu news text: figures, qualifiers, categories and speakers.

Urdu copy states a figure in a few shapes, and these rules cover them: the
speaker first (``پولیس کے مطابق …``, ``X نے بتایا کہ …``, ``X کا کہنا ہے کہ …``)
or last (``…، عینی شاہدین نے بتایا۔``); figures in Urdu digits (۱۲۳), Latin
digits or words (``سات``, ``پانچ ہزار``, ``سو``), vague counts (``درجنوں``
24+, ``سینکڑوں`` 200+, ``ہزاروں`` 2000+, as in English); qualifiers before
(``کم از کم``, ``تقریباً``) or after (``سے زائد``, ``تک``); and denials
(``… کی تردید کی``, ``کوئی ہلاک نہیں ہوا``). Word lists are written here by
hand: no maintained Urdu number parser or news-attribution library exists
that runs offline (word2number reads English only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gawah.claims.model import Category, Stance

_ARABIC_LETTER = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")

_UNITS = {
    "ایک": 1,
    "دو": 2,
    "تین": 3,
    "چار": 4,
    "پانچ": 5,
    "چھ": 6,
    "چھے": 6,
    "سات": 7,
    "آٹھ": 8,
    "نو": 9,
    "دس": 10,
    "گیارہ": 11,
    "بارہ": 12,
    "تیرہ": 13,
    "چودہ": 14,
    "پندرہ": 15,
    "سولہ": 16,
    "سترہ": 17,
    "اٹھارہ": 18,
    "انیس": 19,
    "بیس": 20,
    "اکیس": 21,
    "بائیس": 22,
    "پچیس": 25,
    "تیس": 30,
    "پینتیس": 35,
    "چالیس": 40,
    "پینتالیس": 45,
    "پچاس": 50,
    "ساٹھ": 60,
    "ستر": 70,
    "نوے": 90,
}  # fmt: skip  (not "اسی", 80: it is also "this very", اسی طرح)
_SCALES = {"درجن": 12, "سو": 100, "ہزار": 1000, "لاکھ": 100_000, "کروڑ": 10_000_000}
# Vague counts, read as the English conventions read "dozens", "hundreds", ...
_VAGUE = {
    "درجنوں": 24, "بیسیوں": 40, "سینکڑوں": 200, "سیکڑوں": 200,
    "ہزاروں": 2000, "لاکھوں": 200_000,
}  # fmt: skip
_AT_LEAST = ("کم از کم",)
_ABOUT = ("تقریباً", "تقریبا", "لگ بھگ", "قریباً", "قریب")
_OVER_AFTER = ("سے زائد", "سے زاید", "سے زیادہ", "سے اوپر", "سے بھی زیادہ")
_UP_TO_AFTER = ("تک",)

_CATEGORY_WORDS: tuple[tuple[Category, tuple[str, ...]], ...] = (
    (Category.KILLED, ("ہلاک", "ہلاکت", "ہلاکتوں", "ہلاکتیں", "جاں بحق", "جاںبحق",
                       "جانبحق", "شہید", "لاش", "لاشیں", "لاشوں", "مارے گئے",
                       "جان کی بازی", "ہلاکتیں")),
    (Category.INJURED, ("زخمی", "زخمیوں", "گھائل")),
    (Category.ARRESTED, ("گرفتار", "گرفتاری", "گرفتاریاں", "گرفتاریوں", "حراست",
                         "زیر حراست", "قید", "نظربند")),
    (Category.MISSING, ("لاپتہ", "لاپتا", "غائب", "اغوا", "جبری گمشدگی", "گمشدہ")),
    (Category.DEPLOYED, ("تعینات", "تعیناتی", "طلب کر")),
    (Category.PARTICIPANTS, ("شرکت", "شریک", "جمع ہوئے", "جمع ہو", "اکٹھے",
                             "ریلی نکالی", "مارچ کیا", "احتجاج کیا")),
)  # fmt: skip

# "X نے بتایا کہ", "X نے کہا", "X کا کہنا ہے کہ", "X کے مطابق", "X نے … کی تردید کی"
_SPEECH_VERBS = (
    r"کہا|بتایا|دعویٰ\s+کیا|دعوی\s+کیا|تصدیق\s+کی|اعلان\s+کیا|الزام\s+عائد\s+کیا|"
    r"الزام\s+لگایا|انکشاف\s+کیا|اعتراف\s+کیا|خبر\s+دی|اطلاع\s+دی"
)
_SAID = re.compile(
    rf"(?P<who>[^،,۔:]+?)\s+نے\s+(?:\S+\s+){{0,2}}?(?:{_SPEECH_VERBS})(?=[\s۔،,؛:]|$)"
)
_SAYING = re.compile(
    r"(?P<who>[^،,۔:]+?)\s+(?:کا|کی)\s+(?:کہنا|دعویٰ|دعوی|موقف|مؤقف)\s+(?:ہے|تھا)"
)
_ACCORDING = re.compile(r"(?P<who>[^،,۔:]+?)\s+کے\s+(?:مطابق|بقول)(?=[\s۔،,؛:]|$)")
_DENIED = re.compile(r"(?P<who>[^،,۔:]+?)\s+نے\s+(?P<what>.+?)\s+کی\s+تردید")
_ZERO = re.compile(r"(?:کوئی|کسی)(?P<rest>.{0,40}?)\s(?:نہیں|نہ)(?!\S)")
_CLAUSE_START = re.compile(r"^(?:\S+\s+){0,2}?(?:میں|پر|کو|کے\s+دوران)\s+")


@dataclass(frozen=True, slots=True)
class UrduFigure:
    """One figure found in an Urdu sentence (offsets into the sentence)."""

    category: Category
    low: int
    high: int | None
    stance: Stance
    speaker: str
    start: int
    end: int


def is_urdu(text: str) -> bool:
    """Whether ``text`` is mostly in Arabic script (Urdu news text)."""
    return len(_ARABIC_LETTER.findall(text)) > 2 * len(_LATIN_LETTER.findall(text))


def speaker_of(sentence: str) -> tuple[str, int, int] | None:
    """The speaker of an Urdu sentence and its span, or ``None``."""
    best: tuple[str, int, int] | None = None
    for rx in (_ACCORDING, _SAYING, _SAID, _DENIED):
        for m in rx.finditer(sentence):
            who = _clean(m.group("who"))
            if not who:
                continue
            start = m.start("who") + m.group("who").find(who)
            if best is None or start < best[1]:
                best = (who, start, start + len(who))
            break
    return best


def _clean(who: str) -> str:
    """The speaker's words: after a clause opener ("… میں") and "کہ", at most 6 words."""
    who = who.strip()
    if "کہ " in who:
        who = who.rsplit("کہ ", 1)[1]
    words = who.split()
    if len(words) > 6:
        return ""
    return " ".join(words).strip(" \"“”'")


def figures(sentence: str) -> list[UrduFigure]:
    """Every claim figure of one Urdu sentence, in reading order."""
    found = speaker_of(sentence)
    speaker, s_start, s_end = found if found else ("", -1, -1)
    denied = _DENIED.search(sentence)
    out: list[UrduFigure] = []
    tokens = [
        (m.group(0), m.start(), m.end()) for m in re.finditer(r"[^\s،,۔:؛]+", sentence)
    ]
    i = 0
    while i < len(tokens):
        parsed = _number_at(tokens, i)
        if parsed is None:
            i += 1
            continue
        value, j, vague = parsed
        start, end = tokens[i][1], tokens[j - 1][2]
        i = j
        if s_start <= start < s_end:
            continue  # "ریسکیو ۱۱۲۲": part of the speaker's name
        before = sentence[:start].rstrip()
        after = sentence[end:]
        low, high = value, (None if vague else value)
        stance = Stance.ASSERTS
        if before.endswith(_AT_LEAST):
            high = None
        elif before.endswith(_ABOUT):
            stance = Stance.ESTIMATES
        over = next((w for w in _OVER_AFTER if after.lstrip().startswith(w)), None)
        if over is not None:
            low, high = value + 1, None
            end += after.find(over) + len(over)
            after = sentence[end:]
        elif after.lstrip().startswith(_UP_TO_AFTER):
            low, high = 0, value
        category = _category(_window(after)) or _category(_window_before(before))
        if category is None:
            continue
        if denied is not None and denied.start("what") <= start < denied.end("what"):
            stance = Stance.DENIES
        out.append(UrduFigure(category, low, high, stance, speaker, start, end))
    if not out:
        out.extend(_zero_figures(sentence, speaker, denied))
    return out


def _zero_figures(
    sentence: str, speaker: str, denied: re.Match[str] | None
) -> list[UrduFigure]:
    """ "کوئی ہلاک نہیں ہوا" and "X نے ہلاکتوں کی تردید کی": 0..0, stance denies."""
    if denied is not None:
        category = _category(denied.group("what"))
        if category is not None:
            return [
                UrduFigure(
                    category, 0, 0, Stance.DENIES, speaker,
                    denied.start("what"), denied.end(),
                )
            ]  # fmt: skip
    m = _ZERO.search(sentence)
    if m is not None:
        category = _category(m.group("rest"))
        if category is not None:
            return [
                UrduFigure(category, 0, 0, Stance.DENIES, speaker, m.start(), m.end())
            ]
    return []


def _number_at(
    tokens: list[tuple[str, int, int]], i: int
) -> tuple[int, int, bool] | None:
    """The number starting at token ``i``: (value, index after it, vague?)."""
    word = tokens[i][0]
    if word in _VAGUE:
        return _VAGUE[word], i + 1, True
    digits = word.translate(_DIGITS).replace(",", "").replace("٬", "")
    if digits.isdigit():
        value = int(digits)
        j = i + 1
    elif word in _UNITS:
        value, j = _UNITS[word], i + 1
    elif word in _SCALES:
        value, j = _SCALES[word], i + 1  # "سو سے زائد": a hundred; "درجن": a dozen
    else:
        return None
    while j < len(tokens) and tokens[j][0] in _SCALES:
        value *= _SCALES[tokens[j][0]]
        j += 1
    return value, j, False


def _window(after: str) -> str:
    """The words after a figure that can say what it counts (to the next clause)."""
    text = re.split(r"[،,۔؛]|\sکہ\s", after, maxsplit=1)[0]
    return " ".join(text.split()[:7])


def _window_before(before: str) -> str:
    """ "جاں بحق افراد کی تعداد نو": the counted thing named before the figure."""
    text = re.split(r"[،,۔؛]|\sکہ\s|کے\s+مطابق", before)[-1]
    return " ".join(text.split()[-5:]) if re.search(r"تعداد\s*$", text) else ""


def _category(text: str) -> Category | None:
    best: tuple[int, Category] | None = None
    for category, words in _CATEGORY_WORDS:
        for w in words:
            m = re.search(rf"(?<!\S){re.escape(w)}", text)
            if m and (best is None or m.start() < best[0]):
                best = (m.start(), category)
    return best[1] if best else None

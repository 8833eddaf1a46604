"""Lists that look like real ones, with the truth. FICTIONAL PEOPLE ONLY.

Written from the description of real lists in issue 11 ("What real lists look
like"), not from gawah's linkage code: every name pool, spelling table and
abbreviation here is this module's own, so that a test measures the linkage
and not two copies of one table agreeing. Each phenomenon is one function
with a docstring saying what it imitates.

Two generators:

- :func:`pakistani_lists`: four lists about one crackdown (hospital, party,
  press, families/NGO) with Urdu and Latin script, honorifics, fathers'
  names inside names or only in notes, partial names, ages in every form,
  abbreviated and Urdu districts, national ids with typos, shared family
  phones, status changes, dates a day apart, many namesakes, siblings, twins,
  fathers and sons.
- :func:`arab_releases`: two releases of one list of four-part Arab names
  (own, father, grandfather, family) whose order carries identity, with
  three-generation families, spelling changes between releases and ages that
  differ.

Both return a :class:`GeneratedLists`: the lists (canonical import columns),
the truth (a person id and the name's script per record) and the pairs of
relatives (father/son, brothers, twins, cousins ...), for tests that relatives
are kept apart.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

import pandas as pd

# Latin and Urdu script of a record's name, for "Urdu against Latin" recall.
LATIN, URDU, ARABIC, BOTH = "latin", "urdu", "arabic", "both"


@dataclass(frozen=True)
class GeneratedLists:
    """Generated lists and their truth."""

    lists: dict[str, pd.DataFrame]
    # list, record_id, person_id, script (latin / urdu / arabic / both)
    truth: pd.DataFrame = field(repr=False)
    # person_a, person_b, relation (father-son, brothers, twins, cousins, ...)
    relatives: pd.DataFrame = field(repr=False)

    def reports(self) -> pd.DataFrame:
        """All lists in one table with ``list`` and ``key``, ready for ``link_records``."""
        frames = [f.assign(list=name) for name, f in self.lists.items()]
        out = pd.concat(frames, ignore_index=True).fillna("")
        out["key"] = out["list"] + "/" + out["record_id"]
        return out

    def truth_by_key(self) -> pd.DataFrame:
        """The truth with a ``key`` column matching :meth:`reports`."""
        return self.truth.assign(key=self.truth["list"] + "/" + self.truth["record_id"])

    def true_pairs(self) -> set[tuple[str, str]]:
        """Every pair of keys (smaller first) that names one person, for oracles."""
        keyed = self.truth_by_key()
        out: set[tuple[str, str]] = set()
        for keys in keyed.groupby("person_id")["key"]:
            members = sorted(keys[1])
            out.update((a, b) for i, a in enumerate(members) for b in members[i + 1 :])
        return out


# ---------------------------------------------------------------------------
# Pakistani name pools: (Latin spellings, Urdu, weight). Weights are skewed on
# purpose: a few names are everywhere, so different people share them.
# ---------------------------------------------------------------------------
_PK_MALE: tuple[tuple[tuple[str, ...], str, int], ...] = (
    (("Ali",), "علی", 40),
    (("Ahmed", "Ahmad"), "احمد", 28),
    (("Hassan", "Hasan"), "حسن", 15),
    (("Hussain", "Hussein", "Husain"), "حسین", 15),
    (("Imran",), "عمران", 12),
    (("Bilal",), "بلال", 12),
    (("Usman", "Osman"), "عثمان", 11),
    (("Umar", "Omar"), "عمر", 10),
    (("Asif", "Aasif"), "آصف", 9),
    (("Tariq", "Tarik"), "طارق", 9),
    (("Naveed", "Navid"), "نوید", 8),
    (("Waseem", "Wasim"), "وسیم", 8),
    (("Zubair", "Zubayr"), "زبیر", 6),
    (("Faisal", "Faysal"), "فیصل", 8),
    (("Irfan",), "عرفان", 7),
    (("Sajid",), "ساجد", 6),
    (("Shahid",), "شاہد", 7),
    (("Khalid",), "خالد", 7),
    (("Javed", "Javaid"), "جاوید", 7),
    (("Arshad",), "ارشد", 6),
    (("Akram",), "اکرم", 6),
    (("Aslam",), "اسلم", 6),
    (("Iqbal",), "اقبال", 6),
    (("Rizwan", "Rezwan"), "رضوان", 5),
    (("Adnan",), "عدنان", 5),
    (("Yasir", "Yaser"), "یاسر", 5),
    (("Hamza", "Hamzah"), "حمزہ", 6),
    (("Saad",), "سعد", 4),
    (("Junaid", "Junaed"), "جنید", 4),
    (("Nadeem", "Nadim"), "ندیم", 5),
    (("Shakeel", "Shakil"), "شکیل", 4),
    (("Raza",), "رضا", 6),
    (("Abbas",), "عباس", 5),
    (("Zahid",), "زاہد", 5),
    (("Kamran",), "کامران", 5),
    (("Fahad", "Fahd"), "فہد", 4),
    (("Shoaib", "Shuaib"), "شعیب", 4),
    (("Waqas",), "وقاص", 4),
    (("Noman", "Nouman", "Nauman"), "نعمان", 4),
    (("Abdullah", "Abdulla"), "عبداللہ", 6),
    (("Abdul Rehman", "Abdur Rehman", "Abdul Rahman"), "عبدالرحمن", 4),
    (("Zeeshan", "Zeshan"), "ذیشان", 4),
    (("Sohail", "Suhail"), "سہیل", 4),
    (("Mushtaq",), "مشتاق", 3),
    (("Sher",), "شیر", 3),
    (("Gul",), "گل", 3),
    (("Yousaf", "Yusuf", "Yousuf"), "یوسف", 5),
    (("Ibrahim",), "ابراہیم", 3),
    (("Ismail", "Ismaeel"), "اسماعیل", 3),
    (("Qasim", "Kasim"), "قاسم", 3),
    (("Rafiq", "Rafique"), "رفیق", 4),
    (("Shafiq", "Shafique"), "شفیق", 3),
    (("Nasir", "Naseer"), "ناصر", 4),
    (("Anwar",), "انور", 3),
    (("Ghulam Rasool", "Ghulam Rasul"), "غلام رسول", 3),
    (("Ghulam Abbas",), "غلام عباس", 2),
    (("Tahir",), "طاہر", 4),
    (("Jamil", "Jameel"), "جمیل", 3),
    (("Mansoor", "Mansur"), "منصور", 3),
    (("Azhar",), "اظہر", 3),
)
_PK_FEMALE: tuple[tuple[tuple[str, ...], str, int], ...] = (
    (("Fatima", "Fatimah"), "فاطمہ", 10),
    (("Ayesha", "Aisha"), "عائشہ", 8),
    (("Zainab", "Zaynab"), "زینب", 7),
    (("Maryam", "Mariam"), "مریم", 6),
    (("Khadija", "Khadeeja"), "خدیجہ", 5),
    (("Sana",), "ثناء", 4),
    (("Rabia", "Rabiya"), "رابعہ", 4),
    (("Nazia",), "نازیہ", 4),
    (("Shazia",), "شازیہ", 4),
    (("Bushra",), "بشریٰ", 3),
    (("Saima",), "صائمہ", 3),
    (("Asma", "Asmaa"), "عاصمہ", 3),
    (("Amna", "Aamna"), "آمنہ", 3),
    (("Hina",), "حنا", 3),
    (("Nasreen", "Nasrin"), "نسرین", 3),
    (("Parveen", "Perveen"), "پروین", 3),
    (("Razia",), "رضیہ", 2),
    (("Samina", "Sameena"), "ثمینہ", 2),
)
# Family or clan names; None: the family uses none.
_PK_CLAN: tuple[tuple[tuple[str, ...], str, int], ...] = (
    (("Khan",), "خان", 30),
    (("Malik",), "ملک", 6),
    (("Awan",), "اعوان", 5),
    (("Qureshi", "Qureshy"), "قریشی", 5),
    (("Butt", "Bhatt"), "بٹ", 4),
    (("Chaudhry", "Chaudhary", "Choudhry"), "چوہدری", 4),
    (("Abbasi",), "عباسی", 4),
    (("Shah",), "شاہ", 6),
    (("Bukhari",), "بخاری", 2),
    (("Gillani", "Gilani"), "گیلانی", 2),
    (("Rajput",), "راجپوت", 3),
    (("Yousafzai", "Yusufzai"), "یوسفزئی", 3),
    (("Afridi",), "آفریدی", 3),
    (("Khattak",), "خٹک", 3),
    (("Marwat",), "مروت", 2),
    (("Baloch",), "بلوچ", 3),
    (("Memon",), "میمن", 2),
    (("Siddiqui", "Siddiqi"), "صدیقی", 3),
    (("Ansari",), "انصاری", 2),
    (("Mughal",), "مغل", 2),
    (("Sheikh", "Shaikh"), "شیخ", 3),
    (("Niazi",), "نیازی", 2),
    (("Bhatti",), "بھٹی", 2),
)
_PK_SAYYID_CLANS = frozenset({"Shah", "Bukhari", "Gillani"})
_MUHAMMAD_URDU = "محمد"
# Honorifics as lists write them: (Latin, Urdu).
_HONORIFIC = {
    "Syed": "سید", "Haji": "حاجی", "Hafiz": "حافظ", "Qari": "قاری",
    "Maulana": "مولانا", "Malik": "ملک", "Ch.": "چوہدری", "Rana": "رانا",
    "Raja": "راجہ", "Mian": "میاں", "Sardar": "سردار",
}  # fmt: skip
# Districts: canonical, abbreviations people type, Urdu. (Places are real; people are not.)
_PK_DISTRICTS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("Rawalpindi", ("Rwp", "Pindi", "R.Pindi"), "راولپنڈی"),
    ("Lahore", ("Lhr", "LHR"), "لاہور"),
    ("Islamabad", ("Isb", "ISB", "Islamabad Capital"), "اسلام آباد"),
    ("Peshawar", ("Pesh", "Pshwr"), "پشاور"),
    ("Dera Ismail Khan", ("DIK", "D.I.Khan", "D I Khan"), "ڈیرہ اسماعیل خان"),
    ("Faisalabad", ("Fsd", "FSD"), "فیصل آباد"),
    ("Gujranwala", ("Grw", "GRW"), "گوجرانوالہ"),
    ("Mardan", ("Mrd",), "مردان"),
    ("Swat", ("Swat",), "سوات"),
    ("Multan", ("Mltn", "MUX"), "ملتان"),
    ("Karachi", ("Khi", "KHI"), "کراچی"),
    ("Quetta", ("Qta",), "کوئٹہ"),
)
_VILLAGES = (
    "Chak 44", "Dhok Hassu", "Banda Gul", "Kotli Sattian", "Mohalla Nai Abadi",
    "Shah Pur", "Garhi Habib", "Mian Chanu", "Kot Addu", "Pir Wadhai",
    "Sadiqabad", "Nawa Kili", "Taru Jabba", "Kalu Khan", "Dhamial",
)  # fmt: skip
_STATUSES = ("killed", "injured", "detained", "missing")


# ---------------------------------------------------------------------------
# Arab name pools: (Arabic, Latin as a publisher's dictionary gives it, other
# Latin spellings another dictionary gives). Four-part names take own name,
# father, grandfather (male pool) and a family name.
# ---------------------------------------------------------------------------
_AR_MALE: tuple[tuple[str, str, tuple[str, ...], int], ...] = (
    ("محمد", "Mohammed", ("Muhammad", "Mohamed"), 40),
    ("أحمد", "Ahmed", ("Ahmad",), 25),
    ("محمود", "Mahmoud", ("Mahmud",), 12),
    ("مصطفى", "Mustafa", ("Mostafa",), 8),
    ("إبراهيم", "Ibrahim", ("Ebrahim",), 10),
    ("يوسف", "Youssef", ("Yousef", "Yusuf"), 10),
    ("خالد", "Khaled", ("Khalid",), 9),
    ("عبد الله", "Abdullah", ("Abdallah",), 12),
    ("عبد الرحمن", "Abdulrahman", ("Abd al-Rahman",), 8),
    ("عبد الكريم", "Abdulkarim", ("Abdel Karim",), 5),
    ("علي", "Ali", (), 15),
    ("عمر", "Omar", ("Umar",), 9),
    ("حسن", "Hassan", ("Hasan",), 9),
    ("حسين", "Hussein", ("Hussain",), 7),
    ("سامي", "Sami", ("Samy",), 5),
    ("رامي", "Rami", ("Ramy",), 5),
    ("فادي", "Fadi", ("Fady",), 4),
    ("إسماعيل", "Ismail", ("Ismael",), 5),
    ("جمال", "Jamal", ("Gamal",), 5),
    ("كمال", "Kamal", (), 4),
    ("سعيد", "Saeed", ("Said",), 6),
    ("عادل", "Adel", ("Adil",), 4),
    ("نبيل", "Nabil", ("Nabeel",), 4),
    ("وليد", "Walid", ("Waleed",), 4),
    ("زياد", "Ziad", ("Ziyad",), 4),
    ("هاني", "Hani", ("Hany",), 4),
    ("أسامة", "Osama", ("Usama",), 5),
    ("حمزة", "Hamza", ("Hamzah",), 5),
    ("طارق", "Tareq", ("Tariq",), 4),
    ("ماجد", "Majed", ("Majid",), 4),
    ("رائد", "Raed", ("Ra'ed",), 4),
    ("عيسى", "Issa", ("Eisa",), 4),
    ("موسى", "Mousa", ("Musa",), 5),
    ("يحيى", "Yahya", ("Yehia",), 4),
    ("صالح", "Saleh", ("Salih",), 5),
    ("سليمان", "Suleiman", ("Sulaiman",), 5),
    ("عاطف", "Atef", ("Atif",), 3),
    ("نضال", "Nidal", ("Nedal",), 3),
    ("أيمن", "Ayman", ("Aiman",), 4),
    ("أنس", "Anas", (), 4),
    ("إياد", "Iyad", ("Eyad",), 3),
    ("بلال", "Bilal", ("Belal",), 3),
    ("ربيع", "Rabie", ("Rabee",), 3),
    ("عبد العزيز", "Abdulaziz", ("Abdel Aziz",), 3),
    ("شادي", "Shadi", ("Shady",), 3),
    ("مازن", "Mazen", ("Mazin",), 3),
)
_AR_FEMALE: tuple[tuple[str, str, tuple[str, ...], int], ...] = (
    ("فاطمة", "Fatima", ("Fatma",), 12),
    ("مريم", "Mariam", ("Maryam",), 8),
    ("آمنة", "Amina", ("Amna",), 6),
    ("خديجة", "Khadija", ("Khadeeja",), 5),
    ("سارة", "Sara", ("Sarah",), 6),
    ("هدى", "Huda", ("Hoda",), 5),
    ("ليلى", "Layla", ("Laila",), 5),
    ("نور", "Nour", ("Noor",), 6),
    ("رهف", "Rahaf", (), 4),
    ("جنى", "Jana", (), 5),
    ("إسراء", "Israa", ("Esraa",), 4),
    ("آية", "Aya", ("Ayah",), 5),
    ("سماح", "Samah", (), 3),
    ("منى", "Mona", ("Muna",), 4),
    ("عائشة", "Aisha", ("Aysha",), 4),
    ("زينب", "Zainab", ("Zeinab",), 3),
)
_AR_FAMILY: tuple[tuple[str, str, tuple[str, ...], int], ...] = (
    ("النجار", "Al-Najjar", ("Alnajjar",), 8),
    ("المصري", "Al-Masri", ("Almasri",), 7),
    ("أبو عودة", "Abu Odeh", ("Abu Ouda",), 5),
    ("أبو شمالة", "Abu Shamala", ("Abushamala",), 4),
    ("الأسطل", "Al-Astal", ("Alastal",), 5),
    ("حمدان", "Hamdan", (), 4),
    ("شعت", "Shaath", ("Shaat",), 3),
    ("الهور", "Al-Hour", ("Alhour",), 3),
    ("أبو سمرة", "Abu Samra", ("Abusamra",), 3),
    ("الشاعر", "Al-Shaer", ("Alshaer",), 4),
    ("بركة", "Baraka", ("Barakeh",), 3),
    ("عاشور", "Ashour", ("Ashur",), 3),
    ("الكرد", "Al-Kurd", ("Alkurd",), 3),
    ("أبو جزر", "Abu Jazar", (), 2),
    ("سلامة", "Salama", ("Salameh",), 4),
    ("الغول", "Al-Ghoul", ("Alghoul",), 3),
    ("عبد العال", "Abdel Al", ("Abdelaal",), 2),
    ("الدحدوح", "Al-Dahdouh", ("Aldahdouh",), 3),
    ("أبو حسنين", "Abu Hasanein", ("Abu Hassanein",), 2),
    ("قديح", "Qudaih", ("Qdeih",), 2),
    ("العطار", "Al-Attar", ("Alattar",), 3),
    ("الزعانين", "Al-Zaanin", ("Alzaanin",), 2),
    ("أبو ريدة", "Abu Reida", (), 2),
    ("ضاهر", "Daher", ("Dahir",), 2),
    ("الفرا", "Al-Farra", ("Alfarra",), 3),
    ("شبير", "Shubair", ("Shbeir",), 2),
    ("مقداد", "Miqdad", ("Meqdad",), 2),
    ("الطويل", "Al-Taweel", ("Altaweel",), 3),
)


_Entry = TypeVar("_Entry", bound=tuple[Any, ...])


def _pick(rng: random.Random, pool: Sequence[_Entry]) -> _Entry:
    """One entry of a pool, by the weight in its last field."""
    return rng.choices(list(pool), weights=[float(e[-1]) for e in pool])[0]


# ===========================================================================
# Phenomena of Pakistani lists (one function each)
# ===========================================================================
def arabic_keyboard(text: str, rng: random.Random, p: float = 0.35) -> str:
    """Urdu typed on an Arabic keyboard: ی→ي, ک→ك, ہ→ه, ے→ي for the whole row.

    Happens row by row (a clerk's keyboard), so a row is all-Arabic letters or not.
    """
    if rng.random() >= p:
        return text
    return text.replace("ی", "ي").replace("ک", "ك").replace("ہ", "ه").replace("ے", "ي")


def muhammad_form(rng: random.Random) -> str | None:
    """How "Muhammad" is written: in full (several spellings), abbreviated, or dropped."""
    return rng.choices(
        ["Muhammad", "Mohammad", "Muhammed", "Mohammed", "Mohd", "M.", "Md.", None],
        weights=[30, 12, 6, 6, 8, 8, 4, 26],
    )[0]


def latin_spelling(spellings: Sequence[str], rng: random.Random, p: float = 0.3) -> str:
    """A name's romanisation: the usual one, or another common one (Hussain/Husain)."""
    if len(spellings) > 1 and rng.random() < p:
        return rng.choice(list(spellings[1:]))
    return spellings[0]


def typo(word: str, rng: random.Random) -> str:
    """One keying error in a word: a letter dropped, doubled, or two swapped."""
    if len(word) < 4:
        return word
    i = rng.randrange(2, len(word) - 1)  # first letters are rarely mistyped
    kind = rng.choice(("drop", "double", "swap"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def age_text(
    age: int, birth_year: int, rng: random.Random, style: str, sex: str = "m"
) -> str:
    """An age as lists write it.

    ``exact``: "23", "23Y", "23 yrs", "25/M"; ``estimate``: "~30", "about 30",
    "in his 20s", "20-25", "teenager", "young"; ``birth_year``: "1998", "b. 1998".
    Estimates are off by up to three years; a reporter's "in his 20s" may hold a 31-year-old.
    """
    if style == "exact":
        form = rng.choice(("{a}", "{a}Y", "{a} yrs", "{a}/{s}", "{a} years"))
        return form.format(a=age, s=sex.upper())
    if style == "birth_year":
        return rng.choice((str(birth_year), f"b. {birth_year}", f"born {birth_year}"))
    guess = max(1, age + rng.randint(-3, 3))
    if 13 <= age <= 19 and rng.random() < 0.4:
        return rng.choice(("teenager", "teen", "young boy"))
    kind = rng.choice(("approx", "decade", "range", "plain"))
    if kind == "approx":
        return rng.choice(("~{g}", "about {g}", "approx {g}", "{g}?")).format(g=guess)
    if kind == "decade":
        return f"in {'her' if sex == 'f' else 'his'} {guess // 10 * 10}s"
    if kind == "range":
        low = guess - rng.randint(0, 4)
        return f"{low}-{low + 5}"
    return str(guess)


def district_text(district: str, rng: random.Random, urdu: bool = False) -> str:
    """A district as typed: in full, abbreviated ("Rwp", "Pindi", "DIK"), or in Urdu."""
    entry = next(d for d in _PK_DISTRICTS if d[0] == district)
    if urdu:
        return entry[2]
    u = rng.random()
    if u < 0.35:
        return rng.choice(entry[1])
    if u < 0.42:
        return district.lower()
    return district


def cnic_text(cnic: str, rng: random.Random, p_error: float = 0.08) -> str:
    """A 13-digit national id as typed: dashed or not; sometimes one wrong digit or two swapped."""
    digits = list(cnic)
    if rng.random() < p_error:
        i = rng.randrange(0, 12)
        if rng.random() < 0.5:
            digits[i], digits[i + 1] = digits[i + 1], digits[i]
        else:
            digits[i] = str((int(digits[i]) + rng.randint(1, 9)) % 10)
    d = "".join(digits)
    return f"{d[:5]}-{d[5:12]}-{d[12]}" if rng.random() < 0.6 else d


def phone_text(phone: str, rng: random.Random) -> str:
    """A mobile number as typed: "0300-1234567", "03001234567", "+92 300 1234567"."""
    form = rng.choice(("dash", "plain", "intl"))
    if form == "dash":
        return f"{phone[:4]}-{phone[4:]}"
    if form == "intl":
        return f"+92 {phone[1:4]} {phone[4:]}"
    return phone


def status_seen_by(status: str, list_kind: str, rng: random.Random) -> str:
    """The status a list records, which changes between lists.

    Families write a detained person as missing (nobody told them); the press
    reports an injured person who died later as killed; the party writes
    "martyred" or "shaheed" for killed.
    """
    if status == "detained" and list_kind == "families" and rng.random() < 0.6:
        return rng.choice(("missing", "lapata", "whereabouts unknown"))
    if status == "injured" and list_kind == "press" and rng.random() < 0.15:
        return "killed"
    if status == "killed" and list_kind == "party":
        return rng.choice(("killed", "martyred", "shaheed"))
    return status


def date_seen_by(day: date, rng: random.Random, p: float) -> str:
    """The incident date, a day off with probability ``p`` (night events, late reports)."""
    if rng.random() < p:
        day = day + timedelta(days=rng.choice((-1, 1)))
    return day.isoformat()


# ---------------------------------------------------------------------------
# The Pakistani population
# ---------------------------------------------------------------------------
@dataclass
class _PkPerson:
    pid: str
    sex: str
    given: tuple[tuple[str, ...], ...]  # Latin spellings per given-name part
    given_urdu: tuple[str, ...]
    muhammad: bool
    clan: tuple[tuple[str, ...], str] | None
    honorifics: tuple[str, ...]
    father_given: tuple[tuple[str, ...], ...]
    father_urdu: tuple[str, ...]
    husband: tuple[tuple[str, ...], tuple[str, ...]] | None  # latin parts, urdu parts
    age: int
    birth_year: int
    status: str
    day: date
    district: str
    village: str
    cnic: str | None
    phone: str | None


def _pk_given(
    rng: random.Random, female: bool, taken: set[str] | None = None
) -> tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]:
    """A given name; parents do not give two children the same one (``taken``)."""
    pool = _PK_FEMALE if female else _PK_MALE
    first = _pick(rng, pool)
    while taken is not None and first[1] in taken:
        first = _pick(rng, pool)
    if taken is not None:
        taken.add(first[1])
    parts = [first]
    if not female and rng.random() < 0.2:  # a second given name: "Ali Raza"
        second = _pick(rng, pool)
        if second is not first:
            parts.append(second)
    return tuple(p[0] for p in parts), tuple(p[1] for p in parts)


def _pk_family(
    rng: random.Random, fid: int, start: date, days: int
) -> tuple[list[_PkPerson], list[tuple[str, str, str]]]:
    """One household: a father and children (sons mostly; some twins), who share
    a father's name, a village, a phone and a clan name."""
    clan = _pick(rng, _PK_CLAN) if rng.random() < 0.75 else None
    clan_t = (clan[0], clan[1]) if clan else None
    district = rng.choice(_PK_DISTRICTS)[0]
    village = rng.choice(_VILLAGES)
    phone = "03" + "".join(str(rng.randint(0, 9)) for _ in range(9))
    day = start + timedelta(days=rng.randrange(days))
    family_title: tuple[str, ...] = ()
    if clan and clan[0][0] in _PK_SAYYID_CLANS and rng.random() < 0.7:
        family_title = ("Syed",)
    elif rng.random() < 0.15:
        family_title = (rng.choice(("Malik", "Ch.", "Rana", "Raja", "Mian", "Sardar")),)
    grand_latin, grand_urdu = _pk_given(rng, False)
    father_latin, father_urdu = _pk_given(rng, False)
    father_age = rng.randint(42, 75)
    members: list[_PkPerson] = []

    def make(
        sex: str,
        given: tuple[tuple[tuple[str, ...], ...], tuple[str, ...]],
        fgiven: tuple[tuple[tuple[str, ...], ...], tuple[str, ...]],
        age: int,
        twin_of: _PkPerson | None = None,
    ) -> _PkPerson:
        titles = list(family_title) if sex == "m" else []
        if sex == "m" and age > 45 and rng.random() < 0.3:
            titles.append("Haji")
        if rng.random() < 0.04:
            titles.append(rng.choice(("Hafiz", "Qari", "Maulana")))
        husband = None
        if sex == "f" and age > 22 and rng.random() < 0.7:
            h = _pk_given(rng, False)
            husband = (tuple(x[0] for x in h[0]), h[1])
        status = rng.choices(_STATUSES, weights=(25, 35, 28, 12))[0]
        if twin_of is not None:
            status = twin_of.status
        person = _PkPerson(
            pid=f"pk{fid}-{len(members)}",
            sex=sex,
            given=given[0],
            given_urdu=given[1],
            muhammad=sex == "m" and rng.random() < 0.45,
            clan=clan_t,
            honorifics=tuple(titles),
            father_given=fgiven[0],
            father_urdu=fgiven[1],
            husband=husband,
            age=age,
            birth_year=day.year - age,
            status=status,
            day=day,
            district=district,
            village=village,
            cnic=(
                "".join(str(rng.randint(0, 9)) for _ in range(13))
                if age >= 18 and rng.random() < 0.75
                else None
            ),
            phone=phone if rng.random() < 0.85 else None,
        )
        members.append(person)
        return person

    father = make(
        "m", (father_latin, father_urdu), (grand_latin, grand_urdu), father_age
    )
    relations: list[tuple[str, str, str]] = []
    n_children = rng.choices((0, 1, 2, 3, 4), weights=(30, 30, 22, 12, 6))[0]
    children: list[_PkPerson] = []
    taken: set[str] = set()
    for _ in range(n_children):
        female = rng.random() < 0.15
        age = max(12, father_age - rng.randint(20, 38))
        child = make(
            "f" if female else "m",
            _pk_given(rng, female, taken),
            (father_latin, father_urdu),
            age,
        )
        children.append(child)
        if (
            not female and rng.random() < 0.08
        ):  # twins: same age, father, village, phone
            twin = make(
                "m",
                _pk_given(rng, False, taken),
                (father_latin, father_urdu),
                age,
                child,
            )
            relations.append((child.pid, twin.pid, "twins"))
            children.append(twin)
    for c in children:
        relations.append((father.pid, c.pid, "father-child"))
    for i, a in enumerate(children):
        for b in children[i + 1 :]:
            if (a.pid, b.pid, "twins") not in relations:
                relations.append((a.pid, b.pid, "siblings"))
    return members, relations


def _pk_latin_given(p: _PkPerson, rng: random.Random) -> list[str]:
    words: list[str] = []
    if p.muhammad:
        m = muhammad_form(rng)
        if m:
            words.append(m)
    words += [latin_spelling(g, rng) for g in p.given]
    return words


def _pk_latin_clan(p: _PkPerson, rng: random.Random) -> list[str]:
    return [latin_spelling(p.clan[0], rng)] if p.clan else []


def _pk_father_latin(p: _PkPerson, rng: random.Random) -> str:
    words = [latin_spelling(g, rng) for g in p.father_given]
    if p.clan and rng.random() < 0.5:
        words.append(latin_spelling(p.clan[0], rng))
    return " ".join(words)


def _pk_urdu_name(p: _PkPerson, rng: random.Random, with_clan: bool = True) -> str:
    words: list[str] = []
    if p.honorifics and rng.random() < 0.5:
        words.append(_HONORIFIC[p.honorifics[0]])
    if p.muhammad and rng.random() < 0.75:
        words.append(_MUHAMMAD_URDU)
    words += list(p.given_urdu)
    if p.clan and with_clan:
        words.append(p.clan[1])
    return " ".join(words)


def father_in_name(
    p: _PkPerson, name: str, rng: random.Random, urdu: bool = False
) -> str:
    """The relative inside the name: "s/o", "S/O", "son of", "walad", "bin",
    "d/o", "w/o" (husband) in Latin; "ولد", "بن", "دختر", "زوجہ" in Urdu."""
    if p.sex == "f" and p.husband is not None and rng.random() < 0.5:
        if urdu:
            return f"{name} زوجہ {' '.join(p.husband[1])}"
        return (
            f"{name} {rng.choice(('w/o', 'W/O', 'wife of'))} {' '.join(p.husband[0])}"
        )
    if urdu:
        marker = "دختر" if p.sex == "f" else rng.choice(("ولد", "ولد", "بن"))
        return f"{name} {marker} {' '.join(p.father_urdu)}"
    if p.sex == "f":
        marker = rng.choice(("d/o", "D/O", "daughter of", "bint"))
    else:
        marker = rng.choice(("s/o", "S/O", "s/o", "son of", "walad", "bin", "S/o"))
    return f"{name} {marker} {_pk_father_latin(p, rng)}"


def father_in_notes(p: _PkPerson, rng: random.Random, urdu: bool = False) -> str:
    """The father only in a free-text note: "..., son of Sher Khan, aged 63, was presented in court"."""
    if urdu:
        rel = "دختر" if p.sex == "f" else "ولد"
        return f"{rel} {' '.join(p.father_urdu)}، عمر تقریباً {p.age} سال، کو عدالت میں پیش کیا گیا"
    rel = "daughter of" if p.sex == "f" else "son of"
    verb = {
        "killed": "died of wounds",
        "injured": "was taken to hospital",
        "detained": "was presented in court",
        "missing": "has not been seen since",
    }[p.status]
    who = rng.choice(("The victim", "Resident", "She" if p.sex == "f" else "He"))
    return f"{who}, {rel} {_pk_father_latin(p, rng)}, aged {p.age}, {verb}"


def partial_name(p: _PkPerson, rng: random.Random) -> str:
    """Only part of the name is known: one given name ("Bilal"), or given name and clan."""
    g = latin_spelling(rng.choice(p.given), rng)
    if p.clan and rng.random() < 0.4:
        return f"{g} {latin_spelling(p.clan[0], rng)}"
    return g


def wrong_split(p: _PkPerson, rng: random.Random) -> tuple[str, str]:
    """A given/family split done by someone who does not know the name's shape.

    Surname first; "Muhammad" alone as the given name and everything else as
    family name; or the whole name in the given-name field.
    """
    given = _pk_latin_given(p, rng)
    clan = _pk_latin_clan(p, rng)
    kind = rng.choice(("surname_first", "muhammad_alone", "all_in_given"))
    if kind == "surname_first" and clan:
        return " ".join(clan), " ".join(given)
    if kind == "muhammad_alone" and len(given) > 1:
        return given[0], " ".join(given[1:] + clan)
    return " ".join(given + clan), ""


def _titles(p: _PkPerson, rng: random.Random, p_show: float) -> list[str]:
    return [t for t in p.honorifics if rng.random() < p_show]


def _pk_latin_full(p: _PkPerson, rng: random.Random, p_title: float) -> str:
    return " ".join(
        _titles(p, rng, p_title) + _pk_latin_given(p, rng) + _pk_latin_clan(p, rng)
    )


def _maybe_typo(text: str, rng: random.Random, p: float) -> str:
    if rng.random() >= p:
        return text
    words = text.split()
    if not words:
        return text
    i = rng.randrange(len(words))
    words[i] = typo(words[i], rng)
    return " ".join(words)


def _pk_row(p: _PkPerson, kind: str, rng: random.Random) -> tuple[dict[str, str], str]:
    """One row about ``p`` in a list of ``kind``; returns the row and its name script."""
    row: dict[str, str] = {
        "sex": "",
        "age": "",
        "status": "",
        "date": "",
        "district": "",
    }
    script = LATIN
    if kind == "hospital":
        if rng.random() < 0.06:
            script = URDU
            row["name_urdu"] = arabic_keyboard(
                father_in_name(p, _pk_urdu_name(p, rng), rng, True), rng
            )
        else:
            name = _maybe_typo(_pk_latin_full(p, rng, 0.3), rng, 0.1)
            row["full_name"] = (
                father_in_name(p, name, rng) if rng.random() < 0.65 else name
            )
        row["sex"] = (
            rng.choice(("M", "Male", "m"))
            if p.sex == "m"
            else rng.choice(("F", "Female"))
        )
        row["age"] = age_text(
            p.age + rng.choice((0, 0, 0, 1, -1)), p.birth_year, rng, "exact", p.sex
        )
        row["status"] = "injured" if p.status in ("injured", "detained") else p.status
        row["date"] = date_seen_by(p.day, rng, 0.1)
        row["district"] = district_text(p.district, rng)
        row["phone"] = (
            phone_text(p.phone, rng) if p.phone and rng.random() < 0.4 else ""
        )
    elif kind == "party":
        if rng.random() < 0.5:
            given, family = wrong_split(p, rng)
        else:
            given = " ".join(_titles(p, rng, 0.7) + _pk_latin_given(p, rng))
            family = " ".join(_pk_latin_clan(p, rng))
        row["given_name"] = _maybe_typo(given, rng, 0.08)
        row["family_name"] = family
        row["father_name"] = _pk_father_latin(p, rng) if rng.random() < 0.7 else ""
        row["national_id"] = (
            cnic_text(p.cnic, rng) if p.cnic and rng.random() < 0.85 else ""
        )
        row["phone"] = (
            phone_text(p.phone, rng) if p.phone and rng.random() < 0.6 else ""
        )
        row["age"] = age_text(
            p.age,
            p.birth_year,
            rng,
            rng.choice(("birth_year", "exact", "estimate")),
            p.sex,
        )
        row["status"] = status_seen_by(p.status, kind, rng)
        row["date"] = date_seen_by(p.day, rng, 0.15)
        row["district"] = district_text(p.district, rng)
        row["village"] = p.village if rng.random() < 0.5 else ""
    elif kind == "press":
        urdu = rng.random() < 0.4
        if urdu:
            script = URDU
            row["name_urdu"] = arabic_keyboard(
                _pk_urdu_name(p, rng, rng.random() < 0.7), rng
            )
            row["notes"] = (
                arabic_keyboard(father_in_notes(p, rng, True), rng)
                if rng.random() < 0.6
                else ""
            )
            row["district"] = district_text(p.district, rng, urdu=rng.random() < 0.7)
        else:
            row["full_name"] = (
                partial_name(p, rng)
                if rng.random() < 0.15
                else _pk_latin_full(p, rng, 0.5)
            )
            row["full_name"] = _maybe_typo(row["full_name"], rng, 0.15)
            row["notes"] = father_in_notes(p, rng) if rng.random() < 0.6 else ""
            row["district"] = district_text(p.district, rng)
        row["age"] = (
            age_text(p.age, p.birth_year, rng, "estimate", p.sex)
            if rng.random() < 0.7
            else ""
        )
        row["status"] = status_seen_by(p.status, kind, rng)
        row["date"] = date_seen_by(p.day, rng, 0.3)
    else:  # families / NGO
        if rng.random() < 0.2:
            script = URDU
            row["name_urdu"] = arabic_keyboard(_pk_urdu_name(p, rng), rng)
            row["father_name"] = (
                arabic_keyboard(" ".join(p.father_urdu), rng)
                if rng.random() < 0.9
                else ""
            )
            row["district"] = district_text(p.district, rng, urdu=rng.random() < 0.6)
        else:
            if rng.random() < 0.3:
                given, family = wrong_split(p, rng)
            else:
                given = " ".join(_pk_latin_given(p, rng))
                family = " ".join(_pk_latin_clan(p, rng))
            row["given_name"] = _maybe_typo(given, rng, 0.1)
            row["family_name"] = family
            row["father_name"] = _pk_father_latin(p, rng) if rng.random() < 0.9 else ""
            row["district"] = district_text(p.district, rng)
        low = p.age - rng.randint(0, 3)
        if rng.random() < 0.6:
            row["age_min"], row["age_max"] = str(low), str(low + rng.choice((3, 5)))
        else:
            row["age"] = age_text(p.age, p.birth_year, rng, "exact", p.sex)
        row["national_id"] = (
            cnic_text(p.cnic, rng) if p.cnic and rng.random() < 0.4 else ""
        )
        row["phone"] = (
            phone_text(p.phone, rng) if p.phone and rng.random() < 0.8 else ""
        )
        row["status"] = status_seen_by(p.status, kind, rng)
        row["date"] = date_seen_by(p.day, rng, 0.2)
        row["village"] = p.village if rng.random() < 0.7 else ""
        row["sex"] = p.sex.upper() if rng.random() < 0.5 else ""
    return row, script


# Who a list hears about, by status; and its within-list duplicate rate.
_PK_COVERAGE = {
    "hospital": (
        {"killed": 0.8, "injured": 0.75, "detained": 0.05, "missing": 0.02},
        0.02,
    ),
    "party": ({"killed": 0.6, "injured": 0.45, "detained": 0.7, "missing": 0.5}, 0.06),
    "press": (
        {"killed": 0.55, "injured": 0.25, "detained": 0.35, "missing": 0.25},
        0.01,
    ),
    "families": (
        {"killed": 0.4, "injured": 0.2, "detained": 0.6, "missing": 0.8},
        0.04,
    ),
}


def pakistani_lists(n_people: int = 3000, *, seed: int = 1) -> GeneratedLists:
    """Four lists about one crackdown (hospital, party, press, families/NGO).

    About ``n_people`` fictional people in households (fathers and children,
    some twins), over ten days in twelve districts; each list hears of a person
    depending on their status, and writes them its own way (see the phenomenon
    functions above). About a quarter of the true pairs across lists put an
    Urdu-script row against a Latin one.
    """
    rng = random.Random(seed)
    start = date(2031, 5, 9)
    people: list[_PkPerson] = []
    relations: list[tuple[str, str, str]] = []
    fid = 0
    while len(people) < n_people:
        members, rel = _pk_family(rng, fid, start, 10)
        fid += 1
        people += members
        relations += rel
    lists: dict[str, pd.DataFrame] = {}
    truth: list[dict[str, str]] = []
    for kind, (coverage, dup_rate) in _PK_COVERAGE.items():
        rows: list[dict[str, str]] = []
        for p in people:
            if rng.random() >= coverage[p.status]:
                continue
            copies = 2 if rng.random() < dup_rate else 1
            for _ in range(copies):
                row, script = _pk_row(p, kind, rng)
                rows.append(row)
                truth.append({"list": kind, "pid": p.pid, "script": script})
        order = list(range(len(rows)))
        rng.shuffle(order)  # a list is not sorted by person
        frame = pd.DataFrame([rows[i] for i in order]).fillna("")
        ids = [f"{kind[:1].upper()}{k + 1:05d}" for k in range(len(frame))]
        frame.insert(0, "record_id", ids)
        list_truth = [t for t in truth if t["list"] == kind]
        for k, i in enumerate(order):
            list_truth[i]["record_id"] = ids[k]
        lists[kind] = frame
    truth_frame = pd.DataFrame(truth).rename(columns={"pid": "person_id"})
    rel_frame = pd.DataFrame(relations, columns=["person_a", "person_b", "relation"])
    return GeneratedLists(
        lists, truth_frame[["list", "record_id", "person_id", "script"]], rel_frame
    )


# ===========================================================================
# Phenomena of Arabic lists (one function each)
# ===========================================================================
def hamza_variant(word: str, rng: random.Random) -> str:
    """An initial hamza written or dropped: أحمد / احمد, إبراهيم / ابراهيم, آمنة / امنة."""
    if word[:1] in "أإآ":
        return "ا" + word[1:]
    if word[:1] == "ا" and not word.startswith("ال") and rng.random() < 0.5:
        return rng.choice("أإ") + word[1:]
    return word


def final_yeh(word: str) -> str:
    """Alif maqsura and yeh confused at a word's end: مصطفى / مصطفي, علي / على."""
    if word.endswith("ى"):
        return word[:-1] + "ي"
    if word.endswith("ي"):
        return word[:-1] + "ى"
    return word


def final_teh_marbuta(word: str) -> str:
    """Teh marbuta and heh confused at a word's end: حمزة / حمزه, فاطمة / فاطمه."""
    if word.endswith("ة"):
        return word[:-1] + "ه"
    if word.endswith("ه"):
        return word[:-1] + "ة"
    return word


def join_or_split(part: str) -> str:
    """Compound parts joined or split: "عبد الله" / "عبدالله", "أبو عودة" / "أبوعودة"."""
    for prefix in ("عبد ", "أبو ", "ابو "):
        if part.startswith(prefix):
            return part.replace(" ", "", 1)
    for prefix in ("عبد", "أبو", "ابو"):
        if part.startswith(prefix) and len(part) > len(prefix) + 1 and " " not in part:
            return prefix + " " + part[len(prefix) :]
    return part


_AR_SIMILAR = {
    "ث": "ت",
    "ت": "ث",
    "ذ": "د",
    "د": "ذ",
    "ض": "ظ",
    "ظ": "ض",
    "س": "ص",
    "ص": "س",
    "ط": "ت",
}


def letter_swap(word: str, rng: random.Random) -> str:
    """A letter error between releases: two letters swapped, a similar letter (ث/ت, ذ/د), or one dropped."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "similar", "drop"))
    if kind == "swap" and word[i - 1] != " " and word[i] != " ":
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    if kind == "similar":
        for j, ch in enumerate(word):
            if ch in _AR_SIMILAR:
                return word[:j] + _AR_SIMILAR[ch] + word[j + 1 :]
    if word[i] != " ":
        return word[:i] + word[i + 1 :]
    return word


_AR_LETTERS = {
    "ا": "a", "أ": "a", "إ": "i", "آ": "a", "ب": "b", "ت": "t", "ث": "th", "ج": "j",
    "ح": "h", "خ": "kh", "د": "d", "ذ": "dh", "ر": "r", "ز": "z", "س": "s", "ش": "sh",
    "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "ع": "a", "غ": "gh", "ف": "f", "ق": "q",
    "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h", "ة": "a", "و": "w", "ي": "y",
    "ى": "a", "ء": "", "ئ": "e", "ؤ": "o", " ": " ",
}  # fmt: skip


def letter_by_letter(word: str) -> str:
    """What a transliteration dictionary does with a word it lacks: letter by letter ("Mhmd")."""
    text = "".join(_AR_LETTERS.get(ch, "") for ch in word)
    return text[:1].upper() + text[1:]


def nasab_with_bin(parts: list[str], rng: random.Random, p: float = 0.003) -> list[str]:
    """A rare row whose transliterator wrote the chain with "bin": "Khaled bin Saleh Mousa Al-Farra".

    Rare on purpose: a word that almost no row has is what real lists do to
    a model that infers a column's type from a sample of rows.
    """
    if len(parts) < 3 or rng.random() >= p:
        return parts
    return [parts[0], rng.choice(("bin", "Bin", "ibn")), *parts[1:]]


@dataclass
class _ArPerson:
    pid: str
    sex: str
    chain: tuple[tuple[str, str, tuple[str, ...], int], ...]  # own, father, grandfather
    family: tuple[str, str, tuple[str, ...], int]
    age: int
    dob: date


def _ar_family(
    rng: random.Random, fid: int, ref: date
) -> tuple[list[_ArPerson], list[tuple[str, str, str]]]:
    """Three generations of one family name. Sons carry their father's and
    grandfather's names in order; a first son is often named after his
    paternal grandfather, so "A B A F" (grandson) and "B A C F" (his father)
    share every word."""
    family = _pick(rng, _AR_FAMILY)
    great = _pick(rng, _AR_MALE)
    people: list[_ArPerson] = []
    relations: list[tuple[str, str, str]] = []

    def make(sex: str, own: Any, father: Any, grand: Any, age: int) -> _ArPerson:
        birth = ref - timedelta(days=age * 365 + rng.randrange(365))
        p = _ArPerson(
            f"ar{fid}-{len(people)}", sex, (own, father, grand), family, age, birth
        )
        people.append(p)
        return p

    g_own = _pick(rng, _AR_MALE)
    g_father = _pick(rng, _AR_MALE)
    g_age = rng.randint(55, 88)
    grandfather = make("m", g_own, g_father, great, g_age)
    n_sons = rng.choices((0, 1, 2, 3, 4), weights=(15, 25, 30, 20, 10))[0]
    sons: list[_ArPerson] = []
    for _ in range(n_sons):
        son = make(
            "m",
            _pick(rng, _AR_MALE),
            g_own,
            g_father,
            max(18, g_age - rng.randint(20, 35)),
        )
        sons.append(son)
        relations.append((grandfather.pid, son.pid, "father-child"))
    if rng.random() < 0.4:
        d = make(
            "f",
            _pick(rng, _AR_FEMALE),
            g_own,
            g_father,
            max(15, g_age - rng.randint(20, 40)),
        )
        relations.append((grandfather.pid, d.pid, "father-child"))
        for s in sons:
            relations.append((s.pid, d.pid, "siblings"))
    for i, a in enumerate(sons):
        for b in sons[i + 1 :]:
            relations.append((a.pid, b.pid, "siblings"))
    grandchildren: list[tuple[_ArPerson, _ArPerson]] = []
    for son in sons:
        for k in range(rng.choices((0, 1, 2, 3, 4), weights=(20, 25, 25, 20, 10))[0]):
            female = rng.random() < 0.4
            if k == 0 and not female and rng.random() < 0.4:
                own = g_own  # named after his grandfather
            else:
                own = _pick(rng, _AR_FEMALE if female else _AR_MALE)
            child = make(
                "f" if female else "m",
                own,
                son.chain[0],
                g_own,
                max(0, son.age - rng.randint(18, 35)),
            )
            relations.append((son.pid, child.pid, "father-child"))
            relations.append((grandfather.pid, child.pid, "grandfather-grandchild"))
            for other_son, other in grandchildren:
                kind = "siblings" if other_son is son else "cousins"
                relations.append((other.pid, child.pid, kind))
            grandchildren.append((son, child))
    return people, relations


def _ar_variant(part: str, rng: random.Random, p: float) -> str:
    """One name part as one release spells it, each difference with probability ``p``."""
    out = part
    if rng.random() < p:
        out = " ".join(hamza_variant(w, rng) for w in out.split(" "))
    if rng.random() < p:
        out = final_yeh(out)
    if rng.random() < p:
        out = final_teh_marbuta(out)
    if rng.random() < p:
        out = join_or_split(out)
    if rng.random() < p / 3:
        out = letter_swap(out, rng)
    return out


def _ar_latin(
    canonical: tuple[str, str, tuple[str, ...], int],
    written: str,
    dictionary: int,
    rng: random.Random,
) -> str:
    """The publisher's dictionary transliteration of one part; a misspelt part
    is not in the dictionary and comes out letter by letter."""
    arabic, latin, others, _ = canonical
    plain = (
        written.replace("أ", "ا").replace("إ", "ا").replace("آ", "ا").replace(" ", "")
    )
    known = {
        arabic.replace("أ", "ا").replace("إ", "ا").replace("آ", "ا").replace(" ", "")
    }
    known |= {final_yeh(k) for k in known} | {final_teh_marbuta(k) for k in known}
    if plain not in known:
        return letter_by_letter(written)
    if dictionary == 1 and others and rng.random() < 0.3:
        return others[0]
    return latin


def _ar_row(
    p: _ArPerson, release: int, rng: random.Random, native_column: str
) -> dict[str, str]:
    p_var = 0.05 if release == 0 else 0.12
    parts = [*p.chain, p.family]
    if rng.random() < 0.04:  # the grandfather left out
        parts = [p.chain[0], p.chain[1], p.family]
    written = [_ar_variant(part[0], rng, p_var) for part in parts]
    latin = [
        _ar_latin(part, w, release, rng) for part, w in zip(parts, written, strict=True)
    ]
    if release == 1:
        latin = nasab_with_bin(latin, rng)
    age = p.age + (rng.choice((0, 0, 1)) if release else 0)
    if rng.random() < (0.15 if release else 0.05):
        age += rng.choice((-2, -1, 1, 2))
    if rng.random() < 0.01:
        age += rng.choice((-10, 10, 20))
    show_age = "-1" if rng.random() < 0.02 else str(max(0, age))
    dob = p.dob.isoformat() if (release == 1 or rng.random() < 0.7) else ""
    return {
        native_column: " ".join(written),
        "full_name": " ".join(latin),
        "age": show_age,
        "dob": dob,
        "sex": p.sex,
    }


def arab_releases(
    n_people: int = 3000, *, seed: int = 1, native_column: str = "name_urdu"
) -> GeneratedLists:
    """Two releases of one list of four-part Arab names (Arabic and a Latin transliteration).

    Families of three generations: brothers share three of four parts,
    fathers and sons share two in shifted order, cousins share grandfather and
    family. The first release holds about 80% of the people, the second about
    95%; between them a part may gain or lose its hamza, change ى/ي or ة/ه,
    join or split "عبد ال…"/"ابو …", or swap a letter; ages move by a year or
    two. Within a release every person appears once (as with national ids).
    ``native_column`` names the Arabic column (``name_urdu`` until gawah reads
    a script-neutral one).
    """
    rng = random.Random(seed)
    ref = date(2031, 8, 8)
    people: list[_ArPerson] = []
    relations: list[tuple[str, str, str]] = []
    fid = 0
    while len(people) < n_people:
        members, rel = _ar_family(rng, fid, ref)
        fid += 1
        people += members
        relations += rel
    lists: dict[str, pd.DataFrame] = {}
    truth: list[dict[str, str]] = []
    in_first = {p.pid for p in people if rng.random() < 0.8}
    for release, name in enumerate(("release-1", "release-2")):
        if release == 0:
            chosen = [p for p in people if p.pid in in_first]
        else:  # everyone not in the first release, and most of those who were
            chosen = [p for p in people if p.pid not in in_first or rng.random() < 0.94]
        rng.shuffle(chosen)
        rows = [_ar_row(p, release, rng, native_column) for p in chosen]
        frame = pd.DataFrame(rows)
        ids = [str(k + 1) for k in range(len(frame))]
        frame.insert(0, "record_id", ids)
        lists[name] = frame
        truth += [
            {"list": name, "record_id": i, "person_id": p.pid, "script": BOTH}
            for i, p in zip(ids, chosen, strict=True)
        ]
    rel_frame = pd.DataFrame(relations, columns=["person_a", "person_b", "relation"])
    return GeneratedLists(lists, pd.DataFrame(truth), rel_frame)

"""Labelled multi-list data for linkage tests and benchmarks. FICTIONAL PEOPLE.

:func:`generate_linked_lists` draws a population of fictional people and writes
several overlapping lists about them the way real sources do: a hospital list
with "s/o" in the name and exact ages, a party list with titles, CNICs and its
own duplicates, a press list half in Urdu script with the father's name only in
the notes, a families' list with separate given/family names and age ranges.
Names are drawn from skewed pools so that many different people share the
commonest names ("Muhammad Ali Khan"); what keeps them apart is what keeps real
people apart: father, age, place, date.

The Urdu spellings and Latin spelling variants here are the generator's own
tables, written independently of the linkage tables, so that tests measure the
linkage and not the tables agreeing with themselves.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from gawah.linkage.gazetteer import district_names

# (latin, urdu, weight). Weights are skewed: a handful of names are everywhere.
_MALE = [
    ("Ali", "علی", 40),
    ("Ahmad", "احمد", 30),
    ("Hassan", "حسن", 18),
    ("Hussain", "حسین", 20),
    ("Imran", "عمران", 18),
    ("Bilal", "بلال", 14),
    ("Usman", "عثمان", 14),
    ("Umar", "عمر", 12),
    ("Asif", "آصف", 12),
    ("Tariq", "طارق", 12),
    ("Kashif", "کاشف", 8),
    ("Naveed", "نوید", 9),
    ("Waseem", "وسیم", 9),
    ("Zubair", "زبیر", 8),
    ("Faisal", "فیصل", 9),
    ("Irfan", "عرفان", 8),
    ("Sajid", "ساجد", 7),
    ("Shahid", "شاہد", 8),
    ("Khalid", "خالد", 8),
    ("Javed", "جاوید", 8),
    ("Arshad", "ارشد", 7),
    ("Akram", "اکرم", 7),
    ("Aslam", "اسلم", 8),
    ("Iqbal", "اقبال", 7),
    ("Rizwan", "رضوان", 6),
    ("Adnan", "عدنان", 6),
    ("Yasir", "یاسر", 6),
    ("Hamza", "حمزہ", 7),
    ("Saad", "سعد", 5),
    ("Junaid", "جنید", 5),
    ("Nadeem", "ندیم", 6),
    ("Shakeel", "شکیل", 5),
    ("Abdul Rehman", "عبدالرحمان", 8),
    ("Abdullah", "عبداللہ", 8),
    ("Saifullah", "سیف اللہ", 5),
    ("Ghulam Abbas", "غلام عباس", 4),
    ("Noor Muhammad", "نور محمد", 5),
    ("Zia ud Din", "ضیاء الدین", 3),
    ("Inam ul Haq", "انعام الحق", 3),
    ("Fazal", "فضل", 4),
    ("Sher", "شیر", 3),
    ("Gul", "گل", 4),
    ("Zahid", "زاہد", 6),
    ("Majid", "ماجد", 5),
    ("Raheel", "راحیل", 4),
    ("Owais", "اویس", 4),
    ("Danish", "دانش", 4),
    ("Fahad", "فہد", 5),
    ("Waqas", "وقاص", 6),
    ("Shoaib", "شعیب", 5),
    ("Mudassar", "مدثر", 3),
    ("Qaiser", "قیصر", 3),
    ("Tahir", "طاہر", 5),
    ("Babar", "بابر", 4),
]
_FEMALE = [
    ("Fatima", "فاطمہ", 15),
    ("Ayesha", "عائشہ", 12),
    ("Zainab", "زینب", 10),
    ("Maryam", "مریم", 9),
    ("Khadija", "خدیجہ", 7),
    ("Sana", "ثنا", 6),
    ("Rukhsana", "رخسانہ", 5),
    ("Nasreen", "نسرین", 6),
    ("Parveen", "پروین", 6),
    ("Shazia", "شازیہ", 5),
    ("Samina", "ثمینہ", 4),
    ("Bushra", "بشریٰ", 4),
    ("Nazia", "نازیہ", 4),
    ("Rabia", "رابعہ", 4),
    ("Shabana", "شبانہ", 3),
    ("Asma", "اسماء", 4),
]
_FAMILY = [
    ("Khan", "خان", 40),
    ("Shah", "شاہ", 12),
    ("Ahmad", "احمد", 10),
    ("Hussain", "حسین", 8),
    ("Butt", "بٹ", 6),
    ("Qureshi", "قریشی", 6),
    ("Awan", "اعوان", 6),
    ("Abbasi", "عباسی", 5),
    ("Mughal", "مغل", 4),
    ("Rajput", "راجپوت", 4),
    ("Baloch", "بلوچ", 5),
    ("Khattak", "خٹک", 5),
    ("Yousafzai", "یوسفزئی", 4),
    ("Afridi", "آفریدی", 4),
    ("Wazir", "وزیر", 4),
    ("Marwat", "مروت", 3),
    ("Jatoi", "جتوئی", 3),
    ("Siddiqui", "صدیقی", 4),
    ("Gondal", "گوندل", 3),
    ("Bhatti", "بھٹی", 4),
]
_FATHER = [
    ("Ghulam Rasool", "غلام رسول", 8),
    ("Muhammad Aslam", "محمد اسلم", 10),
    ("Abdul Ghafoor", "عبدالغفور", 6),
    ("Noor Muhammad", "نور محمد", 7),
    ("Muhammad Akram", "محمد اکرم", 8),
    ("Sher Khan", "شیر خان", 5),
    ("Gul Zaman", "گل زمان", 5),
    ("Allah Ditta", "اللہ دتہ", 5),
    ("Muhammad Iqbal", "محمد اقبال", 8),
    ("Abdul Qadir", "عبدالقادر", 5),
    ("Fazal Rehman", "فضل الرحمان", 5),
    ("Muhammad Bashir", "محمد بشیر", 7),
    ("Haji Khan", "حاجی خان", 3),
    ("Nazir Ahmad", "نذیر احمد", 6),
    ("Muhammad Yousaf", "محمد یوسف", 7),
    ("Rab Nawaz", "رب نواز", 4),
    ("Muhammad Sharif", "محمد شریف", 7),
    ("Mumtaz Hussain", "ممتاز حسین", 4),
    ("Taj Muhammad", "تاج محمد", 4),
    ("Khan Zaman", "خان زمان", 3),
    ("Muhammad Ismail", "محمد اسماعیل", 6),
    ("Dost Muhammad", "دوست محمد", 4),
    ("Sultan Mehmood", "سلطان محمود", 4),
    ("Abdul Hameed", "عبدالحمید", 5),
]
# Latin spellings a clerk might use instead; the generator's own list.
_SPELLINGS = {
    "Muhammad": ["Mohammad", "Muhammed", "Mohammed", "Mohd.", "M."],
    "Ahmad": ["Ahmed"],
    "Hussain": ["Hussein", "Husain"],
    "Hassan": ["Hasan"],
    "Rehman": ["Rahman"],
    "Abdul Rehman": ["Abdur Rahman", "Abdul Rahman", "Abdulrehman"],
    "Usman": ["Osman"],
    "Umar": ["Omar", "Umer"],
    "Waseem": ["Wasim"],
    "Nadeem": ["Nadim"],
    "Javed": ["Javaid", "Jawed"],
    "Yousaf": ["Yousuf", "Yusuf"],
    "Zubair": ["Zubayr"],
    "Saifullah": ["Saif Ullah", "Saif-ullah"],
    "Zia ud Din": ["Zia-ud-Din", "Ziauddin"],
    "Inam ul Haq": ["Inam-ul-Haq", "Inamul Haq"],
    "Fatima": ["Fatma"],
    "Ayesha": ["Aisha"],
    "Maryam": ["Mariam"],
    "Qureshi": ["Qurashi"],
    "Siddiqui": ["Siddiqi"],
    "Shakeel": ["Shakil"],
    "Rasool": ["Rasul"],
    "Nazir": ["Nazeer"],
    "Bashir": ["Basheer"],
    "Mehmood": ["Mahmood"],
    "Hameed": ["Hamid"],
    "Ghafoor": ["Ghafur"],
    "Sharif": ["Shareef"],
    "Junaid": ["Junaed"],
}
_TITLES = ["Syed", "Hafiz", "Haji", "Malik", "Ch.", "Rana", "Mian", "Sardar", "Dr."]
_PLACES = [
    (
        "Rawalpindi",
        ["Rwp", "Pindi"],
        ["Dhok Hassu", "Pir Wadhai", "Gujar Khan", "Kahuta", "Adiala"],
    ),
    ("Karak", [], ["Banda Daud Shah", "Takht-e-Nasrati", "Latamber", "Sabir Abad"]),
    (
        "Dera Ismail Khan",
        ["D.I. Khan", "DI Khan"],
        ["Kulachi", "Paharpur", "Daraban", "Chodhwan"],
    ),
    ("Abbottabad", ["Abbotabad"], ["Havelian", "Nawanshehr", "Mirpur", "Dhamtour"]),
    ("Peshawar", ["Pesh"], ["Hayatabad", "Badaber", "Mathra", "Pishtakhara"]),
    ("Lahore", ["Lhr"], ["Raiwind", "Shahdara", "Model Town", "Samanabad"]),
    ("Karachi", ["Khi"], ["Lyari", "Orangi", "Landhi", "Korangi"]),
    ("Quetta", [], ["Hazara Town", "Sariab", "Kuchlak", "Nawa Killi"]),
    (
        "North Waziristan",
        ["N. Waziristan"],
        ["Mir Ali", "Miranshah", "Razmak", "Datta Khel"],
    ),
    ("Swat", [], ["Mingora", "Matta", "Kabal", "Saidu Sharif"]),
]
_PLACE_URDU = {
    "Rawalpindi": "راولپنڈی",
    "Karak": "کرک",
    "Peshawar": "پشاور",
    "Lahore": "لاہور",
    "Karachi": "کراچی",
    "Quetta": "کوئٹہ",
    "Swat": "سوات",
    "Abbottabad": "ایبٹ آباد",
}
_STATUS = ["killed", "injured", "detained", "missing"]
_STATUS_WORDS = {
    "killed": ["killed", "martyred", "dead"],
    "injured": ["injured", "wounded"],
    "detained": ["detained", "arrested"],
    "missing": ["missing", "disappeared"],
}
COLUMNS = [
    "record_id",
    "full_name",
    "given_name",
    "family_name",
    "father_name",
    "name_urdu",
    "sex",
    "age",
    "age_min",
    "age_max",
    "status",
    "date",
    "place",
    "address",
    "district",
    "tehsil",
    "union_council",
    "village",
    "occupation",
    "cause",
    "national_id",
    "phone",
    "notes",
]


@dataclass(frozen=True, slots=True)
class _Person:
    pid: int
    sex: str
    given: tuple[str, str]
    family: tuple[str, str] | None
    father: tuple[str, str]
    title: str | None
    age: int
    district: str
    village: str
    date: pd.Timestamp
    status: str
    cnic: str | None


@dataclass(frozen=True)
class LabelledLists:
    """Generated lists and the truth: which rows are the same fictional person."""

    lists: dict[str, pd.DataFrame]
    truth: pd.DataFrame = field(repr=False)  # columns: list, record_id, person_id

    def reports(self, *, keys: bool = False) -> pd.DataFrame:
        """Every list's rows in one frame, with their ``list``; missing values empty.

        With ``keys``, also the row key ``list/record_id`` that :meth:`true_pairs`
        and linkage results name rows by.
        """
        frame = pd.concat(
            [f.assign(list=name) for name, f in self.lists.items()], ignore_index=True
        ).fillna("")
        if keys:
            frame = frame.assign(key=frame["list"] + "/" + frame["record_id"])
        return frame

    def true_pairs(self) -> set[tuple[str, str]]:
        """Every pair of row keys ``list/record_id`` that refers to one person, smaller first."""
        keys = self.truth.assign(key=self.truth["list"] + "/" + self.truth["record_id"])
        pairs: set[tuple[str, str]] = set()
        for members in keys.groupby("person_id")["key"]:
            ms = sorted(members[1])
            pairs.update((a, b) for i, a in enumerate(ms) for b in ms[i + 1 :])
        return pairs


def _pick(rng: random.Random, pool: Sequence[tuple[str, str, int]]) -> tuple[str, str]:
    latin, urdu, _ = rng.choices(pool, weights=[w for *_, w in pool])[0]
    return latin, urdu


def _father(rng: random.Random) -> tuple[str, str]:
    # Fathers' names: a fixed compound ("Ghulam Rasool") or a name built like
    # a son's ("Muhammad Aslam", "Sher Khan"), so that they vary as much as real ones.
    if rng.random() < 0.35:
        return _pick(rng, _FATHER)
    given = _pick(rng, _MALE)
    if rng.random() < 0.4:
        given = ("Muhammad " + given[0], "محمد " + given[1])
    if rng.random() < 0.4:
        family = _pick(rng, _FAMILY)
        given = (f"{given[0]} {family[0]}", f"{given[1]} {family[1]}")
    return given


_SYLLABLES = ["ba", "da", "ga", "ha", "ja", "ka", "la", "ma", "na", "ra", "sa", "ta", "wa",
              "za", "kha", "sha", "gul", "zai", "wal", "ani", "ori", "eri", "dar", "pur"]  # fmt: skip


def _invented(rng: random.Random, n: int) -> list[tuple[str, str, int]]:
    """``n`` invented clan names ("Gulzaiwal"), no Urdu spelling, equal weights."""
    names = {
        "".join(rng.choice(_SYLLABLES) for _ in range(3)).title() for _ in range(n)
    }
    return [(name, "", 1) for name in sorted(names)]


def _person(
    rng: random.Random,
    pid: int,
    start: pd.Timestamp,
    clans: Sequence[tuple[str, str, int]] = (),
    villages: int = 0,
    districts: Sequence[str] = (),
) -> _Person:
    sex = "f" if rng.random() < 0.15 else "m"
    given = _pick(rng, _FEMALE if sex == "f" else _MALE)
    if (
        sex == "m"
        and rng.random() < 0.45
        and given[0] not in ("Noor Muhammad", "Abdullah")
    ):
        given = ("Muhammad " + given[0], "محمد " + given[1])
    family = _pick(rng, _FAMILY) if rng.random() < 0.7 else None
    if clans and family is not None and rng.random() < 0.7:
        # A large population has a long tail of clan names, all equally
        # likely. The draw is what ``_pick`` would draw with equal weights
        # (the same random number, the same clan), without building a weight
        # list per person: at a million people that made generation quadratic.
        latin, urdu, _ = clans[int(rng.random() * len(clans))]
        family = (latin, urdu)
    district, _, places = rng.choices(
        _PLACES, weights=[30, 8, 8, 6, 12, 8, 8, 6, 8, 6]
    )[0]
    village = (
        rng.choice(places) if not villages else f"Mohalla {rng.randrange(villages)}"
    )
    father = _father(rng) if clans else _pick(rng, _FATHER)
    title = rng.choice(_TITLES) if rng.random() < 0.15 else None
    age = max(12, min(80, int(rng.gauss(30, 12))))
    date = start + pd.Timedelta(days=int(abs(rng.gauss(0, 4))))
    status = rng.choice(_STATUS)
    cnic = f"{rng.randrange(10**12, 10**13)}" if rng.random() < 0.5 else None
    if districts and rng.random() < 0.7:
        # A spread population: most people from anywhere in the country, over
        # three years (drawn after the crowded fields, so that those stay as
        # they were for the same seed).
        district = districts[int(rng.random() * len(districts))]
        date = start + pd.Timedelta(days=rng.randrange(3 * 365))
    return _Person(
        pid,
        sex,
        given,
        family,
        father,
        title,
        age,
        district,
        village,
        date,
        status,
        cnic,
    )


def _spell(rng: random.Random, name: str, p: float) -> str:
    out = []
    for word in [name] if name in _SPELLINGS else name.split():
        out.append(
            rng.choice(_SPELLINGS[word])
            if word in _SPELLINGS and rng.random() < p
            else word
        )
    return " ".join(out)


def _typo(rng: random.Random, text: str, p: float) -> str:
    if len(text) < 5 or rng.random() >= p:
        return text
    i = rng.randrange(1, len(text) - 1)
    op = rng.random()
    if op < 0.4:
        return text[:i] + text[i + 1 :]
    if op < 0.7:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[:i] + rng.choice("aeiouhnrst") + text[i + 1 :]


def _row(
    rng: random.Random, p: _Person, style: str, rid: str, noise: float
) -> dict[str, object]:
    given = _typo(rng, _spell(rng, p.given[0], 0.5 * noise * 2), noise)
    family = (
        _spell(rng, p.family[0], 0.3)
        if p.family and rng.random() > 0.25 * noise * 2
        else ""
    )
    father = _spell(rng, p.father[0], 0.4)
    row: dict[str, object] = dict.fromkeys(COLUMNS, None)
    row["record_id"] = rid
    age = p.age + (rng.choice([-2, -1, 1, 2]) if rng.random() < noise else 0)
    date = p.date + pd.Timedelta(
        days=rng.choice([-1, 1, 2]) if rng.random() < noise else 0
    )
    rel = "d/o" if p.sex == "f" else "s/o"
    name = " ".join(x for x in (given, family) if x)
    if rng.random() < 0.2 * noise * 2 and family:
        name = f"{family} {given}"  # family name first: order is never assumed
    if style == "hospital":
        row |= {
            "full_name": f"{name} {rel} {father}",
            "age": age,
            "sex": p.sex,
            "status": "killed" if p.status == "killed" else "injured",
            "date": date.date().isoformat(),
            "district": rng.choice(
                [p.district, *dict((d, a) for d, a, _ in _PLACES).get(p.district, [])]
            ),
        }
    elif style == "party":
        title = f"{p.title} " if p.title and rng.random() < 0.7 else ""
        row |= {
            "full_name": title + name,
            "father_name": father,
            "address": f"{p.village}, {p.district}",
            "national_id": p.cnic if rng.random() < 0.8 else None,
            "status": rng.choice(_STATUS_WORDS[p.status]),
            "date": date.date().isoformat() if rng.random() < 0.8 else None,
            "age": age if rng.random() < 0.6 else None,
        }
    elif style == "press":
        if rng.random() < 0.5:
            urdu = " ".join(
                x for x in (p.given[1], p.family[1] if p.family else "") if x
            )
            row["name_urdu"] = urdu
            row["place"] = _PLACE_URDU.get(p.district, p.district)
        else:
            row["full_name"] = name
            row["place"] = f"{p.village}, {p.district}"
        row["notes"] = (
            f"{name}, {'daughter' if p.sex == 'f' else 'son'} of {father}, aged {age}, was {p.status}."
        )
        row["date"] = date.date().isoformat()
        row["status"] = p.status
    else:  # families
        row |= {
            "given_name": given,
            "family_name": family or None,
            "father_name": father,
            "sex": p.sex,
            "age_min": age - 3,
            "age_max": age + 2,
            "village": p.village,
            "district": p.district,
            "status": p.status,
            "national_id": p.cnic if rng.random() < 0.5 else None,
        }
    return row


def generate_linked_lists(
    n_people: int = 1000,
    *,
    styles: Sequence[str] = ("hospital", "party", "press", "families"),
    capture: float = 0.5,
    duplicate_rate: float = 0.05,
    noise: float = 0.25,
    seed: int = 19481210,
    large_population: bool = False,
    spread: bool = False,
) -> LabelledLists:
    """Draw ``n_people`` fictional victims and the lists that name them.

    Args:
        n_people: size of the fictional population.
        styles: one list per style (hospital, party, press, families), named after it.
        capture: probability that a list names a given person.
        duplicate_rate: share of a list's rows repeated (a second local office's copy).
        noise: probability of each kind of corruption (spelling, typo, age, date, order).
        seed: the random seed; the same seed gives the same lists.
        large_population: for the scale benchmark: family names mostly from a
            long tail of invented clan names, fathers' names composed like
            sons', villages from a large pool (a million people do not share
            sixty names). Off, the names are crowded on purpose.
        spread: with ``large_population``, 70 % of people come from any
            district of the shipped gazetteer and any day of three years (a
            million victims are not from ten districts and one fortnight); the
            others, and everyone without it, from ten districts over about two
            weeks, which makes blocks grow with the square of the population.

    Returns:
        The lists (canonical import columns) and the truth table.
    """
    rng = random.Random(seed)
    start = pd.Timestamp("2024-05-09")
    clans = _invented(rng, max(50, n_people // 20)) if large_population else []
    villages = max(10, n_people // 50) if large_population else 0
    districts = district_names() if spread and large_population else []
    people = [
        _person(rng, i, start, clans, villages, districts) for i in range(n_people)
    ]
    lists: dict[str, pd.DataFrame] = {}
    truth: list[tuple[str, str, int]] = []
    for style in styles:
        rows: list[dict[str, object]] = []
        for p in people:
            if rng.random() >= capture:
                continue
            copies = 2 if rng.random() < duplicate_rate else 1
            for _ in range(copies):
                rid = f"{style[:2].upper()}{len(rows) + 1:06d}"
                rows.append(_row(rng, p, style, rid, noise))
                truth.append((style, rid, p.pid))
        # Missing values are empty strings, as in a CSV file.
        cells = [["" if r[c] is None else str(r[c]) for c in COLUMNS] for r in rows]
        frame = pd.DataFrame(cells, columns=COLUMNS)
        lists[style] = frame.sample(
            frac=1.0, random_state=rng.randrange(2**31)
        ).reset_index(drop=True)
    return LabelledLists(
        lists, pd.DataFrame(truth, columns=["list", "record_id", "person_id"])
    )

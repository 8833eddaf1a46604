"""Name and place pools for FICTIONAL Pakistani test and demo data.

Each entry is (canonical Latin spelling, other Latin spellings, Urdu script).
The variants are the ones real lists show: Muhammad/Mohammad/Mohd/M.,
Chaudhry/Ch., Rawalpindi/Rwp/Pindi. Combining them at random yields people who
do not exist; any resemblance to a real person is coincidence.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Name:
    """A name with its common Latin spellings and its Urdu script form."""

    latin: str
    variants: tuple[str, ...]
    urdu: str

    @property
    def spellings(self) -> tuple[str, ...]:
        """The canonical spelling first, then the variants."""
        return (self.latin, *self.variants)


def _pool(rows: list[tuple[str, str, str]]) -> tuple[Name, ...]:
    return tuple(
        Name(latin, tuple(v for v in variants.split("|") if v), urdu)
        for latin, variants, urdu in rows
    )


MUHAMMAD = Name("Muhammad", ("Mohammad", "Mohd", "M.", "Muhammed", "Mohammed"), "محمد")

MALE_GIVEN = _pool(
    [
        ("Ahmed", "Ahmad", "احمد"),
        ("Ali", "Aly", "علی"),
        ("Hassan", "Hasan", "حسن"),
        ("Hussain", "Husain|Hussein", "حسین"),
        ("Usman", "Osman|Usmaan", "عثمان"),
        ("Bilal", "Bilaal", "بلال"),
        ("Imran", "Imraan", "عمران"),
        ("Kamran", "", "کامران"),
        ("Faisal", "Faysal", "فیصل"),
        ("Zubair", "Zubeir", "زبیر"),
        ("Abdul Rehman", "Abdur Rahman|Abdul Rahman|A. Rehman", "عبدالرحمن"),
        ("Umar", "Omar", "عمر"),
        ("Tariq", "Tarik", "طارق"),
        ("Asif", "Aasif", "آصف"),
        ("Naveed", "Navid", "نوید"),
        ("Shahid", "Shahed", "شاہد"),
        ("Waqas", "Waqqas", "وقاص"),
        ("Adnan", "", "عدنان"),
        ("Fahad", "Fahd", "فہد"),
        ("Hamza", "Hamzah", "حمزہ"),
        ("Junaid", "Junaed", "جنید"),
        ("Saad", "Sa'ad", "سعد"),
        ("Shoaib", "Shuaib", "شعیب"),
        ("Yasir", "Yasser|Yaser", "یاسر"),
        ("Zeeshan", "Zishan", "ذیشان"),
        ("Irfan", "", "عرفان"),
        ("Rizwan", "Rizwaan", "رضوان"),
        ("Sajid", "Saajid", "ساجد"),
        ("Khalid", "Khaled", "خالد"),
        ("Rashid", "Rasheed", "راشد"),
        ("Nadeem", "Nadim", "ندیم"),
        ("Waseem", "Wasim", "وسیم"),
        ("Javed", "Javaid|Javad", "جاوید"),
        ("Arshad", "", "ارشد"),
        ("Naeem", "Naim", "نعیم"),
        ("Aamir", "Amir", "عامر"),
        ("Owais", "Awais|Uwais", "اویس"),
        ("Haider", "Hyder", "حیدر"),
        ("Abbas", "", "عباس"),
        ("Raza", "Rizza", "رضا"),
        ("Sohail", "Suhail", "سہیل"),
        ("Talha", "", "طلحہ"),
        ("Danish", "", "دانش"),
        ("Iftikhar", "Iftekhar", "افتخار"),
        ("Zahid", "Zaheed", "زاہد"),
        ("Sharif", "Shareef", "شریف"),
        ("Akram", "", "اکرم"),
        ("Aslam", "", "اسلم"),
        ("Nawaz", "", "نواز"),
        ("Riaz", "Riyaz", "ریاض"),
        ("Ghulam Abbas", "Gh. Abbas|Ghulaam Abbas", "غلام عباس"),
        ("Sher", "Shair", "شیر"),
        ("Gul", "", "گل"),
        ("Noor", "Nur", "نور"),
        ("Ismail", "Ismael|Esmail", "اسماعیل"),
        ("Ibrahim", "Ebrahim", "ابراہیم"),
        ("Yousaf", "Yusuf|Yousuf", "یوسف"),
        ("Anwar", "Anwer", "انور"),
        ("Qasim", "Kasim", "قاسم"),
        ("Saeed", "Said|Sayeed", "سعید"),
    ]
)

FEMALE_GIVEN = _pool(
    [
        ("Ayesha", "Aisha|Aysha", "عائشہ"),
        ("Fatima", "Fatimah|Fatma", "فاطمہ"),
        ("Zainab", "Zaynab", "زینب"),
        ("Maryam", "Mariam", "مریم"),
        ("Khadija", "Khadijah", "خدیجہ"),
        ("Sana", "Sanaa", "ثنا"),
        ("Saima", "Saimah", "صائمہ"),
        ("Nadia", "Nadiya", "نادیہ"),
        ("Rabia", "Rabiya", "رابعہ"),
        ("Asma", "Asmaa", "اسماء"),
        ("Bushra", "", "بشریٰ"),
        ("Shazia", "Shaziya", "شازیہ"),
        ("Nasreen", "Nasrin", "نسرین"),
        ("Samina", "Sameena", "ثمینہ"),
        ("Farzana", "", "فرزانہ"),
        ("Uzma", "Uzmah", "عظمیٰ"),
        ("Hina", "Heena", "حنا"),
        ("Amna", "Aamna", "آمنہ"),
        ("Sadia", "Saadia", "سعدیہ"),
        ("Kiran", "", "کرن"),
        ("Rukhsana", "Rukhsaana", "رخسانہ"),
        ("Parveen", "Perveen", "پروین"),
    ]
)

FAMILY = _pool(
    [
        ("Khan", "", "خان"),
        ("Awan", "", "اعوان"),
        ("Malik", "", "ملک"),
        ("Chaudhry", "Chaudhary|Ch.|Choudhry", "چوہدری"),
        ("Qureshi", "Qureshy|Kureshi", "قریشی"),
        ("Butt", "Bhatt|Butt Sahib", "بٹ"),
        ("Rajput", "", "راجپوت"),
        ("Jutt", "Jatt", "جٹ"),
        ("Abbasi", "", "عباسی"),
        ("Niazi", "", "نیازی"),
        ("Yousafzai", "Yusufzai", "یوسفزئی"),
        ("Afridi", "Afreedi", "آفریدی"),
        ("Khattak", "Khatak", "خٹک"),
        ("Marwat", "", "مروت"),
        ("Gondal", "", "گوندل"),
        ("Gujjar", "Gujar", "گجر"),
        ("Mughal", "Moghal", "مغل"),
        ("Sheikh", "Shaikh|Sh.", "شیخ"),
        ("Siddiqui", "Siddiqi|Sidiqui", "صدیقی"),
        ("Hashmi", "Hashmy", "ہاشمی"),
        ("Bhatti", "", "بھٹی"),
        ("Cheema", "Chima", "چیمہ"),
        ("Warraich", "Waraich", "وڑائچ"),
        ("Shah", "", "شاہ"),
        ("Baloch", "Balouch", "بلوچ"),
        ("Ansari", "", "انصاری"),
        ("Mirza", "", "مرزا"),
        ("Janjua", "", "جنجوعہ"),
        ("Kayani", "Kiani|Kiyani", "کیانی"),
        ("Tanoli", "Tanaoli", "تنولی"),
        ("Swati", "", "سواتی"),
        ("Durrani", "", "درانی"),
        ("Bangash", "", "بنگش"),
        ("Wazir", "", "وزیر"),
        ("Mehsud", "Mahsud|Masood", "محسود"),
        ("Satti", "", "ستی"),
    ]
)


@dataclass(frozen=True)
class District:
    """A district with its spelling variants and some of its tehsils."""

    name: str
    variants: tuple[str, ...]
    urdu: str
    tehsils: tuple[str, ...]


DISTRICTS: tuple[District, ...] = (
    District(
        "Rawalpindi",
        ("Rwp", "Pindi", "R.Pindi", "Rawal Pindi"),
        "راولپنڈی",
        ("Rawalpindi", "Gujar Khan", "Taxila", "Murree", "Kahuta"),
    ),
    District(
        "Islamabad",
        ("ISB", "Isb", "Islamabad Capital Territory"),
        "اسلام آباد",
        ("Islamabad",),
    ),
    District(
        "Attock", ("Atock", "Campbellpur"), "اٹک", ("Attock", "Hazro", "Fateh Jang")
    ),
    District("Peshawar", ("Pesh", "Pshawar"), "پشاور", ("Peshawar",)),
    District("Mardan", ("Mardaan",), "مردان", ("Mardan", "Takht Bhai")),
    District("Swabi", ("Sawabi",), "صوابی", ("Swabi", "Lahor", "Topi")),
    District(
        "Dera Ismail Khan",
        ("D.I. Khan", "DI Khan", "D I Khan", "Dera"),
        "ڈیرہ اسماعیل خان",
        ("Dera Ismail Khan", "Kulachi"),
    ),
    District(
        "Lahore", ("Lhr", "LHR"), "لاہور", ("Lahore City", "Model Town", "Raiwind")
    ),
    District(
        "Faisalabad", ("Fsd", "Lyallpur"), "فیصل آباد", ("Faisalabad", "Jaranwala")
    ),
    District(
        "Abbottabad", ("Abbotabad", "Atd"), "ایبٹ آباد", ("Abbottabad", "Havelian")
    ),
    District("Mianwali", ("Mianwaali",), "میانوالی", ("Mianwali", "Isa Khel")),
)

VILLAGE_STEMS: tuple[str, ...] = (
    "Dhok",
    "Chak",
    "Basti",
    "Mohalla",
    "Kot",
    "Pind",
    "Banda",
    "Garhi",
    "Kalley",
    "Mira",
)
VILLAGE_NAMES: tuple[str, ...] = (
    "Syedan",
    "Jalal",
    "Hayat",
    "Kala",
    "Sultan",
    "Nawab",
    "Mastan",
    "Lalazar",
    "Rehmat",
    "Fazal",
    "Barkat",
    "Sher Khan",
    "Nizam",
    "Qadir",
    "Bahadar",
    "Karam",
    "Daulat",
)
OCCUPATIONS: tuple[str, ...] = (
    "labourer",
    "student",
    "shopkeeper",
    "driver",
    "farmer",
    "teacher",
    "tailor",
    "mechanic",
    "rickshaw driver",
    "electrician",
    "vendor",
    "clerk",
    "carpenter",
    "security guard",
    "unemployed",
    "plumber",
    "cook",
    "lawyer",
    "nurse",
    "housewife",
)

"""The fast paths of linkage give what the plain paths give (FICTIONAL generated data)."""

from __future__ import annotations

import unicodedata
import warnings

import numpy as np
import pandas as pd
import pytest

from gawah.linkage import folding, normalise
from gawah.linkage.transliterate import to_latin
from gawah.testing.linkage_data import generate_linked_lists
from gawah.testing.real_lists import arab_releases, pakistani_lists


def _row_by_row(reports: pd.DataFrame) -> pd.DataFrame:
    """The plain path: one dictionary per row through ``normalise_record``."""
    return pd.DataFrame.from_records(
        [
            normalise.normalise_record({str(k): v for k, v in r.items()})
            for r in reports.to_dict("records")
        ],
        index=reports.index,
    )


def _mixed(reports: pd.DataFrame) -> pd.DataFrame:
    """The same rows with the values a spreadsheet gives: numbers, NaN, None, padding."""
    out = reports.copy()
    rng = np.random.default_rng(3)
    n = len(out)
    out["age"] = [
        rng.choice([25, 31.0, float("nan"), None, " 40 ", a]) for a in out["age"]
    ]
    out["national_id"] = out["national_id"].astype(object)
    out.loc[out.index[::7], "national_id"] = 3740512345671
    out.loc[out.index[::5], "district"] = float("nan")
    out.loc[out.index[::3], "sex"] = " N/A "
    out.loc[out.index[1::6], "sex"] = None
    out.loc[out.index[2::9], "full_name"] = "  Unknown "
    out["dob"] = [
        rng.choice(["1987-03-14", "14/03/1987", "1987", "", "31/02/1990", None])
        for _ in range(n)
    ]
    return out


@pytest.mark.parametrize(
    "reports",
    [
        pytest.param(
            lambda: generate_linked_lists(150, seed=5).reports(), id="four-lists"
        ),
        pytest.param(lambda: pakistani_lists(200, seed=6).reports(), id="pakistani"),
        pytest.param(lambda: arab_releases(200, seed=7).reports(), id="arab"),
        pytest.param(
            lambda: _mixed(generate_linked_lists(80, seed=8).reports()),
            id="mixed-types",
        ),
    ],
)
def test_column_wise_normalisation_gives_the_row_by_row_frame(reports: object) -> None:
    """Normalising column by column (values cleaned once per column) builds the
    frame ``normalise_record`` row by row builds, whatever the values' types."""
    frame = reports()  # type: ignore[operator]
    assert len(frame) > 100
    fast = normalise._normalise_chunk(frame)
    pd.testing.assert_frame_equal(fast, _row_by_row(frame), check_exact=True)


def _pandas_date(text: str) -> pd.Timestamp | None:
    """What ``_parse_date`` read through pandas alone, before its fast path."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        if normalise._ISO_DATE.match(text):
            value = pd.to_datetime(text[:10], errors="coerce", format="%Y-%m-%d")
        else:
            value = pd.to_datetime(text, errors="coerce", dayfirst=True)
    return None if pd.isna(value) else value


def test_dates_read_without_pandas_are_the_dates_pandas_reads() -> None:
    """ISO and day-first dates read directly are pandas' dates, day for day;
    impossible days and years outside pandas' range are left to pandas."""
    texts = []
    for y in (1, 1677, 1678, 1987, 2024, 2261, 2262, 9999):
        for m in range(14):
            for d in (0, 1, 9, 12, 13, 28, 29, 30, 31, 32):
                texts.append(f"{y:04d}-{m:02d}-{d:02d}")
                texts.append(f"{y:04d}-{m:02d}-{d:02d}T10:00")
                for sep in "/.-":
                    texts.append(f"{d}{sep}{m}{sep}{y}")
                    texts.append(f"{d:02d}{sep}{m:02d}{sep}{y:04d}")
    texts += ["05/03/2024 10:00", "5/3/24", "٠٥/٠٣/٢٠٢٤", "2024/03/05"]
    read = 0
    for text in texts:
        fast = normalise._fast_date(text)
        if fast is None:
            continue
        read += 1
        slow = _pandas_date(text)
        assert slow is not None, text
        assert (fast.year, fast.month, fast.day) == (slow.year, slow.month, slow.day)
    assert read > 2500  # most of the grid is read directly
    assert normalise._fast_date("31/02/1990") is None
    assert normalise._fast_date("15/03/1600") is None
    assert normalise._parse_date("15/03/2031") == pd.Timestamp(2031, 3, 15)


def _fold_plain(text: str) -> str:
    """``fold`` without its ASCII shortcut."""
    text = to_latin(unicodedata.normalize("NFKC", text))
    text = "".join(
        ch
        for ch in unicodedata.normalize("NFKD", text)
        if not unicodedata.combining(ch)
    )
    return " ".join(text.lower().split())


@pytest.mark.parametrize(
    "text",
    [
        "  Muhammad   ALI  s/o Ghulam ",
        "José Ñúñez",
        "ﬁrst ＦＵＬＬ width",
        "محمد علی",
        "Ali محمد",
        "Sa'ad\tKhan",
        "ÅSA",
        # Folded word by word: marks, joiners, presentation forms, ligatures
        # that expand to several words, Urdu digits, a Latin word beside an
        # Arabic one (it loses its joiner only then), a word left empty.
        "مُحَمَّد\u200cعلی  عبدالرحمن",
        "Jo\u200cse محمد",
        "Jo\u200cse Ali",
        "ﻣﺤﻤﺪ ﷲ ﷺ",
        "سیف الله ۱۹۸۵، ٢٠",
        "ΟΔΥΣΣΕΥΣ علی",
        "ـ \u064b علی",
        "Ali\u00a0Khan\u3000محمد",
    ],
)
def test_folding_ascii_text_directly_is_the_full_fold(text: str) -> None:
    """Plain ASCII skips NFKC, romanisation and accent stripping, other text is
    folded a word at a time: the same result as the whole text's full fold."""
    folding.fold.cache_clear()
    assert folding.fold(text) == _fold_plain(text)

"""CaptureHistories: reading, validating and transforming capture tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gawah.errors import UserInputError
from gawah.estimate import CaptureHistories


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "in_a": [1, 0, 1, 0],
            "in_b": [0, 1, 1, 1],
            "in_c": [0, 0, 1, 1],
            "count": [5, 3, 2, 4],
        }
    )


class TestFromFrame:
    def test_in_prefix_and_count(self) -> None:
        """in_<list> columns become list names and count gives the frequencies."""
        caps = CaptureHistories.from_frame(_frame())
        assert caps.lists == ("a", "b", "c")
        assert caps.n_observed == 14

    def test_plain_names(self) -> None:
        """Plain column names are lists when no column starts with in_."""
        frame = _frame().rename(columns=lambda c: c.removeprefix("in_"))
        assert CaptureHistories.from_frame(frame).lists == ("a", "b", "c")

    def test_one_row_per_person_aggregates(self) -> None:
        """Without count each row is one person and identical patterns merge."""
        frame = pd.DataFrame(
            {"id": ["p1", "p2", "p3"], "in_x": [1, 1, 0], "in_y": [1, 1, 1]}
        )
        caps = CaptureHistories.from_frame(frame)
        assert caps.n_observed == 3
        assert len(caps.counts) == 2
        assert sorted(caps.counts.tolist()) == [1, 2]

    def test_zero_count_rows_are_dropped(self) -> None:
        """A pattern with count 0 contributes nothing, even the all-zero one."""
        frame = pd.DataFrame({"a": [1, 0, 0], "b": [0, 1, 0], "count": [2, 0, 0]})
        caps = CaptureHistories.from_frame(frame)
        assert caps.n_observed == 2
        assert len(caps.counts) == 1

    @pytest.mark.parametrize(
        ("frame", "message"),
        [
            (pd.DataFrame({"a": [1, 2], "b": [0, 1]}), "only 0 or 1"),
            (pd.DataFrame({"a": [1, 0], "count": [1, 1]}), "at least 2 lists"),
            (pd.DataFrame({"a": [1, 0], "b": [0, 1], "count": [1, -1]}), "negative"),
            (pd.DataFrame({"a": [1, 0], "b": [0, 1], "count": [1.5, 1]}), "whole"),
            (pd.DataFrame([[1, 0, 1]], columns=["a", "a", "b"]), "duplicate"),
            (pd.DataFrame({"a": [1, 0], "b": [None, None]}), "empty"),
            (pd.DataFrame({"a": [1, 0], "": [0, 1]}), "without a name"),
            (
                pd.DataFrame({"a": [1, 0], "b": [0, 0], "count": [1, 3]}),
                "0 on every list",
            ),
        ],
    )
    def test_bad_tables_raise_one_clear_error(
        self, frame: pd.DataFrame, message: str
    ) -> None:
        """Every invalid table raises UserInputError naming the problem."""
        with pytest.raises(UserInputError, match=message):
            CaptureHistories.from_frame(frame)

    def test_missing_file(self, tmp_path: Path) -> None:
        """A missing CSV is a user error, not a traceback."""
        with pytest.raises(UserInputError, match="no such file"):
            CaptureHistories.from_csv(tmp_path / "nope.csv")

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("a,b\n1,2\n", "only 0 or 1"),
            ("a,count\n1,1\n", "at least 2 lists"),
            ("a,b,count\n1,0,1\n0,1,-1\n", "negative"),
            ("a,b,count\n1,0,1.5\n", "whole"),
            ("a,b,count\n1,0,many\n", "whole"),
            ("a,b,count\n1,0,NA\n0,1,2\n", "whole"),
            ("a,a,b\n1,0,1\n", "duplicate"),
            ("a,b\n1,\n0,NA\n", "empty"),
            ("a,,b\n1,0,1\n", "without a name"),
            ("a,b,count\n0,0,3\n1,0,1\n", "0 on every list"),
            ("a,b\n1,0,1\n", "line 2 has 3 fields"),
            ("", "empty"),
        ],
    )
    def test_bad_csv_files_raise_one_clear_error(
        self, tmp_path: Path, text: str, message: str
    ) -> None:
        """A CSV fails with the same clear errors as a table in memory."""
        path = tmp_path / "bad.csv"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(UserInputError, match=message):
            CaptureHistories.from_csv(path)

    def test_csv_reads_like_a_frame(self, tmp_path: Path) -> None:
        """Spaces, 1.0, blank lines, a BOM and short rows read as pandas reads them."""
        path = tmp_path / "caps.csv"
        path.write_text(
            "\ufeffid, in_a ,in_b,in_c\np1, 1 ,0\n\np2,1.0,1,0\np3,0,1,1\n",
            encoding="utf-8",
        )
        with pytest.raises(UserInputError, match="found ''"):
            CaptureHistories.from_csv(path)  # p1 has no value for c
        path.write_text(
            "\ufeffid, in_a ,in_b,in_c\np1, 1 ,0,0\n\np2,1.0,1,0\np3,0,1,1\n",
            encoding="utf-8",
        )
        frame = pd.read_csv(path, dtype=str)
        frame.columns = [c.strip() for c in frame.columns]
        assert CaptureHistories.from_csv(path) == CaptureHistories.from_frame(frame)

    def test_csv_roundtrip(self, tmp_path: Path) -> None:
        """to_frame written as CSV reads back to the same captures."""
        caps = CaptureHistories.from_frame(_frame())
        path = tmp_path / "caps.csv"
        caps.to_frame().to_csv(path, index=False)
        assert CaptureHistories.from_csv(path) == caps


class TestViews:
    def test_cell_counts_dga_order(self) -> None:
        """Cell index is sum x_j 2^(j-1): list 1 varies fastest."""
        caps = CaptureHistories.from_frame(_frame())
        cells = caps.cell_counts()
        assert cells.shape == (8,)
        assert cells[0] == 0
        assert cells[1] == 5  # a only
        assert cells[2] == 3  # b only
        assert cells[7] == 2  # a, b, c
        assert cells[6] == 4  # b, c
        assert CaptureHistories.from_cell_counts(caps.lists, cells) == caps

    def test_digest_ignores_list_and_row_order(self) -> None:
        """Reordering lists or rows does not change the digest; changing a count does."""
        caps = CaptureHistories.from_frame(_frame())
        assert caps.reorder(("c", "a", "b")).digest() == caps.digest()
        shuffled = CaptureHistories.from_frame(_frame().iloc[::-1])
        assert shuffled.digest() == caps.digest()
        other = _frame()
        other.loc[0, "count"] = 6
        assert CaptureHistories.from_frame(other).digest() != caps.digest()

    def test_reorder_needs_a_permutation(self) -> None:
        """reorder refuses names that are not exactly the lists."""
        caps = CaptureHistories.from_frame(_frame())
        with pytest.raises(UserInputError):
            caps.reorder(("a", "b"))

    def test_drop_list_removes_people_only_there(self) -> None:
        """Dropping a list drops the people seen only on it and merges patterns."""
        caps = CaptureHistories.from_frame(_frame())
        dropped = caps.drop_list("a")
        assert dropped.lists == ("b", "c")
        assert dropped.n_observed == 14 - 5
        assert dropped.list_totals() == {"b": 9, "c": 6}

    def test_arrays_are_read_only(self) -> None:
        """The frozen object cannot be changed through its arrays."""
        caps = CaptureHistories.from_frame(_frame())
        with pytest.raises(ValueError, match="read-only"):
            caps.counts[0] = 99
        assert np.all(caps.counts > 0)

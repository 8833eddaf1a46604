"""CSV mode review: `--review-out pairs.csv` and `--labels labels.csv`, and bad labels."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from _linkage_cli import Run

from gawah.testing.linkage_data import generate_linked_lists

Gawah = Callable[..., Run]


@pytest.fixture(scope="module")
def lists(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[list[Path], set[tuple[str, str]]]:
    """Four small generated lists (FICTIONAL) as CSV files, and the true pairs."""
    folder = tmp_path_factory.mktemp("review-lists")
    data = generate_linked_lists(200, seed=31)
    paths = []
    for name, frame in data.lists.items():
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False)
        paths.append(path)
    return paths, data.true_pairs()


@pytest.fixture(scope="module")
def reviewed(
    lists: tuple[list[Path], set[tuple[str, str]]],
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[str, object]]:
    """A first run's review file (via the real CLI) and its JSON summary."""
    from gawah.cli import main

    folder = tmp_path_factory.mktemp("review-out")
    paths, _ = lists
    args = ["gawah", "link", "csv", *map(str, paths), "--out", str(folder / "c.csv")]
    args += ["--review-out", str(folder / "pairs.csv"), "--json"]
    mp = pytest.MonkeyPatch()
    mp.setattr("sys.argv", args)
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.suppress(SystemExit):
        main()
    mp.undo()
    return folder / "pairs.csv", json.loads(buffer.getvalue())


def _key(list_: str, rid: str) -> str:
    return f"{list_}/{rid}"


class TestReviewOut:
    def test_lists_the_pairs_left_for_review_side_by_side(
        self,
        reviewed: tuple[Path, dict[str, object]],
        lists: tuple[list[Path], set[tuple[str, str]]],
    ) -> None:
        path, summary = reviewed
        pairs = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert list(pairs.columns[:5]) == [
            "list_a",
            "record_id_a",
            "list_b",
            "record_id_b",
            "probability",
        ]
        assert pairs.columns[-1] == "same"
        assert len(pairs) == summary["review_pairs"] > 0
        probability = pairs["probability"].astype(float)
        low, high = summary["review_band"]  # type: ignore[misc]
        assert ((probability >= low - 1e-4) & (probability < high)).all()
        # the compared values, side by side, are the input's own
        inputs = pd.concat(
            [
                pd.read_csv(p, dtype=str, keep_default_na=False).assign(list=p.stem)
                for p in lists[0]
            ]
        ).set_index(["list", "record_id"])
        row = pairs.iloc[0]
        assert (
            row["full_name_a"]
            == inputs.loc[(row["list_a"], row["record_id_a"]), "full_name"]
        )
        assert (
            row["full_name_b"]
            == inputs.loc[(row["list_b"], row["record_id_b"]), "full_name"]
        )

    def test_national_ids_are_compared_not_copied(
        self,
        reviewed: tuple[Path, dict[str, object]],
        lists: tuple[list[Path], set[tuple[str, str]]],
    ) -> None:
        path, _ = reviewed
        text = path.read_text(encoding="utf-8")
        ids = {
            v
            for p in lists[0]
            for v in pd.read_csv(p, dtype=str, keep_default_na=False).get(
                "national_id", []
            )
            if v
        }
        assert ids, "the generated lists carry national ids"
        assert not any(v in text for v in ids)
        pairs = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert set(pairs["national_id"]) <= {"", "same", "different", "one typo apart"}

    def test_file_is_private(self, reviewed: tuple[Path, dict[str, object]]) -> None:
        path, _ = reviewed
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0

    def test_most_uncertain_common_patterns_come_before_confident_pairs(
        self, reviewed: tuple[Path, dict[str, object]]
    ) -> None:
        """The first tenth of the file is more uncertain, on average, than the last tenth."""
        path, _ = reviewed
        p = pd.read_csv(path)["probability"]
        tenth = max(1, len(p) // 10)
        distance = (p - 0.5).abs()
        assert distance[:tenth].mean() < distance[-tenth:].mean()


class TestLabels:
    def test_filled_in_review_file_binds_and_refits(
        self,
        reviewed: tuple[Path, dict[str, object]],
        lists: tuple[list[Path], set[tuple[str, str]]],
        tmp_path: Path,
        gawah: Gawah,
    ) -> None:
        """The oracle fills `same` in the review file; given back, every answer holds."""
        path, _ = reviewed
        paths, truth = lists
        pairs = pd.read_csv(path, dtype=str, keep_default_na=False)
        answered = pairs.head(40).copy()
        answered["same"] = [
            "yes" if tuple(sorted((_key(a, b), _key(c, d)))) in truth else "no"
            for a, b, c, d in zip(
                answered["list_a"],
                answered["record_id_a"],
                answered["list_b"],
                answered["record_id_b"],
                strict=True,
            )
        ]
        labels = tmp_path / "labels.csv"
        pd.concat([answered, pairs.iloc[40:]]).to_csv(labels, index=False)
        out, again = tmp_path / "c.csv", tmp_path / "pairs2.csv"
        result = gawah(
            "link", "csv", *map(str, paths), "--out", str(out),
            "--labels", str(labels), "--review-out", str(again), "--json", "--refit",
        )  # fmt: skip
        assert result.code == 0, result.stderr
        summary = json.loads(result.stdout)
        if answered["same"].nunique() == 2:
            assert summary["learned_from_decisions"] >= 10
        clusters = pd.read_csv(out, dtype=str)
        person = dict(
            zip(
                clusters["list"] + "/" + clusters["record_id"],
                clusters["cluster_id"],
                strict=True,
            )
        )
        joined = {"yes": 0, "no": 0}
        for a, b, c, d, same in answered[
            ["list_a", "record_id_a", "list_b", "record_id_b", "same"]
        ].itertuples(index=False):
            joined[same] += person[_key(a, b)] == person[_key(c, d)]
        assert joined["no"] == 0
        # cluster.py lets a model conflict (a pair scored below 0.05) refuse a
        # chain of reviewed "yes" decisions (A=B, B=C, A-C scored apart): rare.
        assert joined["yes"] >= 0.9 * (answered["same"] == "yes").sum()
        left = pd.read_csv(again, dtype=str, keep_default_na=False)
        done = {
            tuple(sorted((_key(a, b), _key(c, d))))
            for a, b, c, d in answered[["list_a", "record_id_a", "list_b", "record_id_b"]].itertuples(index=False)
        }  # fmt: skip
        still = {
            tuple(sorted((_key(a, b), _key(c, d))))
            for a, b, c, d in left[["list_a", "record_id_a", "list_b", "record_id_b"]].itertuples(index=False)
        }  # fmt: skip
        assert not done & still

    @pytest.mark.parametrize(
        ("row", "message"),
        [
            ({"list_a": "nosuch", "same": "yes"}, "no record"),
            ({"record_id_b": "ZZ999999", "same": "no"}, "no record"),
            ({"same": "maybe"}, "yes or no"),
            ({"same": "yes", "self": True}, "itself"),
        ],
    )
    def test_bad_labels_exit_2_and_write_nothing(
        self,
        lists: tuple[list[Path], set[tuple[str, str]]],
        tmp_path: Path,
        gawah: Gawah,
        row: dict[str, object],
        message: str,
    ) -> None:
        paths, _ = lists
        first = pd.read_csv(paths[0], dtype=str)
        second = pd.read_csv(paths[1], dtype=str)
        good = {
            "list_a": paths[0].stem,
            "record_id_a": first["record_id"].iloc[0],
            "list_b": paths[1].stem,
            "record_id_b": second["record_id"].iloc[0],
            "same": "yes",
        }
        bad = {**good, **{k: v for k, v in row.items() if k != "self"}}
        if row.get("self"):
            bad["list_b"], bad["record_id_b"] = bad["list_a"], bad["record_id_a"]
        labels = tmp_path / "labels.csv"
        pd.DataFrame([good, bad]).to_csv(labels, index=False)
        out, review = tmp_path / "c.csv", tmp_path / "p.csv"
        result = gawah(
            "link", *map(str, paths), "--out", str(out),
            "--labels", str(labels), "--review-out", str(review),
        )  # fmt: skip
        assert result.code == 2
        assert message in result.stderr
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert not out.exists()
        assert not review.exists()

    def test_missing_columns_and_contradictions(
        self,
        lists: tuple[list[Path], set[tuple[str, str]]],
        tmp_path: Path,
        gawah: Gawah,
    ) -> None:
        paths, _ = lists
        first = pd.read_csv(paths[0], dtype=str)
        second = pd.read_csv(paths[1], dtype=str)
        pair = {
            "list_a": paths[0].stem,
            "record_id_a": first["record_id"].iloc[0],
            "list_b": paths[1].stem,
            "record_id_b": second["record_id"].iloc[0],
        }
        cases = {
            "columns": pd.DataFrame([{k: v for k, v in pair.items() if k != "list_b"}]),
            "contradiction": pd.DataFrame(
                [
                    {**pair, "same": "yes"},
                    {
                        "list_a": pair["list_b"],
                        "record_id_a": pair["record_id_b"],
                        "list_b": pair["list_a"],
                        "record_id_b": pair["record_id_a"],
                        "same": "No",
                    },
                ]
            ),
        }
        expected = {"columns": "list_b", "contradiction": "both yes and no"}
        for name, frame in cases.items():
            labels = tmp_path / f"{name}.csv"
            frame.to_csv(labels, index=False)
            out = tmp_path / f"{name}-out.csv"
            result = gawah(
                "link", *map(str, paths), "--out", str(out), "--labels", str(labels)
            )
            assert result.code == 2, name
            assert expected[name] in result.stderr
            assert not out.exists()

    def test_review_out_into_a_missing_folder_writes_nothing(
        self,
        lists: tuple[list[Path], set[tuple[str, str]]],
        tmp_path: Path,
        gawah: Gawah,
    ) -> None:
        paths, _ = lists
        out = tmp_path / "c.csv"
        result = gawah(
            "link", *map(str, paths[:2]), "--out", str(out),
            "--review-out", str(tmp_path / "nope" / "p.csv"),
        )  # fmt: skip
        assert result.code == 2
        assert "does not exist" in result.stderr
        assert not out.exists()

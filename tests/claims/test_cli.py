"""``gawah claims ...`` end to end on a FICTIONAL workspace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gawah.cli import app
from gawah.errors import UserInputError
from gawah.workspace import Workspace

ARTICLE = """<html><head><title>FICTIONAL</title><style>p {color: red}</style></head>
<body><article>
<p>KARAK, May 10 (FICTIONAL Wire) - At least 7 people were killed on Tuesday, doctors at
the district hospital said.</p>
<p>"No one was killed," the Interior Ministry said in a statement.</p>
<p>Police said 600 people had been arrested. Turnout at the rally was 40 percent.</p>
</article></body></html>
"""


@pytest.fixture
def home(ws: Workspace) -> Path:
    ws.close()
    return ws.home


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "article.html"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


def _run(*args: str | Path) -> object:
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.output
    return result


def _listed(home: Path) -> list[dict[str, object]]:
    out = _run("claims", "list", "--incident", "karak", "--json", "--home", home)
    return list(json.loads(out.output))  # type: ignore[attr-defined]


def _review_interactively(home: Path, article: Path, answers: str) -> None:
    """Run `claims review` on ``article`` answering the prompts with ``answers``."""
    result = CliRunner().invoke(
        app,
        ["claims", "review", str(article), "--incident", "karak", "--home", str(home)],
        input=answers,
    )
    assert result.exit_code == 0, result.output


class TestClaimsCli:
    def test_add_then_list_as_json(self, home: Path) -> None:
        """A hand-entered claim comes back from `claims list --json` with its bounds."""
        _run("claims", "add", "--incident", "karak", "--category", "killed",
             "--bounds", "6..open", "--note", "6 to over 200", "--claimant",
             "FICTIONAL party spokesman", "--kind", "party", "--said-on", "2024-05-11",
             "--home", home)  # fmt: skip
        (row,) = _listed(home)
        assert (row["low"], row["high"], row["bounds"]) == (6, None, "6..open")
        assert row["note"] == "6 to over 200"
        assert row["claimant"]["kind"] == "party"  # type: ignore[index]

    def test_add_refuses_an_unknown_incident(self, home: Path) -> None:
        """The incident must exist in the registry."""
        with pytest.raises(UserInputError, match="no incident"):
            _run("claims", "add", "--incident", "elsewhere", "--category", "killed",
                 "--bounds", "7", "--claimant", "x", "--home", home)  # fmt: skip

    def test_add_refuses_a_bad_category(self, home: Path) -> None:
        """An unknown category names the allowed ones."""
        with pytest.raises(UserInputError, match="killed, injured"):
            _run("claims", "add", "--incident", "karak", "--category", "harmed",
                 "--bounds", "7", "--claimant", "x", "--home", home)  # fmt: skip

    def test_extract_html_as_json(self, article: Path) -> None:
        """Extraction strips HTML and proposes the three casualty figures, not the 40%."""
        out = _run("claims", "extract", article, "--json")
        doc = json.loads(out.output)  # type: ignore[attr-defined]
        got = [(c["category"], c["low"], c["high"], c["stance"]) for c in doc["claims"]]
        assert got == [
            ("killed", 7, None, "asserts"),
            ("killed", 0, 0, "denies"),
            ("arrested", 600, 600, "asserts"),
        ]
        assert all(c["sentence_end"] > c["sentence_start"] for c in doc["claims"])

    def test_review_accept_all_records_every_proposal(
        self, home: Path, article: Path
    ) -> None:
        """--accept-all records each proposal with the publication given."""
        _run("claims", "review", article, "--incident", "karak", "--accept-all",
             "--outlet", "FICTIONAL Wire", "--published", "2024-05-10", "--home", home)  # fmt: skip
        rows = _listed(home)
        assert len(rows) == 3
        assert {r["publication"]["outlet"] for r in rows} == {"FICTIONAL Wire"}  # type: ignore[index]

    def test_review_interactive_records_only_accepted(
        self, home: Path, article: Path
    ) -> None:
        """Answering accept, reject, quit records exactly the first proposal."""
        _review_interactively(home, article, "a\nr\nq\n")
        (row,) = _listed(home)
        assert (row["low"], row["high"]) == (7, None)

    def test_review_accept_by_number_and_withdraw(
        self, home: Path, article: Path
    ) -> None:
        """--accept 3 records the third proposal; withdraw by the listed prefix hides it."""
        _run("claims", "review", article, "--incident", "karak", "--accept", "3",
             "--home", home)  # fmt: skip
        (row,) = _listed(home)
        assert row["category"] == "arrested"
        _run("claims", "withdraw", str(row["id"])[:12], "--reason", "FICTIONAL test",
             "--home", home)  # fmt: skip
        assert _listed(home) == []

    def test_review_edit_sets_the_speaker(self, home: Path, article: Path) -> None:
        """Answering edit lets the reviewer correct the speaker and kind, then records."""
        _review_interactively(home, article, "e\nDr. FICTIONAL Rabia\nmedical\nq\n")
        (row,) = _listed(home)
        assert row["claimant"] == {  # type: ignore[comparison-overlap]
            "name": "Dr. FICTIONAL Rabia",
            "role": "",
            "organisation": "",
            "kind": "medical",
        }

    def test_urdu_text_is_read_and_other_scripts_get_a_warning(
        self, tmp_path: Path
    ) -> None:
        """Urdu is read (no warning); text in another script is flagged."""
        path = tmp_path / "ur.txt"
        path.write_text("پولیس نے کہا کہ سات افراد ہلاک ہوئے۔", encoding="utf-8")
        result = CliRunner().invoke(app, ["claims", "extract", str(path), "--json"])
        assert result.exit_code == 0
        assert "warning" not in result.output
        assert '"low": 7' in result.output
        path.write_text("पुलिस ने कहा कि सात लोग मारे गए।", encoding="utf-8")
        result = CliRunner().invoke(app, ["claims", "extract", str(path)])
        assert result.exit_code == 0
        assert "English and Urdu only" in " ".join(result.output.split())

    def test_named_persons_csv_imports_into_the_registry(
        self, home: Path, tmp_path: Path
    ) -> None:
        """--victims-csv writes rows the registry imports as reports, with status."""
        from gawah.registry import import_list, list_reports

        article = tmp_path / "a.txt"
        article.write_text(
            "FICTIONAL. Muhammad Ali, 24, from Karak, was shot dead, his brother said. "
            "Bilal Ahmed, 17, of Bannu, was detained on Sunday, relatives said.",
            encoding="utf-8",
        )
        out = tmp_path / "people.csv"
        _run("claims", "extract", article, "--victims-csv", out)
        with Workspace.open(home) as w:
            report = import_list(w, out, source="FICTIONAL Wire", incident="karak")
            assert report.added == 2
            got = {
                (r.full_name, r.age, r.place, str(r.status))
                for r in list_reports(w.conn)
            }
        assert got == {
            ("Muhammad Ali", 24, "Karak", "killed"),
            ("Bilal Ahmed", 17, "Bannu", "arrested_held"),
        }

    def test_second_review_of_the_same_article_skips_duplicates(
        self, home: Path, article: Path
    ) -> None:
        """The same statements reviewed twice are recorded once, unless asked."""
        args = ["claims", "review", article, "--incident", "karak", "--accept-all",
                "--said-on", "2024-05-10", "--home", home]  # fmt: skip
        _run(*args)
        out = _run(*args)
        assert "3 already recorded" in out.output  # type: ignore[attr-defined]
        assert len(_listed(home)) == 3
        _run(*args, "--keep-duplicates")
        assert len(_listed(home)) == 6

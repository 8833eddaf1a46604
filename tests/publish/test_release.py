"""``gawah publish``: what a release contains, what it never contains, and that it repeats."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from .conftest import (
    CANARY_ADDRESS,
    CANARY_ID,
    CANARY_PHONE,
    CANARY_WITNESS,
    HIDDEN_NAME,
    INCIDENT,
    Gawah,
    make_release,
)


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _pdf_text(path: Path) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


class TestNothingSecretLeaves:
    def test_canaries_are_in_no_file_of_the_release(self, release: Path) -> None:
        """The planted id, phone, witness, address and unnamed person appear nowhere."""
        canaries = [
            CANARY_ID,
            CANARY_PHONE,
            CANARY_WITNESS,
            CANARY_ADDRESS,
            HIDDEN_NAME,
        ]
        # digits of the id and phone without separators too
        canaries += [re.sub(r"\D", "", CANARY_ID), re.sub(r"\D", "", CANARY_PHONE)]
        texts = {name: content for name, content in _files(release).items()}
        texts["report.pdf (text)"] = _pdf_text(release / "report.pdf").encode("utf-8")
        for name, content in texts.items():
            for canary in canaries:
                assert canary.encode("utf-8") not in content, (name, canary)
                assert canary.casefold().encode() not in content.lower(), (name, canary)

    def test_the_pdf_text_holds_the_names_it_should(self, release: Path) -> None:
        """The text check above is meaningful: the PDF's text layer has the named people."""
        text = _pdf_text(release / "report.pdf")
        assert "Fictional Person000" in text

    def test_a_person_who_asked_not_to_be_named_is_counted_not_listed(
        self, release: Path
    ) -> None:
        data = json.loads((release / "release-data.json").read_bytes())
        victims = json.loads((release / "data/victims.json").read_bytes())
        assert data["persons"] == data["named"] + 1
        assert victims["persons_not_named"] == 1
        assert len(victims["victims"]) == data["named"]
        assert sum(data["documented"].values()) == data["persons"]

    def test_only_the_policy_fields_are_columns(self, release: Path) -> None:
        text = (release / "data/victims.csv").read_bytes()
        assert text.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
        assert rows[0] == ["name", "age", "sex", "status", "date", "district"]
        assert rows[1][0].startswith("#")

    def test_receipt_counts_kinds_never_values(self, release: Path) -> None:
        receipt = json.loads((release / "redaction-receipt.json").read_bytes())
        withheld = {
            f["field"]: f["reports_with_a_value"] for f in receipt["withheld"]["fields"]
        }
        assert withheld["national_id"] >= 1
        assert withheld["phone"] >= 1
        assert withheld["address"] >= 1
        assert receipt["withheld"]["persons_not_named"] == 1
        assert receipt["withheld"]["cells_withheld"] >= 1

    def test_a_narrower_policy_publishes_fewer_columns(
        self, home: Path, tmp_path: Path
    ) -> None:
        policy = tmp_path / "policy.toml"
        policy.write_text('fields = ["name", "status"]\nsmall_cell_threshold = 10\n')
        out = make_release(
            home, tmp_path / "out", "--policy", str(policy), "--no-pdf", "--lang", "en"
        )
        header = (out / "data/victims.csv").read_text("utf-8-sig").splitlines()[0]
        assert header == "name,status"
        assert not (out / "data/counts-by-district.csv").exists()
        assert not (out / "report.pdf").exists()
        html = (out / "index.html").read_text("utf-8")
        assert '<section lang="ur"' not in html
        manifest = json.loads((out / "release.json").read_bytes())
        assert manifest["policy"]["small_cell_threshold"] == 10


class TestReproducible:
    def test_two_runs_give_the_same_bytes(self, home: Path, release: Path) -> None:
        """A second release of the same state is byte-identical, signature included."""
        again = make_release(home, home.parent / "again")
        first, second = _files(release), _files(again)
        assert sorted(first) == sorted(second)
        for name in first:
            assert first[name] == second[name], name

    def test_no_clock_time_in_the_report(self, release: Path) -> None:
        html = (release / "index.html").read_text("utf-8")
        assert not re.search(r"\d{2}:\d{2}:\d{2}", html)


class TestRefusals:
    def test_a_folder_that_is_not_empty_is_refused(
        self, home: Path, tmp_path: Path, gawah: Gawah
    ) -> None:
        out = tmp_path / "full"
        out.mkdir()
        (out / "keep.txt").write_text("x")
        code, _, err = gawah(
            "publish", "--home", str(home), "--incident", INCIDENT, "--out", str(out)
        )
        assert code == 2
        assert "not an empty folder" in err
        assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]

    def test_an_unknown_incident_is_refused_and_nothing_written(
        self, home: Path, tmp_path: Path, gawah: Gawah
    ) -> None:
        code, _, err = gawah(
            "publish",
            "--home",
            str(home),
            "--incident",
            "nope",
            "--out",
            str(tmp_path / "o"),
        )
        assert code == 2
        assert "nope" in err
        assert not (tmp_path / "o").exists()
        assert not list(tmp_path.glob(".o.partial-*"))

    def test_a_policy_naming_a_sensitive_field_is_refused(
        self, home: Path, tmp_path: Path, gawah: Gawah
    ) -> None:
        policy = tmp_path / "policy.toml"
        policy.write_text('fields = ["name", "phone"]\n')
        code, _, err = gawah(
            "publish", "--home", str(home), "--incident", INCIDENT,
            "--out", str(tmp_path / "o"), "--policy", str(policy),
        )  # fmt: skip
        assert code == 2
        assert "phone" in err

    def test_an_unknown_language_is_refused(
        self, home: Path, tmp_path: Path, gawah: Gawah
    ) -> None:
        code, _, err = gawah(
            "publish", "--home", str(home), "--incident", INCIDENT,
            "--out", str(tmp_path / "o"), "--lang", "en,fr",
        )  # fmt: skip
        assert code == 2
        assert "--lang" in err

    def test_a_locked_key_is_refused_before_anything_is_written(
        self, tmp_path: Path, gawah: Gawah, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Signing needs the passphrase; without it nothing is written."""
        from gawah.workspace import Workspace

        locked = tmp_path / "locked"
        Workspace.init(
            locked, author="FICTIONAL", passphrase="FICTIONAL pass 1"
        ).close()
        monkeypatch.delenv("GAWAH_PASSPHRASE", raising=False)
        monkeypatch.delenv("GAWAH_PASSPHRASE_FILE", raising=False)
        code, _, err = gawah(
            "publish",
            "--home",
            str(locked),
            "--incident",
            "x",
            "--out",
            str(tmp_path / "o"),
        )
        assert code == 2
        assert "passphrase" in err
        assert not (tmp_path / "o").exists()

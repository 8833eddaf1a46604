"""Encodings that cannot be told apart are refused, never guessed (FICTIONAL rows)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _registry_helpers import ListWriter

from gawah.errors import UserInputError
from gawah.registry import import_list, list_reports
from gawah.registry.reading import EncodingUnclearError, detect_file_encoding
from gawah.workspace import Workspace


def _bytes(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "list.csv"
    path.write_bytes(data)
    return path


class TestDetection:
    def test_one_row_of_arabic_in_cp1256(self, ws: Workspace, tmp_path: Path) -> None:
        """The case charset-normalizer read as cp1252 gibberish."""
        text = "record_id,name_urdu,sex\n1,محمد احمد,M\n"
        path = _bytes(tmp_path, text.encode("cp1256"))
        assert detect_file_encoding(path) == "cp1256"
        report = import_list(ws, path, source="s")
        assert report.encoding == "cp1256"
        assert [r.name_urdu for r in list_reports(ws.conn)] == ["محمد احمد"]

    def test_urdu_letters_in_cp1256(self, tmp_path: Path) -> None:
        text = "record_id,name_urdu\n1,گل بي بي\n2,پرويز\n"
        assert detect_file_encoding(_bytes(tmp_path, text.encode("cp1256"))) == "cp1256"

    def test_western_accents_in_cp1252(self, tmp_path: Path) -> None:
        text = "record_id,full_name\n1,José Müller\n2,Zoë Ångström\n"
        assert detect_file_encoding(_bytes(tmp_path, text.encode("cp1252"))) == "cp1252"

    def test_undecidable_bytes_are_refused_naming_candidates(
        self, ws: Workspace, tmp_path: Path
    ) -> None:
        """A lone high byte could be ° (cp1252) or a letter (cp1256): refuse."""
        path = _bytes(tmp_path, b"record_id,full_name,notes\n1,FICTIONAL A,\xb0\n")
        with pytest.raises(EncodingUnclearError) as info:
            import_list(ws, path, source="s")
        message = str(info.value)
        assert "cp1256" in message
        assert "cp1252" in message
        assert "--encoding" in message
        assert list_reports(ws.conn) == []

    def test_mixed_utf8_and_cp1256_is_refused(self, tmp_path: Path) -> None:
        lines = ["record_id,name_urdu\n"]
        lines += [f"{n},{'علی حسن'}\n" for n in range(1, 4)]
        data = "".join(lines).encode("utf-8") + "4,پرويز اختر\n".encode("cp1256")
        with pytest.raises(EncodingUnclearError, match="mixed encodings"):
            detect_file_encoding(_bytes(tmp_path, data))

    def test_one_urdu_line_in_utf8_among_cp1252_lines_is_refused(
        self, ws: Workspace, tmp_path: Path
    ) -> None:
        """One UTF-8 line was below the mixed-file threshold (two lines), so the
        file was read as cp1252 and its Urdu name recorded as "Ø¹Ù„ÛŒ Ø®Ø§Ù†"."""
        data = "record_id,full_name,name_urdu\n1,FICTIONAL A,علی خان\n".encode()
        data += "2,FICTIONAL José,\n".encode("cp1252")
        path = _bytes(tmp_path, data)
        with pytest.raises(EncodingUnclearError, match="mixed encodings"):
            import_list(ws, path, source="s")
        assert list_reports(ws.conn) == []

    def test_encoding_option_decides(self, ws: Workspace, tmp_path: Path) -> None:
        path = _bytes(tmp_path, b"record_id,full_name,notes\n1,FICTIONAL A,\xb0C\n")
        import_list(ws, path, source="s", encoding="cp1252")
        assert [r.notes for r in list_reports(ws.conn)] == ["°C"]

    def test_wrong_encoding_option_is_a_clear_error(
        self, ws: Workspace, write_list: ListWriter
    ) -> None:
        path = write_list([["record_id", "full_name"], ["1", "FICTIONAL Ā"]])
        with pytest.raises(UserInputError, match="unknown encoding"):
            import_list(ws, path, source="s", encoding="klingon")
        path.write_bytes("record_id,full_name\n1,x\u0100\n".encode())
        with pytest.raises(UserInputError, match="cannot decode as ascii"):
            import_list(ws, path, source="s", encoding="ascii")

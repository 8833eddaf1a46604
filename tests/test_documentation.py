"""The documentation is checked against the code (STYLE.md section 3, item 20).

The CLI reference must be the real ``--help`` of today's commands, every ledger
event kind the code declares must be documented, and no link in the docs may
point at a page that does not exist.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SRC = ROOT / "src" / "gawah"

# A kind is dotted lower snake case: "report.recorded", "user.role_granted".
_KIND = re.compile(r"^[a-z]+(?:_[a-z]+)*\.[a-z]+(?:_[a-z]+)*$")
_CONSTANT = re.compile(r"^[A-Z][A-Z0-9_]*$")
# Dotted strings that are file names, not kinds.
_FILE_SUFFIXES = {
    "csv", "db", "html", "json", "key", "log", "md", "pdf", "png", "py", "sqlite",
    "toml", "tsv", "txt", "xlsx", "zip",
}  # fmt: skip
_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
_BLOCK = re.compile(r"^(```|~~~)([^\n]*)\n(.*?)^\1", re.M | re.S)


def _load_generator(name: str = "_generate_cli") -> ModuleType:
    path = DOCS / "reference" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _is_kind(value: object) -> bool:
    return (
        isinstance(value, str)
        and _KIND.match(value) is not None
        and not value.startswith("gawah.")
        and value.rsplit(".", 1)[1] not in _FILE_SUFFIXES
    )


def declared_kinds() -> dict[str, str]:
    """Every event kind in ``src/``, with the file that declares it.

    Domains name their kinds as module constants (``REPORT_RECORDED =
    "report.recorded"``); a kind passed as a literal to ``append`` counts too.
    """
    found: dict[str, str] = {}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = str(path.relative_to(ROOT))
        for node in tree.body:
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = (
                    node.targets if isinstance(node, ast.Assign) else [node.target]
                )
                value = node.value
                if (
                    isinstance(value, ast.Constant)
                    and _is_kind(value.value)
                    and any(
                        isinstance(t, ast.Name) and _CONSTANT.match(t.id)
                        for t in targets
                    )
                ):
                    found.setdefault(str(value.value), where)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "append"
                and len(node.args) == 2
                and isinstance(node.args[0], ast.Constant)
                and _is_kind(node.args[0].value)
            ):
                found.setdefault(str(node.args[0].value), where)
    return found


def _documented_kinds() -> set[str]:
    text = (DOCS / "reference" / "events.md").read_text(encoding="utf-8")
    return {m for m in re.findall(r"^\| `([^`]+)` \|", text, re.M) if _is_kind(m)}


def _markdown_files() -> list[Path]:
    pages = sorted(DOCS.rglob("*.md"))
    return [*pages, *(p for p in sorted(ROOT.glob("*.md")))]


def _relative_links(page: Path) -> list[str]:
    text = _FENCE.sub("", page.read_text(encoding="utf-8"))
    links = []
    for target in _LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # a URL, mailto: or an anchor on the same page
        links.append(target)
    return links


def _resolves(page: Path, target: str) -> bool:
    path = target.split("#", 1)[0]
    return (page.parent / path).resolve().exists()


class TestCliReference:
    def test_cli_reference_is_current(self) -> None:
        """docs/reference/cli.md is exactly the --help of every current command."""
        generator = _load_generator()
        current = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
        assert current == generator.render(), (
            "docs/reference/cli.md is stale: "
            "run `uv run python docs/reference/_generate_cli.py`"
        )

    def test_every_command_has_a_section(self) -> None:
        """Each command and sub-command of the app gets its own heading."""
        text = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
        for heading in ("## `gawah`", "## `gawah ledger verify`", "## `gawah import`"):
            assert heading in text


def _command_examples(text: str) -> Iterator[str]:
    """``gawah ...`` lines of code blocks; in output blocks only after a ``$`` prompt."""
    for block in _BLOCK.finditer(text):
        output = block.group(2).strip() in {"text", "console", "output"}
        for raw in block.group(3).splitlines():
            line = raw.strip()
            prompted = line.startswith("$ ")
            line = re.sub(r"^(\$\s+)?(uv run\s+)?", "", line)
            if line.startswith("gawah ") and (prompted or not output):
                yield re.split(r"\s#|\s\||\s&&|;", line)[0].rstrip("\\ ").strip()


def _command_problems(root: Any, line: str) -> list[str]:
    """Resolve ``line`` through the real command tree; name what does not exist."""
    try:
        words = shlex.split(line)
    except ValueError:
        return []
    if any(w.startswith("[") for w in words):
        return []  # a usage synopsis, not a command
    command, path, rest = root, ["gawah"], words[1:]
    while hasattr(command, "commands") and rest and not rest[0].startswith("-"):
        ctx = command.context_class(command, info_name=path[-1])
        try:
            name, command, rest = command.resolve_command(ctx, list(rest))
        except Exception as exc:  # the vendored click's UsageError
            return [f"{' '.join(path)}: {exc}"]
        path.append(name)
    known = {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
    return [
        f"{' '.join(path)} has no {w.split('=')[0]}"
        for w in rest
        if w.startswith("--") and w.split("=")[0] not in known | {"--help"}
    ]


class TestApiReference:
    def test_api_reference_is_current(self) -> None:
        """docs/reference/api.md lists exactly what each domain's __all__ exports."""
        generator = _load_generator("_generate_api")
        current = (DOCS / "reference" / "api.md").read_text(encoding="utf-8")
        assert current == generator.render(), (
            "docs/reference/api.md is stale: "
            "run `uv run python docs/reference/_generate_api.py`"
        )


class TestCommandExamples:
    @pytest.fixture(scope="class")
    def root(self) -> Any:
        from gawah.cli import load_all

        return load_all()

    def test_checker_catches_a_wrong_command(self, root: Any) -> None:
        """A misspelt sub-command or an unknown option is reported."""
        assert _command_problems(root, "gawah ledger verifx")
        assert _command_problems(root, "gawah reports list --bogus 3")
        assert _command_problems(root, "gawah ledger verify") == []

    @pytest.mark.parametrize(
        "page",
        [p for p in _markdown_files() if p.name != "cli.md"],
        ids=lambda p: str(p.relative_to(ROOT)),
    )
    def test_command_examples_exist(self, root: Any, page: Path) -> None:
        """Every gawah command shown in the docs names real commands and options."""
        text = page.read_text(encoding="utf-8")
        problems = [
            f"{line}: {problem}"
            for line in _command_examples(text)
            for problem in _command_problems(root, line)
        ]
        assert problems == []


class TestEventKinds:
    def test_discovery_finds_the_founding_kinds(self) -> None:
        """The source scan sees kinds that decision 0001 names, so it is not blind."""
        kinds = declared_kinds()
        assert {"report.recorded", "claim.recorded", "evidence.received"} <= set(kinds)

    def test_every_declared_kind_is_documented(self) -> None:
        """Every event kind the code declares has a row in docs/reference/events.md."""
        missing = {
            kind: where
            for kind, where in declared_kinds().items()
            if kind not in _documented_kinds()
        }
        assert missing == {}

    def test_every_documented_kind_exists(self) -> None:
        """The events reference lists no kind the code no longer emits."""
        stale = _documented_kinds() - set(declared_kinds())
        assert stale == set()


class TestSettings:
    def test_every_environment_variable_is_documented(self) -> None:
        """Every GAWAH_ variable the code reads has a row in docs/reference/settings.md."""
        used = set()
        for path in SRC.rglob("*.py"):
            used |= set(re.findall(r"\bGAWAH_[A-Z_]+\b", path.read_text("utf-8")))
        text = (DOCS / "reference" / "settings.md").read_text(encoding="utf-8")
        documented = set(re.findall(r"^\| `(GAWAH_[A-Z_]+)` \|", text, re.M))
        assert {"GAWAH_HOME", "GAWAH_PASSPHRASE"} <= used
        assert used - documented == set()


class TestLinks:
    def test_index_links_every_page(self) -> None:
        """docs/index.md is the map: every page under docs/ is linked from it."""
        index = DOCS / "index.md"
        linked = {
            (index.parent / t.split("#", 1)[0]).resolve()
            for t in _relative_links(index)
        }
        pages = {p.resolve() for p in DOCS.rglob("*.md") if p != index}
        unlinked = sorted(str(p.relative_to(DOCS)) for p in pages - linked)
        assert unlinked == []

    @pytest.mark.parametrize(
        "page", _markdown_files(), ids=lambda p: str(p.relative_to(ROOT))
    )
    def test_relative_links_resolve(self, page: Path) -> None:
        """Every relative link in the docs and the root pages points at a real file."""
        broken = [t for t in _relative_links(page) if not _resolves(page, t)]
        assert broken == []

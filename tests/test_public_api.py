"""Each domain's public surface is its ``__init__.py`` with a sorted ``__all__``.

Other domains import ``from gawah.<domain> import Name`` and never a submodule
(STYLE.md section 3, item 2), so the names in ``__all__`` are a contract: they
must import, stay in the order ``ruff`` (RUF022) keeps them, and explain
themselves with a docstring.
"""

from __future__ import annotations

import importlib
import inspect
import re
from types import ModuleType

import pytest

PACKAGES = (
    "gawah.claims",
    "gawah.estimate",
    "gawah.evidence",
    "gawah.ledger",
    "gawah.linkage",
    "gawah.registry",
    "gawah.web",
    "gawah.workspace",
)

# Known gaps, each owned by another domain; strict, so fixing one fails here
# until its line is removed.
_GAPS: dict[str, str] = {
    "gawah.workspace": "workspace.py has no __all__ yet (owner: ledger/workspace)",
}


def _case(name: str) -> object:
    if name in _GAPS:
        return pytest.param(
            name, marks=pytest.mark.xfail(strict=True, reason=_GAPS[name])
        )
    return name


CASES = [_case(name) for name in PACKAGES]


def _isort_key(name: str) -> tuple[int, list[object]]:
    """Order of ruff's RUF022: CONSTANTS, then Classes, then functions; natural sort."""
    if name.isupper() and len(name) > 1:
        group = 0
    elif name[:1].isupper():
        group = 1
    else:
        group = 2
    parts: list[object] = [
        int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name) if p
    ]
    return group, parts


def _public(module_name: str) -> tuple[ModuleType, list[str]]:
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    assert names is not None, f"{module_name} has no __all__"
    return module, list(names)


class TestPublicApi:
    @pytest.mark.parametrize("module_name", CASES)
    def test_all_is_sorted(self, module_name: str) -> None:
        """``__all__`` exists, has no duplicates and is in ruff's RUF022 order."""
        _, names = _public(module_name)
        assert len(names) == len(set(names)), "duplicate names in __all__"
        assert names == sorted(names, key=_isort_key)

    @pytest.mark.parametrize("module_name", CASES)
    def test_every_name_imports(self, module_name: str) -> None:
        """Every name in ``__all__`` can be imported from the package itself."""
        module, names = _public(module_name)
        missing = [n for n in names if not hasattr(module, n)]
        assert missing == []

    @pytest.mark.parametrize("module_name", CASES)
    def test_classes_and_functions_have_docstrings(self, module_name: str) -> None:
        """Every public class and function says what it is for in its own docstring."""
        module, names = _public(module_name)
        undocumented = []
        for name in names:
            obj = getattr(module, name, None)
            if (inspect.isclass(obj) or inspect.isroutine(obj)) and not (
                obj.__doc__ or ""
            ).strip():
                undocumented.append(name)
        assert undocumented == []

    @pytest.mark.parametrize("module_name", PACKAGES)
    def test_package_has_a_docstring(self, module_name: str) -> None:
        """The package docstring is where a newcomer learns what the domain does."""
        module = importlib.import_module(module_name)
        assert (module.__doc__ or "").strip()

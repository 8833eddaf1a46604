"""Look up other domains lazily: a page whose domain has not landed says so."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType
from typing import Any


def domain(name: str) -> ModuleType | None:
    """``gawah.<name>`` if it has landed with a public API, else None."""
    try:
        module = import_module(f"gawah.{name}")
    except ImportError:
        return None
    return module if getattr(module, "__all__", None) else None


def domain_attr(name: str, attr: str) -> Any:
    """A public function of a domain, or None when the domain does not offer it yet."""
    module = domain(name)
    return None if module is None else getattr(module, attr, None)

"""The one way gawah builds a Rich console for the terminal."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text

from gawah.core.safe_text import strip_controls


class _SafeConsole(Console):
    """A console that drops control characters from every string it renders.

    Its width is looked up each time it prints (``COLUMNS``, else the
    terminal), never frozen when the console is made: the command modules make
    their consoles at import, and Rich would otherwise keep whatever ``COLUMNS``
    said at that moment for the life of the process.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if kwargs.get("width") is None:
            self._width = None
        if kwargs.get("height") is None:
            self._height = None

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(strip_controls(text), **kwargs)


def terminal_console(*, stderr: bool = False) -> Console:
    """A console that prints names and list labels exactly as recorded.

    Rich would otherwise turn ``families:hospital:party`` (a log-linear model
    over lists) into an emoji and colour numbers inside names; our output is
    data first, so emoji codes and automatic highlighting are off. Control
    characters (terminal escape sequences in a name) are removed from every
    string printed, table cells included.
    """
    return _SafeConsole(stderr=stderr, emoji=False, highlight=False)

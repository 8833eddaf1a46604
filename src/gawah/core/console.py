"""The one way gawah builds a Rich console for the terminal."""

from __future__ import annotations

from rich.console import Console


def terminal_console(*, stderr: bool = False) -> Console:
    """A console that prints names and list labels exactly as recorded.

    Rich would otherwise turn ``families:hospital:party`` (a log-linear model
    over lists) into an emoji and colour numbers inside names; our output is
    data first, so emoji codes and automatic highlighting are off.
    """
    return Console(stderr=stderr, emoji=False, highlight=False)

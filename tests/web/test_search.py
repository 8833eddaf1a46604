"""Register search: every query plan gives the same answer as filtering by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from gawah.web._search import search
from gawah.workspace import Workspace


@pytest.mark.parametrize("query", ["", "muhammad", "ali khan", "a"])
def test_filters_and_pages_agree_with_the_unfiltered_search(
    home: Path, query: str
) -> None:
    """A status filter keeps exactly the unfiltered hits with that status, in order.

    The filter is selective or not depending on the status, so the search takes
    each of its plans (filter-driven, token-driven, no tokens); pages of 7
    concatenate to the whole list.
    """
    with Workspace.open(home) as ws:
        assert search(ws.conn, "").total > 0
        everything = search(ws.conn, query, page_size=10_000)
        assert everything.total == len(everything.hits)
        for status in sorted({h.status for h in everything.hits if h.status}):
            expected = [h.report_id for h in everything.hits if h.status == status]
            paged: list[str] = []
            page = 1
            while True:
                result = search(ws.conn, query, status=status, page=page, page_size=7)
                assert result.total == len(expected)
                if not result.hits:
                    break
                paged += [h.report_id for h in result.hits]
                page += 1
            assert paged == expected

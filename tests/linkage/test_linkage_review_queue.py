"""The workspace review queue: most informative first; decisions re-fit the next run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gawah.linkage import LinkOptions, decide, link_workspace, review_queue
from gawah.linkage.review import REVIEW_LINE
from gawah.registry import import_list
from gawah.testing.linkage_data import generate_linked_lists
from gawah.testing.signer import fixed_seed
from gawah.workspace import Workspace


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[tuple[str, str]]]:
    """A workspace of four generated (FICTIONAL) lists, and the true pairs of report ids."""
    root = tmp_path_factory.mktemp("queue")
    data = generate_linked_lists(150, seed=41)
    ws = Workspace.init(
        root / "ws", author="FICTIONAL reviewer", key_seed=fixed_seed("queue")
    )
    for name, frame in data.lists.items():
        path = root / f"{name}.csv"
        frame.to_csv(path, index=False)
        import_list(ws, path, source=name, skip_invalid=True)
    rows = ws.conn.execute(
        "SELECT r.report_id, s.name, r.record_id FROM registry_reports r "
        "JOIN registry_sources s USING (source_id)"
    ).fetchall()
    ws.close()
    report = {f"{s}/{r}": rid for rid, s, r in rows}
    truth = {
        tuple(sorted((report[a], report[b])))
        for a, b in data.true_pairs()
        if a in report and b in report
    }
    return root / "ws", truth  # type: ignore[return-value]


@pytest.fixture
def ws(home: tuple[Path, set[tuple[str, str]]]) -> Iterator[Workspace]:
    workspace = Workspace.open(home[0])
    yield workspace
    workspace.close()


def test_queue_puts_uncertain_pairs_first_and_skipped_last(ws: Workspace) -> None:
    link_workspace(ws)
    queue = review_queue(ws)
    assert len(queue) >= 10
    tenth = max(1, len(queue) // 10)
    distance = [abs(p.match_probability - 0.5) for p in queue]
    assert sum(distance[:tenth]) / tenth < sum(distance[-tenth:]) / tenth
    first = queue[0]
    decide(ws, first, "skip", "FICTIONAL reviewer")
    again = review_queue(ws)
    assert again[-1].report_l == first.report_l
    assert again[-1].report_r == first.report_r
    assert again[-1].skipped


def test_decisions_refit_the_next_run_and_leave_the_queue(
    ws: Workspace, home: tuple[Path, set[tuple[str, str]]]
) -> None:
    """Oracle answers on the first 30 pairs: the next run learns from them."""
    truth = home[1]
    link_workspace(ws)
    queue = review_queue(ws)[:30]
    answers = {
        (p.report_l, p.report_r): (p.report_l, p.report_r) in truth for p in queue
    }
    for (a, b), same in answers.items():
        decide(ws, (a, b), "match" if same else "non_match", "FICTIONAL reviewer")
    run = link_workspace(ws, options=LinkOptions(learn=True))
    assert not {(p.report_l, p.report_r) for p in review_queue(ws)} & set(answers)
    if len(set(answers.values())) == 2:
        assert run.result.learned is not None
        assert run.summary["learned_from_decisions"] == run.result.learned.n_labels
        assert "learned_weight" in run.result.pairs.columns
        queue = review_queue(ws)
        explained = [line.comparison for p in queue for line in p.explanation]
        # every pair still in the queue explains the re-fit's share
        assert all(REVIEW_LINE in [x.comparison for x in p.explanation] for p in queue)
        assert not queue or REVIEW_LINE in explained

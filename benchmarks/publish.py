"""Time and size of a release of the FICTIONAL demo incident, stage by stage.

Builds and links the demo workspace in a temporary folder, then prints the
seconds to gather (persons, estimates under five methods, claims, redaction),
to write the HTML report and the PDF, the number and total size of the files,
and whether a second run gave identical bytes. The load average is printed
first: timings on a shared machine are noisy.

    uv run python benchmarks/publish.py
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from gawah.demo import build_demo_workspace
from gawah.linkage import link_workspace
from gawah.publish import Policy, gather, ledger_checkpoints, publish
from gawah.publish.files import data_files
from gawah.publish.report import font_files, index_html, pdf
from gawah.workspace import Workspace

INCIDENT = "qaumi-chowk"  # the demo's one incident


def main() -> None:
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "demo"
        build_demo_workspace(home)
        with Workspace.open(home) as ws:
            run = link_workspace(ws)
        print(f"demo: {run.n_persons} persons after linkage")
        with Workspace.open(home) as ws:
            start = time.perf_counter()
            data = gather(ws, INCIDENT, Policy(), ledger_checkpoints(ws, sign=True))
            print(f"gather: {time.perf_counter() - start:.1f} s")
            files = {**data_files(data, "bench"), **font_files()}
            start = time.perf_counter()
            html = index_html(data, ("en", "ur"), files)
            print(
                f"index.html: {time.perf_counter() - start:.1f} s, {len(html):,} characters"
            )
            start = time.perf_counter()
            document = pdf(html, files)
            print(
                f"report.pdf: {time.perf_counter() - start:.1f} s, {len(document):,} bytes"
            )
            outs = []
            for n in (1, 2):
                out = Path(tmp) / f"release{n}"
                start = time.perf_counter()
                result = publish(ws, INCIDENT, out, Policy(), ("en", "ur"))
                print(
                    f"release {n}: {time.perf_counter() - start:.1f} s, {result.files} files"
                )
                outs.append(out)
        sizes = {
            p.relative_to(outs[0]).as_posix(): p.read_bytes()
            for p in sorted(outs[0].rglob("*"))
            if p.is_file()
        }
        again = {
            p.relative_to(outs[1]).as_posix(): p.read_bytes()
            for p in sorted(outs[1].rglob("*"))
            if p.is_file()
        }
        print(f"total size: {sum(len(b) for b in sizes.values()):,} bytes")
        print(f"named: {result.named}, cells withheld: {result.cells_withheld}")
        print(f"second run byte-identical: {sizes == again}")


if __name__ == "__main__":
    main()

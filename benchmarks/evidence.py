"""Evidence ingest speed: one large file beside ``sha256sum``, and many small files.

    uv run python benchmarks/evidence.py [--size-mb 1024] [--small 10000] [--images 1000]
        [--scratch DIR] [--study 200]

Prints (1) seconds and MB/s to ingest one file of ``--size-mb`` random bytes
with ``gawah.evidence.add_evidence`` (stream, hash, write, fsync, rename, ledger
event) next to ``sha256sum`` on the same file with a warm page cache (best of
two each); (2) the time to ingest ``--small`` files of 0.5-4 KB as one batch (as
``gawah evidence add FILES...`` does), and one by one with a ledger
transaction each (as a web upload does; first 1,000); (3) the same for
``--images`` small JPEGs (metadata and perceptual hash included); (4) with
``--study N``, the near-duplicate recall and false-match table on N scenes.
All data is generated and FICTIONAL; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from gawah.evidence import add_evidence, add_evidence_many
from gawah.testing.evidence_media import (
    image_bytes,
    near_duplicate_study,
    scene,
    video_study,
)
from gawah.workspace import Workspace


def _make_big(path: Path, size_mb: int) -> None:
    block = os.urandom(4 * 1024 * 1024)
    with path.open("wb") as fh:
        for i in range(max(1, size_mb // 4)):
            fh.write(block[i % 251 :] + block[: i % 251])  # distinct blocks, cheap


def _sha256sum(path: Path) -> float:
    t = time.perf_counter()
    subprocess.run(["sha256sum", str(path)], check=True, capture_output=True)
    return time.perf_counter() - t


def _ingest_once(scratch: Path, path: Path, tag: str) -> float:
    home = scratch / f"ws-{tag}"
    with Workspace.init(home, author="FICTIONAL benchmark") as ws:
        t = time.perf_counter()
        add_evidence(ws, path)
        elapsed = time.perf_counter() - t
    shutil.rmtree(home)
    return elapsed


def big_file(scratch: Path, size_mb: int) -> None:
    path = scratch / "big.bin"
    _make_big(path, size_mb)
    mb = path.stat().st_size / 1e6
    _sha256sum(path)  # warm the page cache
    ref = min(_sha256sum(path) for _ in range(2))
    ours = min(_ingest_once(scratch, path, str(i)) for i in range(2))
    print(f"large file: {mb:,.0f} MB")
    print(f"  sha256sum           {ref:6.2f} s  {mb / ref:7.0f} MB/s")
    print(
        f"  gawah evidence add  {ours:6.2f} s  {mb / ours:7.0f} MB/s  (hash+copy+fsync)"
    )
    print(f"  ratio               {ref / ours:6.0%} of sha256sum's speed")
    path.unlink()


def small_files(scratch: Path, n: int, images: bool) -> None:
    rng = random.Random(19481210)
    src = scratch / ("imgs" if images else "small")
    src.mkdir()
    paths = []
    for i in range(n):
        p = src / (f"img-{i:05d}.jpg" if images else f"note-{i:05d}.txt")
        if images:
            p.write_bytes(image_bytes(scene(i, (96, 72))))
        else:
            words = " ".join(
                f"FICTIONAL{rng.randint(0, 99999)}" for _ in range(rng.randint(40, 300))
            )
            p.write_text(words)
        paths.append(p)
    kind = "small JPEGs (96x72)" if images else "small text files (0.5-4 KB)"
    home = scratch / "ws-batch"
    with Workspace.init(home, author="FICTIONAL benchmark") as ws:
        t = time.perf_counter()
        items, refused = add_evidence_many(ws, paths)
        elapsed = time.perf_counter() - t
    assert len(items) == n
    assert not refused
    shutil.rmtree(home)
    print(
        f"{n:,} {kind}, one batch (gawah evidence add FILES...): "
        f"{elapsed:.1f} s, {n / elapsed:.0f} files/s"
    )
    one_by_one = paths[: min(n, 1000)]
    home = scratch / "ws-single"
    with Workspace.init(home, author="FICTIONAL benchmark") as ws:
        t = time.perf_counter()
        for p in one_by_one:
            add_evidence(ws, p)
        elapsed = time.perf_counter() - t
    shutil.rmtree(home)
    m = len(one_by_one)
    print(
        f"{m:,} {kind}, one transaction each (web upload): "
        f"{elapsed:.1f} s, {1000 * elapsed / m:.1f} ms each"
    )
    shutil.rmtree(src)


def study(n: int) -> None:
    s = near_duplicate_study(n)
    print(f"near-duplicates on {n} generated scenes, threshold {s.threshold}:")
    for name, r in s.recall.items():
        print(f"  recall {name:22s} {r:6.1%}")
    print(f"  recall overall            {s.overall_recall:6.1%}")
    print(
        f"  false matches             {s.false_match_pairs} of {s.distinct_pairs:,} pairs"
        f" ({s.false_match_rate:.4%})"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--small", type=int, default=10_000)
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--study", type=int, default=0)
    ap.add_argument("--video-study", type=int, default=0)
    ap.add_argument("--scratch", type=Path, default=None)
    args = ap.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="gawah-bench-", dir=args.scratch))
    try:
        if args.size_mb:
            big_file(scratch, args.size_mb)
        if args.small:
            small_files(scratch, args.small, images=False)
        if args.images:
            small_files(scratch, args.images, images=True)
        if args.study:
            study(args.study)
        if args.video_study:
            s = video_study(args.video_study, scratch)
            print(f"near-duplicates on {args.video_study} generated 4-second clips:")
            for name, r in s.recall.items():
                print(f"  recall {name:22s} {r:6.1%}")
            print(
                f"  false matches             {s.false_match_pairs} of {s.distinct_pairs:,} pairs"
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Near-duplicates: altered copies of one scene group together, different scenes do not."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from PIL import Image

from gawah.evidence import add_evidence, near_duplicate, near_duplicate_groups
from gawah.evidence.perceptual import (
    FRAME_THRESHOLD,
    Fingerprint,
    group,
    image_fingerprint,
    video_fingerprint,
)
from gawah.testing.evidence_media import (
    TRANSFORMS,
    image_bytes,
    near_duplicate_study,
    scene,
    write_video,
)
from gawah.workspace import Workspace


class TestImageStudy:
    def test_recall_and_false_matches_small(self) -> None:
        """On 20 generated scenes x 10 transforms recall is >= 95% with no false match."""
        study = near_duplicate_study(20, first_seed=1000)
        assert study.distinct_pairs == 20 * 19 // 2 * (1 + len(TRANSFORMS))
        assert study.overall_recall >= 0.95
        assert min(study.recall.values()) >= 0.85
        assert study.false_match_pairs == 0

    def test_threshold_zero_misses_reencodes(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Exact hash equality and no feature matching miss altered copies: the study can fail."""
        from gawah.evidence import perceptual

        monkeypatch.setattr(perceptual, "ORB_MIN_INLIERS", 10**6)
        study = near_duplicate_study(5, threshold=0, first_seed=2000)
        assert study.overall_recall < 0.9

    @pytest.mark.slow
    def test_recall_and_false_matches_large(self) -> None:
        """On 200 scenes recall stays >= 98% and the false-match rate below 0.01%."""
        study = near_duplicate_study(200)
        print(study)
        assert study.overall_recall >= 0.98
        assert study.false_match_rate < 1e-4


class TestVideo:
    @pytest.fixture(scope="class")
    def clips(self, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Fingerprint]:
        d = tmp_path_factory.mktemp("videos")
        made = {
            "original": write_video(d / "o.mp4", seed=11),
            "h264-low-bitrate": write_video(
                d / "h.mp4", seed=11, codec="libx264", bit_rate=80_000
            ),
            "downscaled": write_video(d / "s.mp4", seed=11, size=(96, 72)),
            "cropped-10%": write_video(d / "c.mp4", seed=11, crop=0.1),
            "trimmed-1s": write_video(d / "t.mp4", seed=11, start=1.0, seconds=3.0),
            "other-scene": write_video(d / "x.mp4", seed=12),
            "other-scene-2": write_video(d / "y.mp4", seed=13),
        }
        out = {}
        for name, path in made.items():
            fp = video_fingerprint(path)
            assert fp is not None
            out[name] = fp
        return out

    def test_about_one_frame_a_second(self, clips: dict[str, Fingerprint]) -> None:
        """A 4-second clip is fingerprinted with 4 frames."""
        assert len(clips["original"].frames) == 4

    @pytest.mark.parametrize(
        "variant", ["h264-low-bitrate", "downscaled", "cropped-10%", "trimmed-1s"]
    )
    def test_altered_copy_matches(
        self, clips: dict[str, Fingerprint], variant: str
    ) -> None:
        """Re-encoded, downscaled, cropped and trimmed copies match the original."""
        assert near_duplicate(clips["original"], clips[variant])

    def test_different_footage_does_not_match(
        self, clips: dict[str, Fingerprint]
    ) -> None:
        """Videos of other scenes are not near-duplicates of the original or each other."""
        assert not near_duplicate(clips["original"], clips["other-scene"])
        assert not near_duplicate(clips["other-scene"], clips["other-scene-2"])

    def test_groups_count_scenes_once(self, clips: dict[str, Fingerprint]) -> None:
        """Grouping yields one group for the footage and singletons for the others."""
        groups = group(sorted(clips.items()))
        assert groups[0] == sorted(
            ["original", "h264-low-bitrate", "downscaled", "cropped-10%", "trimmed-1s"]
        )
        assert sorted(map(len, groups)) == [1, 1, 5]

    def test_still_from_video_matches(self, clips: dict[str, Fingerprint]) -> None:
        """A screenshot of one frame matches the video it came from."""
        frame = scene(11 * 1000, (400, 300)).crop((0, 0, 320, 240)).resize((160, 120))
        assert near_duplicate(image_fingerprint(frame), clips["original"])


class TestVideoStudy:
    @pytest.mark.slow
    def test_video_recall_and_false_matches(self, tmp_path: Path) -> None:
        """On 20 generated clips x 4 alterations recall is 100% with no false match."""
        from gawah.testing.evidence_media import video_study

        study = video_study(20, tmp_path)
        print(study)
        assert study.overall_recall == 1.0
        assert study.false_match_pairs == 0


class TestWorkspaceGroups:
    def test_reupload_grouped_in_workspace(self, ws: Workspace, tmp_path: Path) -> None:
        """A re-uploaded copy added later is grouped with the first; another scene is not."""
        for name, im in (
            ("a.jpg", scene(21)),
            ("b.jpg", TRANSFORMS["crop-10%+reupload"](scene(21))),
            ("c.jpg", scene(22)),
        ):
            (tmp_path / name).write_bytes(image_bytes(im))
        items = [add_evidence(ws, tmp_path / n) for n in ("a.jpg", "b.jpg", "c.jpg")]
        assert near_duplicate_groups(ws.conn) == [
            sorted([items[0].digest, items[1].digest])
        ]

    def test_threshold_documented_value(self) -> None:
        """The frame threshold is the one measured in docs/explanation/evidence.md."""
        doc = Path(__file__).parents[2] / "docs" / "explanation" / "evidence.md"
        assert f"threshold {FRAME_THRESHOLD}" in doc.read_text(encoding="utf-8")


def _bench() -> ModuleType:
    """benchmarks/evidence.py, which builds the labelled photo set."""
    path = Path(__file__).parents[2] / "benchmarks" / "evidence.py"
    spec = importlib.util.spec_from_file_location("evidence_bench", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["evidence_bench"] = module
    spec.loader.exec_module(module)
    return module


class TestPhotos:
    """Photographs that ship inside scikit-image, with mirrors, rotations, crops, screenshots."""

    @pytest.fixture(scope="class")
    def bench(self) -> ModuleType:
        pytest.importorskip("skimage")
        return _bench()

    def test_held_out_sample(self, bench: ModuleType) -> None:
        """Eight held-out photos: most edited copies found, no different scene matched."""
        scenes = bench.photo_scenes()[1::2][:8]
        originals = [image_fingerprint(im) for _, im in scenes]
        found = total = false = 0
        for edit in bench.PHOTO_EDITS.values():
            copies = [image_fingerprint(edit(im)) for _, im in scenes]
            for i, copy in enumerate(copies):
                total += 1
                found += near_duplicate(originals[i], copy)
                false += sum(
                    near_duplicate(originals[j], copy)
                    for j in range(len(scenes))
                    if j != i
                )
        assert found / total >= 0.8
        assert false == 0

    def test_mirrored_and_cropped_grouped_in_workspace(
        self, bench: ModuleType, ws: Workspace, tmp_path: Path
    ) -> None:
        """Stored fingerprints keep every signal: a mirror and a crop group with the photo."""
        (_, photo), (_, other) = bench.photo_scenes()[:2]
        files = {
            "photo.png": photo,
            "mirror.png": photo.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
            "crop.png": photo.crop((0, 0, photo.width * 6 // 10, photo.height)),
            "other.png": other,
        }
        digests = {}
        for name, im in files.items():
            im.save(tmp_path / name)
            digests[name] = add_evidence(ws, tmp_path / name).digest
        groups = near_duplicate_groups(ws.conn)
        assert [sorted(g) for g in groups] == [
            sorted(digests[n] for n in ("photo.png", "mirror.png", "crop.png"))
        ]

    def test_payload_round_trip(self, bench: ModuleType) -> None:
        """A fingerprint survives its JSON form with the mirror hashes and ORB features."""
        _, photo = bench.photo_scenes()[0]
        fp = image_fingerprint(photo)
        assert len(fp.dihedral) == 7
        assert len(fp.descriptors) == 32 * len(fp.keypoints) // 4 > 0
        assert Fingerprint.from_payload(fp.payload()) == fp

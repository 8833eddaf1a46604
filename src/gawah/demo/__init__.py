"""The FICTIONAL demo scenario and the ``gawah demo`` command."""

from gawah.demo.building import DEMO_SEED, DemoList, DemoSummary, build_demo_workspace

__all__ = ["DEMO_SEED", "DemoList", "DemoSummary", "build_demo_workspace"]

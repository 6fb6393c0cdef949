"""Issue 17: the simulated house's page, rendered by headless Chromium against a real house
process: the temperature axis labels are inside the drawing (the top one is not clipped) and
drawn after (over) the indoor and outdoor lines, so no line covers a label."""

import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from .test_house import house

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def test_axis_labels_are_not_clipped_and_not_covered(tmp_path: Path) -> None:
    """The rendered SVG: every label's baseline is at least its font size below the top and
    inside the 200-unit view; every label comes after every line in drawing order."""
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Chromium (apt-get install -y --no-install-recommends chromium)")
    daemon = house(tmp_path).start()
    try:
        time.sleep(3)  # a few samples of history for the trace
        out = subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'chrome'}",
             "--virtual-time-budget=4000", "--dump-dom", f"http://127.0.0.1:{daemon.port}/"],
            capture_output=True, text=True, timeout=90, check=False)
    finally:
        daemon.stop()
    svg = re.search(r'<svg id="trace".*?</svg>', out.stdout, re.S)
    assert svg, out.stdout[-2000:]
    drawn = svg.group(0)
    labels = re.findall(r'<text [^>]*y="([-0-9.e]+)"[^>]*font-size="([0-9.]+)"', drawn)
    assert len(labels) >= 2, drawn
    for y, size in labels:
        assert float(size) <= float(y) <= 200, (y, size)
    assert drawn.count("<polyline") >= 2, drawn  # outdoors and the zones
    assert drawn.rfind("<polyline") < drawn.find("<text"), "a line is drawn over a label"

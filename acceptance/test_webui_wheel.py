"""The web UI's wheel carries every asset of the app (modules, styles, icons, manifest, the
vendored libraries with their licences and checksums): installed from it, the UI needs no
Node, no CDN and nothing else."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "webui" / "src" / "rpymostat" / "webui" / "static"


def test_the_wheel_ships_every_static_file(tmp_path: Path) -> None:
    """Each file under static/ (recursively) is in the wheel at the same path."""
    src = tmp_path / "webui"
    shutil.copytree(ROOT / "webui", src,
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "--no-build-isolation", "-w", str(tmp_path / "out"), str(src)],
                   check=True, timeout=300)
    [wheel] = (tmp_path / "out").glob("rpymostat_webui-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = {"rpymostat/webui/static/" + p.relative_to(STATIC).as_posix()
              for p in STATIC.rglob("*") if p.is_file()}
    assert wanted - names == set()
    for must in ("index.html", "app/main.js", "vendor/SHA256SUMS", "vendor/preact/LICENSE",
                 "vendor/htm/LICENSE", "vendor/uplot/LICENSE", "manifest.webmanifest",
                 "icon-512.png"):
        assert f"rpymostat/webui/static/{must}" in names, must
    assert not any("axe" in n for n in names)  # a test asset only
    assert "twisted/plugins/rpymostat_webui.py" in names

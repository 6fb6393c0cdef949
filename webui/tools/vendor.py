"""Refresh the web UI's vendored front-end libraries from the npm registry (``make vendor-webui``).

Runs ``npm pack`` for the pinned versions below (Node is needed here only, at development
time: the wheel and ``make run`` ship the files), copies the files the app loads with each
package's licence, and writes ``SHA256SUMS`` beside them; ``tests/webui/test_vendor.py``
checks every file against it. axe-core (accessibility checks in the browser tests only) goes
to ``acceptance/webui_assets`` with its own manifest: it never ships in the wheel.
"""

import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STATIC_VENDOR = ROOT / "webui/src/rpymostat/webui/static/vendor"
TEST_ASSETS = ROOT / "acceptance/webui_assets"

# (npm spec, destination folder, {file in package: file name here})
PACKAGES = (
    ("preact@10.28.2", STATIC_VENDOR / "preact", {
        "package/dist/preact.module.js": "preact.module.js",
        "package/hooks/dist/hooks.module.js": "hooks.module.js",
        "package/LICENSE": "LICENSE"}),
    ("htm@3.1.1", STATIC_VENDOR / "htm", {
        "package/dist/htm.module.js": "htm.module.js",
        "package/LICENSE": "LICENSE"}),
    ("uplot@1.6.32", STATIC_VENDOR / "uplot", {
        "package/dist/uPlot.esm.js": "uPlot.esm.js",
        "package/dist/uPlot.min.css": "uPlot.min.css",
        "package/LICENSE": "LICENSE"}),
    ("axe-core@4.14.1", TEST_ASSETS / "axe-core", {
        "package/axe.min.js": "axe.min.js",
        "package/LICENSE": "LICENSE",
        "package/LICENSE-3RD-PARTY.txt": "LICENSE-3RD-PARTY.txt"}),
)


def sha256(path: Path) -> str:
    """Hex digest of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_manifest(folder: Path) -> None:
    """``SHA256SUMS`` (``<hex>  <relative path>`` lines, sorted) and ``VERSIONS``."""
    lines = [f"{sha256(p)}  {p.relative_to(folder).as_posix()}"
             for p in sorted(folder.rglob("*"))
             if p.is_file() and p.name not in ("SHA256SUMS", "VERSIONS")]
    (folder / "SHA256SUMS").write_text("\n".join(lines) + "\n")
    versions = [spec for spec, dest, _ in PACKAGES if dest.parent == folder]
    (folder / "VERSIONS").write_text("\n".join(versions) + "\n")


def main() -> None:
    """Fetch, copy, write the manifests."""
    with tempfile.TemporaryDirectory() as tmp:
        for spec, dest, wanted in PACKAGES:
            out = subprocess.run(  # noqa: S603 - pinned specs from this file
                ["npm", "pack", "--silent", spec], cwd=tmp, check=True,  # noqa: S607 - npm on PATH
                capture_output=True, text=True).stdout.strip().splitlines()[-1]
            dest.mkdir(parents=True, exist_ok=True)
            with tarfile.open(Path(tmp) / out) as tar:
                for member, name in wanted.items():
                    extracted = tar.extractfile(member)
                    if extracted is None:
                        sys.exit(f"{spec}: {member} missing")
                    (dest / name).write_bytes(extracted.read())
            print(f"vendored {spec} -> {dest.relative_to(ROOT)}")
    write_manifest(STATIC_VENDOR)
    write_manifest(TEST_ASSETS)


if __name__ == "__main__":
    main()

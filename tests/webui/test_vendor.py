"""The vendored front-end libraries are exactly what their manifests list (sha256), each
package folder carries its licence, and the app's files ship beside them."""

import hashlib
from pathlib import Path

from rpymostat.webui.app import static_dir

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = (static_dir() / "vendor", ROOT / "acceptance" / "webui_assets")


def listed(folder: Path) -> dict[str, str]:
    """``{relative path: sha256}`` from the folder's SHA256SUMS."""
    pairs = (line.split("  ", 1) for line in (folder / "SHA256SUMS").read_text().splitlines())
    return {name: digest for digest, name in pairs}


def test_every_vendored_file_matches_its_checksum_and_none_is_unlisted() -> None:
    """Each file's sha256 is the manifest's; no file is missing from or extra to it."""
    for folder in MANIFESTS:
        expected = listed(folder)
        present = {p.relative_to(folder).as_posix() for p in folder.rglob("*")
                   if p.is_file() and p.name not in ("SHA256SUMS", "VERSIONS")}
        assert present == set(expected), folder
        for name, digest in expected.items():
            assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name


def test_each_vendored_package_has_its_licence() -> None:
    """preact, htm, uplot (shipped) and axe-core (tests only) each carry a LICENSE."""
    for folder in MANIFESTS:
        for package in {Path(name).parts[0] for name in listed(folder)}:
            assert (folder / package / "LICENSE").is_file(), package


def test_the_page_loads_only_local_files() -> None:
    """No CDN: every src/href in index.html is local (starts with /)."""
    import re

    page = (static_dir() / "index.html").read_text()
    for url in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert url.startswith(("/", "#")) or url.startswith("http://localhost"), url

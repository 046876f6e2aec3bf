"""Install IPD-IMGT/HLA releases side by side: download, verify md5, parse, then rename into place.

Layout: ``<REFERENCE_DIR>/<release>/`` holds the WMDA files plus ``source.json``;
``<REFERENCE_DIR>/active`` names the active release. Nothing is half-installed: files go to a
temporary directory first, and only a fully verified and parsed release is renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from ..errors import DSAMonitorError, ReferenceDataError
from ..hla import wmda
from ..hla.reference import ReferenceData

DEFAULT_BASE = "https://raw.githubusercontent.com/ANHIG/IMGTHLA"
ACTIVE = "active"
MANIFEST = "source.json"
TIMEOUT = 60.0
_RELEASE = re.compile(r"^\d+\.\d+\.\d+$")


def branch_of(release: str) -> str:
    """The IPD-IMGT/HLA repository branch of a release: ``3.58.0`` -> ``3580``."""
    check_release_name(release)
    return release.replace(".", "")


def check_release_name(release: str) -> None:
    if not _RELEASE.match(release):
        raise ReferenceDataError(f"{release!r} is not a release number (expected e.g. 3.58.0)")


def candidates(release: str, source: str | None, base: str = DEFAULT_BASE) -> dict[str, list[str]]:
    """For each file to install, the places to try in order (the first found is used).

    Without ``source``: the IPD-IMGT/HLA repository layout under ``base`` (branch per release).
    """
    branch = branch_of(release)
    if source is None:
        wmda_dir = f"{base}/{branch}/wmda"
        return {
            wmda.REL_DNA_SER: [f"{wmda_dir}/{wmda.REL_DNA_SER}"],
            wmda.REL_SER_SER: [f"{wmda_dir}/{wmda.REL_SER_SER}"],
            wmda.MD5CHECKSUM: [f"{wmda_dir}/{wmda.MD5CHECKSUM}"],
            wmda.ALLELELIST: [
                f"{base}/Latest/allelelist/Allelelist.{branch}.txt",
                f"{base}/{branch}/{wmda.ALLELELIST}",
            ],
        }
    base = source.rstrip("/")
    if "://" not in base:
        base = str(Path(base).expanduser().resolve())
    return {
        wmda.REL_DNA_SER: [f"{base}/{wmda.REL_DNA_SER}", f"{base}/wmda/{wmda.REL_DNA_SER}"],
        wmda.REL_SER_SER: [f"{base}/{wmda.REL_SER_SER}", f"{base}/wmda/{wmda.REL_SER_SER}"],
        wmda.MD5CHECKSUM: [f"{base}/{wmda.MD5CHECKSUM}", f"{base}/wmda/{wmda.MD5CHECKSUM}"],
        wmda.ALLELELIST: [
            f"{base}/{wmda.ALLELELIST}",
            f"{base}/Allelelist.{branch}.txt",
            f"{base}/allelelist/Allelelist.{branch}.txt",
        ],
    }


def fetch(location: str, timeout: float = TIMEOUT) -> bytes | None:
    """The bytes at a URL or local path; None when it does not exist (404, missing file)."""
    if "://" not in location:
        path = Path(location)
        if not path.is_file():
            return None
        try:
            return path.read_bytes()
        except OSError as error:
            raise ReferenceDataError(f"cannot read {location}: {error}") from error
    try:
        with urllib.request.urlopen(location, timeout=timeout) as response:  # noqa: S310
            return response.read()
    except urllib.error.HTTPError as error:
        if error.code in (404, 410):
            return None
        raise ReferenceDataError(f"{location}: HTTP {error.code} {error.reason}") from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise ReferenceDataError(f"{location} is unreachable: {reason}") from error


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """A temporary folder beside ``target`` that replaces it whole when the block ends, and is
    removed when the block fails: a crash or a bad download never leaves half a version in place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        yield partial
        if target.exists():
            shutil.rmtree(target)
        os.replace(partial, target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def install(
    reference_dir: str | Path,
    release: str,
    source: str | None = None,
    *,
    timeout: float = TIMEOUT,
    force: bool = False,
    base: str = DEFAULT_BASE,
) -> Path:
    """Download (or copy) one release, verify and parse it, then move it into place."""
    check_release_name(release)
    root = Path(reference_dir)
    target = root / release
    if target.exists() and not force:
        raise ReferenceDataError(f"release {release} is already installed in {target}")
    with staged_folder(target) as partial:
        manifest = _download(partial, release, source, timeout, base)
        _verify(partial, release, manifest)
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    if active_release(root) is None:
        activate(root, release)
    return target


def _download(partial: Path, release: str, source: str | None, timeout: float, base: str) -> dict:
    fetched: dict[str, str] = {}
    for name, places in candidates(release, source, base).items():
        for place in places:
            data = fetch(place, timeout)
            if data is not None:
                (partial / name).write_bytes(data)
                fetched[name] = place
                break
        else:
            if name in (wmda.REL_DNA_SER, wmda.REL_SER_SER):
                raise ReferenceDataError(f"{name} of release {release} not found (tried {', '.join(places)})")
    return {
        "release": release,
        "source": source or base,
        "files": fetched,
        "installed_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _verify(partial: Path, release: str, manifest: dict) -> None:
    """md5 against md5checksum.txt when given, the release each header names, a full parse."""
    verified: list[str] = []
    sums_path = partial / wmda.MD5CHECKSUM
    if sums_path.exists():
        sums = wmda.parse_md5checksum(sums_path.read_text(encoding="utf-8"))
        for name in manifest["files"]:
            expected = sums.get(name)
            if expected is None:
                continue
            found = hashlib.md5((partial / name).read_bytes()).hexdigest()  # noqa: S324
            if found != expected:
                raise ReferenceDataError(
                    f"{name} of release {release} fails its md5 check "
                    f"(md5checksum.txt says {expected}, the file gives {found})"
                )
            verified.append(name)
    manifest["md5_verified"] = verified
    texts: dict[str, str | None] = {}
    for name in (wmda.REL_DNA_SER, wmda.REL_SER_SER, wmda.ALLELELIST):
        path = partial / name
        try:
            texts[name] = path.read_text(encoding="utf-8") if path.exists() else None
        except UnicodeDecodeError as error:
            raise ReferenceDataError(f"{name} of release {release} is not UTF-8 text") from error
        stated = wmda.release_version(texts[name] or "")
        if stated is not None and stated != release:
            raise ReferenceDataError(f"{name} is from release {stated}, not {release}")
    try:
        ReferenceData.from_wmda(
            texts[wmda.REL_DNA_SER] or "",
            texts[wmda.REL_SER_SER] or "",
            texts[wmda.ALLELELIST],
            release=release,
        )
    except DSAMonitorError as error:
        raise ReferenceDataError(f"release {release} cannot be read: {error.message}") from error


def installed_releases(reference_dir: str | Path) -> list[str]:
    """The releases installed side by side, oldest first."""
    root = Path(reference_dir)
    if not root.is_dir():
        return []
    found = [p.name for p in root.iterdir() if p.is_dir() and _RELEASE.match(p.name)]
    return sorted(found, key=lambda r: tuple(int(part) for part in r.split(".")))


def active_release(reference_dir: str | Path) -> str | None:
    """The release recorded in ``<REFERENCE_DIR>/active``, if it is installed."""
    marker = Path(reference_dir) / ACTIVE
    if not marker.is_file():
        return None
    release = marker.read_text(encoding="utf-8").strip()
    return release if release and (Path(reference_dir) / release).is_dir() else None


def activate(reference_dir: str | Path, release: str) -> None:
    """Make an installed release the one new typings are interpreted with (atomic write)."""
    check_release_name(release)
    root = Path(reference_dir)
    if not (root / release).is_dir():
        installed = ", ".join(installed_releases(root)) or "none"
        raise ReferenceDataError(f"release {release} is not installed (installed: {installed})")
    marker = root / ACTIVE
    temporary = root / f".{ACTIVE}.tmp"
    temporary.write_text(release + "\n", encoding="utf-8")
    os.replace(temporary, marker)

"""Install eplet tables like a reference release: side by side, verified, one active (I/O).

Layout: ``<REFERENCE_DIR>/eplets/<version>/`` holds the three files of a version
(``eplets.FILES``), the licence notice the source gives (hlaR's tables are MIT: the notice goes
with every copy) and ``source.json`` (where from, sha256 of each file, when);
``<REFERENCE_DIR>/eplets/active`` names the active version. The project ships no table: the user
gives the folder (``dsa-monitor reference install-eplets --source DIR``). As for a release,
nothing is half-installed: files are parsed in a temporary directory, then renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from ..eplets import FILES, EpletTable, read_tables
from ..errors import DSAMonitorError, ReferenceDataError
from . import install

DIRECTORY = "eplets"
LICENCES = ("LICENSE.txt", "LICENSE", "LICENSE.md", "LICENCE.txt")
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
_FIRST_FILE = re.compile(r"^" + re.escape(FILES[0][0]).replace(r"\{version\}", "(.+)") + "$")


def root(reference_dir: str | Path) -> Path:
    return Path(reference_dir) / DIRECTORY


def versions_in(source: str | Path) -> list[str]:
    """The table versions a folder holds (from its class I file names: ``MHC_I_eplet_v3.csv``)."""
    folder = Path(source)
    if not folder.is_dir():
        raise ReferenceDataError(f"{folder} is not a folder")
    return sorted(m.group(1) for p in folder.iterdir() if (m := _FIRST_FILE.match(p.name)))


def _texts(folder: Path, version: str) -> dict[str, str]:
    texts = {}
    for pattern, _chain in FILES:
        path = folder / pattern.format(version=version)
        try:
            texts[path.name] = path.read_text(encoding="utf-8")
        except FileNotFoundError as error:
            raise ReferenceDataError(f"eplet table {path.name} is missing from {folder}") from error
        except (OSError, UnicodeDecodeError) as error:
            raise ReferenceDataError(f"cannot read {path}: {error}") from error
    return texts


def install_tables(
    reference_dir: str | Path,
    source: str | Path,
    version: str | None = None,
    *,
    force: bool = False,
    activate_it: bool = False,
) -> EpletTable:
    """Parse one version of the tables from ``source`` and install it; the first installed
    version (or any, with ``activate_it``) becomes active."""
    folder = Path(source).expanduser().resolve()
    found = versions_in(folder)
    if version is None:
        if len(found) != 1:
            raise ReferenceDataError(
                f"{folder} holds {'no eplet table' if not found else 'versions ' + ', '.join(found)}"
                + ("" if not found else ": give --version")
            )
        version = found[0]
    if not _VERSION.match(version):
        raise ReferenceDataError(f"{version!r} is not a table version (e.g. v3)")
    texts = _texts(folder, version)
    try:
        table = read_tables(texts, version, source=str(folder))
    except DSAMonitorError as error:
        raise ReferenceDataError(f"eplet tables {version} in {folder}: {error.message}") from error
    base = root(reference_dir)
    target = base / version
    if target.exists() and not force:
        raise ReferenceDataError(
            f"eplet tables {version} are already installed in {target} (--force replaces them)"
        )
    with install.staged_folder(target) as partial:
        for name, text in texts.items():
            (partial / name).write_text(text, encoding="utf-8")
        licence = next((folder / n for n in LICENCES if (folder / n).is_file()), None)
        if licence is not None:
            shutil.copyfile(licence, partial / licence.name)
        manifest = {
            "version": version,
            "source": str(folder),
            "licence": licence.name if licence else None,
            "sha256": {n: hashlib.sha256(t.encode("utf-8")).hexdigest() for n, t in texts.items()},
            "notes": list(table.notes),
            "installed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        (partial / install.MANIFEST).write_text(json.dumps(manifest, indent=2), "utf-8")
    if activate_it or active_version(reference_dir) is None:
        activate(reference_dir, version)
    return table


def installed_versions(reference_dir: str | Path) -> list[str]:
    base = root(reference_dir)
    if not base.is_dir():
        return []
    return sorted(
        p.name
        for p in base.iterdir()
        if p.is_dir() and _VERSION.match(p.name) and (p / install.MANIFEST).is_file()
    )


def active_version(reference_dir: str | Path) -> str | None:
    """The version named in ``eplets/active``, if it is installed."""
    marker = root(reference_dir) / install.ACTIVE
    if not marker.is_file():
        return None
    version = marker.read_text(encoding="utf-8").strip()
    return version if version in installed_versions(reference_dir) else None


def activate(reference_dir: str | Path, version: str) -> None:
    """Make an installed version the one every eplet reading uses (atomic write)."""
    if version not in installed_versions(reference_dir):
        installed = ", ".join(installed_versions(reference_dir)) or "none"
        raise ReferenceDataError(
            f"eplet tables {version} are not installed (installed:"
            f" {installed}; install with `dsa-monitor reference"
            " install-eplets --source DIR`)"
        )
    base = root(reference_dir)
    temporary = base / f".{install.ACTIVE}.tmp"
    temporary.write_text(version + "\n", encoding="utf-8")
    os.replace(temporary, base / install.ACTIVE)


def load_active(reference_dir: str | Path) -> EpletTable | None:
    """The active version's tables (read once per change of its files), None when none is."""
    version = active_version(reference_dir)
    if version is None:
        return None
    folder = (root(reference_dir) / version).resolve()
    try:
        stamp = tuple(p.stat().st_mtime_ns for p in sorted(folder.iterdir()))
    except OSError as error:
        raise ReferenceDataError(f"cannot read eplet tables in {folder}: {error}") from error
    return _load(str(folder), version, stamp)


@lru_cache(maxsize=4)
def _load(folder: str, version: str, _stamp: tuple) -> EpletTable:
    path = Path(folder)
    manifest = json.loads((path / install.MANIFEST).read_text(encoding="utf-8"))
    return read_tables(_texts(path, version), version, source=manifest.get("source", folder))


NOT_INSTALLED = (
    "no eplet tables installed: install them with `dsa-monitor reference"
    " install-eplets --source DIR` (DIR holding MHC_I_eplet_v3.csv, ...)"
)

"""Which reference data the app runs on: the active installed release, else the embedded default."""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from pathlib import Path

import hla_data

from ..config import settings_of
from ..errors import ReferenceDataError
from ..hla import wmda
from ..hla.reference import EMBEDDED, ReferenceData
from . import install, nmdp

log = logging.getLogger(__name__)
_KEY = "dsa_reference"


@lru_cache(maxsize=1)
def embedded() -> ReferenceData:
    """The project's own default tables (``hla_data/``): no download; limits in its README."""
    return ReferenceData.from_embedded_tables(
        hla_data.read(hla_data.ALLELE_SEROLOGY),
        hla_data.read(hla_data.ANTIGENS),
        source="hla_data (written by the dsa-monitor project)",
    )


def load_release(directory: str | Path) -> ReferenceData:
    """A directory holding rel_dna_ser.txt, rel_ser_ser.txt [, Allelelist.txt], cached."""
    path = Path(directory).resolve()
    files = (path / wmda.REL_DNA_SER, path / wmda.REL_SER_SER, path / wmda.ALLELELIST)
    try:
        stamp = tuple(f.stat().st_mtime_ns if f.exists() else 0 for f in files)
    except OSError as error:
        raise ReferenceDataError(f"cannot read reference data in {path}: {error}") from error
    return _load(str(path), stamp)


@lru_cache(maxsize=8)
def _load(path: str, _stamp: tuple) -> ReferenceData:
    directory = Path(path)
    try:
        rel_dna_ser = (directory / wmda.REL_DNA_SER).read_text(encoding="utf-8")
        rel_ser_ser = (directory / wmda.REL_SER_SER).read_text(encoding="utf-8")
        allelelist_path = directory / wmda.ALLELELIST
        allelelist = allelelist_path.read_text(encoding="utf-8") if allelelist_path.exists() else None
    except (OSError, UnicodeDecodeError) as error:
        raise ReferenceDataError(f"cannot read reference data in {directory}: {error}") from error
    manifest_path = directory / install.MANIFEST
    source = str(directory)
    if manifest_path.exists():
        source = json.loads(manifest_path.read_text(encoding="utf-8")).get("source", source)
    release = wmda.release_version(rel_dna_ser) or directory.name
    return ReferenceData.from_wmda(
        rel_dna_ser,
        rel_ser_ser,
        allelelist,
        release=release,
        source=source,
        epitopes=embedded().relations.epitope,
    )


def init_app(app) -> None:
    """Record where releases live; warn at start when the service runs on the embedded default."""
    reference_dir = settings_of(app).reference_dir
    app.extensions[_KEY] = reference_dir
    active = install.active_release(reference_dir)
    if active is None:
        log.warning(
            "no IPD-IMGT/HLA release installed in %s: running on the embedded default serology "
            "table (install one with `dsa-monitor reference install --release 3.58.0`)",
            reference_dir,
        )
    else:
        log.info("reference data: IPD-IMGT/HLA %s from %s", active, reference_dir)


def get(app, release: str | None = None) -> ReferenceData:
    """A given installed release (``"embedded"`` for the default), or the current one when None,
    with the installed NMDP code table (NMDP codes are refused without one)."""
    reference_dir: Path = app.extensions[_KEY]
    if release is None:
        release = install.active_release(reference_dir) or EMBEDDED
    if release == EMBEDDED:
        reference = embedded()
    else:
        directory = reference_dir / release
        if not directory.is_dir():
            installed = ", ".join(install.installed_releases(reference_dir)) or "none"
            raise ReferenceDataError(f"release {release} is not installed (installed: {installed})")
        reference = load_release(directory)
    return reference.with_codes(nmdp.load_table(reference_dir))


def current(app) -> ReferenceData:
    """The reference data new typings are interpreted with: the active release, else embedded."""
    return get(app)

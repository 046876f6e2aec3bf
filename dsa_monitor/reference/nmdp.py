"""Install the NMDP allele-code table and find it again (I/O): ``<REFERENCE_DIR>/nmdp/numer.v3.txt``.

NMDP codes (``A*02:AB``) stand for lists of alleles only this table knows; a typing holding one is
refused until it is installed (``hla.nmdp.NOT_INSTALLED`` names the command). The table is
shared by every IPD-IMGT/HLA release; like a release it is verified (fully parsed) in a temporary
file first and only then renamed into place, so a failed download leaves the old table in force.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from ..errors import DSAMonitorError, ReferenceDataError
from ..hla.nmdp import NMDPCodeTable, parse_code_table
from . import install

DEFAULT_SOURCE = "https://hml.nmdp.org/mac/files/numer.v3.zip"
DIRECTORY = "nmdp"
FILE = "numer.v3.txt"


def table_path(reference_dir: str | Path) -> Path:
    return Path(reference_dir) / DIRECTORY / FILE


def _text(data: bytes, source: str) -> str:
    """The table's text from the bytes NMDP serves: ``numer.v3.txt`` plain or inside a zip."""
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = [n for n in archive.namelist() if n.rsplit("/", 1)[-1] == FILE]
                if not names:
                    raise ReferenceDataError(f"{source} holds no {FILE}")
                data = archive.read(names[0])
        except zipfile.BadZipFile as error:
            raise ReferenceDataError(f"{source} is not a readable zip file") from error
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ReferenceDataError(f"{source} is not UTF-8 text") from error


def install_table(
    reference_dir: str | Path, source: str | None = None, *, timeout: float = install.TIMEOUT
) -> tuple[Path, NMDPCodeTable]:
    """Download (or copy) the code table, check that every row parses, then move it into place;
    an existing table is replaced (NMDP adds codes every day)."""
    location = source or DEFAULT_SOURCE
    if "://" not in location:
        location = str(Path(location).expanduser().resolve())
    data = install.fetch(location, timeout)
    if data is None:
        raise ReferenceDataError(f"no NMDP code table at {location}")
    text = _text(data, location)
    try:
        table = parse_code_table(text, file=FILE)
    except DSAMonitorError as error:
        raise ReferenceDataError(f"{location} is no NMDP code table: {error.message}") from error
    if not table.codes:
        raise ReferenceDataError(f"{location} lists no NMDP code")
    target = table_path(reference_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{FILE}.", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    manifest = {
        "source": location,
        "codes": len(table),
        "updated": table.updated,
        "installed_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    (target.parent / install.MANIFEST).write_text(json.dumps(manifest, indent=2), "utf-8")
    return target, table


def load_table(reference_dir: str | Path) -> NMDPCodeTable | None:
    """The installed table (read once per change of the file), or None when none is installed."""
    path = table_path(reference_dir).resolve()
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    except OSError as error:
        raise ReferenceDataError(f"cannot read the NMDP code table {path}: {error}") from error
    return _load(str(path), stamp)


@lru_cache(maxsize=4)
def _load(path: str, _stamp: int) -> NMDPCodeTable:
    try:
        return parse_code_table(Path(path).read_text(encoding="utf-8"), file=path)
    except (OSError, UnicodeDecodeError) as error:
        raise ReferenceDataError(f"cannot read the NMDP code table {path}: {error}") from error

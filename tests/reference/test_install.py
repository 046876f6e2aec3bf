"""Installing releases for real: files served over HTTP on 127.0.0.1, md5 checks, atomic install."""

from __future__ import annotations

import hashlib
import shutil
import socket
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from reference_paths import IMGT_358, TEST_DATA, need_shared

from dsa_monitor.errors import ReferenceDataError
from dsa_monitor.hla.names import parse_allele
from dsa_monitor.reference import install
from dsa_monitor.reference.service import load_release

WMDA = TEST_DATA / "wmda"
FILES = ("rel_dna_ser.txt", "rel_ser_ser.txt")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


@pytest.fixture
def served(tmp_path):
    """A directory served over HTTP on loopback; yields (root directory, base URL)."""
    root = tmp_path / "www"
    root.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _md5_list(directory: Path, names) -> str:
    return "".join(f"MD5 ({n}) = {hashlib.md5((directory / n).read_bytes()).hexdigest()}\n" for n in names)


def _github_layout(root: Path, source: Path, branch: str, md5: bool = True) -> None:
    """Lay files out as the IPD-IMGT/HLA repository does: <branch>/wmda/, Latest/allelelist/."""
    wmda_dir = root / branch / "wmda"
    wmda_dir.mkdir(parents=True)
    for name in FILES:
        shutil.copy(source / name, wmda_dir / name)
    if md5:
        (wmda_dir / "md5checksum.txt").write_text(_md5_list(wmda_dir, FILES))
    (root / "Latest" / "allelelist").mkdir(parents=True)
    shutil.copy(source / "Allelelist.txt", root / "Latest" / "allelelist" / f"Allelelist.{branch}.txt")


def _leftovers(reference_dir: Path) -> list[str]:
    return (
        [p.name for p in reference_dir.iterdir() if p.name.startswith(".")] if reference_dir.exists() else []
    )


@pytest.mark.parametrize(("release", "branch"), [("3.58.0", "3580"), ("3.64.0", "3640"), ("3.9.0", "390")])
def test_branch_of(release, branch):
    assert install.branch_of(release) == branch


@pytest.mark.parametrize("release", ["3.58", "latest", "3.58.0; rm", ""])
def test_bad_release_names(release, tmp_path):
    with pytest.raises(ReferenceDataError, match="not a release number"):
        install.install(tmp_path, release, str(WMDA))


def test_default_urls_are_the_imgthla_repository():
    urls = install.candidates("3.58.0", None)
    assert urls["rel_dna_ser.txt"] == [
        "https://raw.githubusercontent.com/ANHIG/IMGTHLA/3580/wmda/rel_dna_ser.txt"
    ]
    assert urls["Allelelist.txt"][0] == (
        "https://raw.githubusercontent.com/ANHIG/IMGTHLA/Latest/allelelist/Allelelist.3580.txt"
    )


def test_install_358_over_http_in_github_layout(served, tmp_path):
    source = need_shared(IMGT_358)
    root, base = served
    _github_layout(root, source, "3580")
    reference_dir = tmp_path / "reference"
    target = install.install(reference_dir, "3.58.0", base=base, timeout=10)
    assert target == reference_dir / "3.58.0"
    assert install.active_release(reference_dir) == "3.58.0"  # first install becomes active
    manifest = (target / install.MANIFEST).read_text()
    assert "rel_dna_ser.txt" in manifest and "md5_verified" in manifest
    reference = load_release(target)
    assert str(reference.serology(parse_allele("B*15:01")).antigen) == "B62"
    assert reference.validation == "Allelelist.txt"
    assert _leftovers(reference_dir) == []


def test_install_from_url_source_then_activate(served, tmp_path):
    root, base = served
    for name in (*FILES, "Allelelist.txt"):
        shutil.copy(WMDA / name, root / name)
    (root / "md5checksum.txt").write_text(_md5_list(root, FILES))
    reference_dir = tmp_path / "reference"
    install.install(reference_dir, "3.64.0", source=base, timeout=10)
    assert install.active_release(reference_dir) == "3.64.0"
    with pytest.raises(ReferenceDataError, match="already installed"):
        install.install(reference_dir, "3.64.0", source=base, timeout=10)
    with pytest.raises(ReferenceDataError, match="3.1.0 is not installed"):
        install.activate(reference_dir, "3.1.0")
    assert install.installed_releases(reference_dir) == ["3.64.0"]


def test_install_from_a_directory(tmp_path):
    reference_dir = tmp_path / "reference"
    install.install(reference_dir, "3.64.0", source=str(WMDA))
    assert (reference_dir / "3.64.0" / "rel_dna_ser.txt").exists()
    assert install.active_release(reference_dir) == "3.64.0"


def test_second_install_does_not_change_the_active_release(tmp_path):
    reference_dir = tmp_path / "reference"
    install.install(reference_dir, "3.64.0", source=str(WMDA))
    other = tmp_path / "other"
    other.mkdir()
    (other / "rel_dna_ser.txt").write_text((WMDA / "rel_dna_ser_6field.txt").read_text())
    (other / "rel_ser_ser.txt").write_text("A;2;;203/210\n")
    install.install(reference_dir, "3.57.0", source=str(other))
    assert install.installed_releases(reference_dir) == ["3.57.0", "3.64.0"]
    assert install.active_release(reference_dir) == "3.64.0"
    install.activate(reference_dir, "3.57.0")
    assert install.active_release(reference_dir) == "3.57.0"


def test_md5_mismatch_installs_nothing(served, tmp_path):
    root, base = served
    for name in FILES:
        shutil.copy(WMDA / name, root / name)
    (root / "md5checksum.txt").write_text(_md5_list(root, FILES))
    with (root / "rel_dna_ser.txt").open("a") as changed:
        changed.write("A*;03:01:01:01;3;;;;3\n")
    reference_dir = tmp_path / "reference"
    with pytest.raises(ReferenceDataError, match="rel_dna_ser.txt of release 3.64.0 fails its md5"):
        install.install(reference_dir, "3.64.0", source=base, timeout=10)
    assert install.installed_releases(reference_dir) == []
    assert _leftovers(reference_dir) == []
    assert install.active_release(reference_dir) is None


def test_404_is_a_clear_error(served, tmp_path):
    _root, base = served
    reference_dir = tmp_path / "reference"
    with pytest.raises(ReferenceDataError, match="rel_dna_ser.txt of release 3.58.0 not found"):
        install.install(reference_dir, "3.58.0", base=base, timeout=10)
    assert install.installed_releases(reference_dir) == [] and _leftovers(reference_dir) == []


def test_unreachable_is_a_clear_error(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    reference_dir = tmp_path / "reference"
    with pytest.raises(ReferenceDataError, match="unreachable"):
        install.install(reference_dir, "3.58.0", base=f"http://127.0.0.1:{port}", timeout=5)
    assert _leftovers(reference_dir) == []


def test_wrong_release_in_header_is_refused(tmp_path):
    with pytest.raises(ReferenceDataError, match="from release 3.64.0, not 3.58.0"):
        install.install(tmp_path / "reference", "3.58.0", source=str(WMDA))
    assert install.installed_releases(tmp_path / "reference") == []


def test_unreadable_file_is_refused(tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "rel_dna_ser.txt").write_text("A*;01:01;1\n")
    (broken / "rel_ser_ser.txt").write_text("A;2;;203\n")
    with pytest.raises(ReferenceDataError, match="cannot be read: rel_dna_ser.txt, line 1"):
        install.install(tmp_path / "reference", "3.58.0", source=str(broken))
    assert _leftovers(tmp_path / "reference") == []


def test_health_reports_the_active_release(tmp_path):
    from dsa_monitor.app import create_app

    reference_dir = tmp_path / "reference"
    install.install(reference_dir, "3.64.0", source=str(WMDA))
    app = create_app(
        {
            "TESTING": True,
            "REFERENCE_DIR": str(reference_dir),
            "DATABASE": str(tmp_path / "db.sqlite3"),
        }
    )
    described = app.test_client().get("/api/v1/health").get_json()["reference"]
    assert described["release"] == "3.64.0"
    assert described["embedded"] is False
    assert described["validation"] == "Allelelist.txt"
    assert "warning" not in described

"""``dsa-monitor reference install-nmdp``: the NMDP code table from a file or a zip, verified first."""

from __future__ import annotations

import os
import zipfile

import pytest
from click.testing import CliRunner
from reference_paths import TEST_DATA

from dsa_monitor.cli import main
from dsa_monitor.errors import ReferenceDataError
from dsa_monitor.reference import nmdp

TABLE = TEST_DATA / "nmdp" / "numer.v3.txt"


@pytest.fixture
def env(tmp_path, monkeypatch):
    for key in list(os.environ):
        if key.startswith("DSA_MONITOR_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("DSA_MONITOR_REFERENCE_DIR", str(tmp_path / "reference"))
    monkeypatch.setenv("DSA_MONITOR_DATABASE", str(tmp_path / "db.sqlite3"))
    return tmp_path


def test_cli_installs_the_table_and_lookup_expands_codes(env):
    runner = CliRunner()
    before = runner.invoke(main, ["hla", "lookup", "A*02:AB"])
    assert "dsa-monitor reference install-nmdp" in before.output
    result = runner.invoke(main, ["reference", "install-nmdp", "--source", str(TABLE)])
    assert result.exit_code == 0, result.output
    assert "5 codes, updated 10/01/24" in result.output
    after = runner.invoke(main, ["hla", "lookup", "A*02:AB"])
    assert '"expansion": ["A*02:01", "A*02:02"]' in after.output
    assert '"error": null' in after.output


def test_a_zip_as_nmdp_serves_it(tmp_path):
    archive = tmp_path / "numer.v3.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.write(TABLE, "numer.v3.txt")
    target, table = nmdp.install_table(tmp_path / "reference", str(archive))
    assert table.codes["AB"] == ("01", "02")
    assert nmdp.load_table(tmp_path / "reference").codes == table.codes
    assert target == tmp_path / "reference" / "nmdp" / "numer.v3.txt"


def test_a_file_that_is_no_code_table_leaves_the_installed_one(tmp_path):
    nmdp.install_table(tmp_path / "reference", str(TABLE))
    bad = tmp_path / "bad.txt"
    bad.write_text("CODE\tSUBTYPE\nAB\t01/xx\n")
    with pytest.raises(ReferenceDataError, match="is no NMDP code table"):
        nmdp.install_table(tmp_path / "reference", str(bad))
    assert len(nmdp.load_table(tmp_path / "reference")) == 5
    assert nmdp.load_table(tmp_path / "elsewhere") is None

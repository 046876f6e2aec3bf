"""``dsa-monitor hla lookup`` and ``reference``: JSON lines, stdin, releases, 50k names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from reference_paths import IMGT_358, TEST_DATA, need_shared

from dsa_monitor import store
from dsa_monitor.cli import main
from dsa_monitor.hla.nmdp import NOT_INSTALLED
from dsa_monitor.hla.typing import HLATyping

WMDA = TEST_DATA / "wmda"
SCRIPT = Path(sys.executable).with_name("dsa-monitor")


@pytest.fixture
def env(tmp_path, monkeypatch):
    for key in list(os.environ):
        if key.startswith("DSA_MONITOR_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("DSA_MONITOR_REFERENCE_DIR", str(tmp_path / "reference"))
    monkeypatch.setenv("DSA_MONITOR_DATABASE", str(tmp_path / "db.sqlite3"))
    return tmp_path


def _run(args, input=None):
    result = CliRunner().invoke(main, args, input=input)
    return result


def _records(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines()]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "HLA-A*02:03",
            {"name": "A*02:03", "locus": "A", "antigen": "A203", "broad": None, "expressed": True},
        ),
        ("B*15:01", {"name": "B*15:01", "antigen": "B62", "broad": "B15", "kind": "embedded"}),
        ("Cw*0304", {"name": "C*03:04", "antigen": "Cw10", "broad": "Cw3"}),
        ("A*24:09N", {"antigen": None, "expressed": False, "error": None}),
        (
            "A24",
            {"name": "A24", "locus": "A", "antigen": "A24", "broad": "A9", "public_epitope": "Bw4"},
        ),
        ("A0203", {"name": "A203", "antigen": "A203"}),
        ("DR52", {"name": "DR52", "locus": "DRB3"}),
        ("A*02:XX", {"name": "A*02", "antigen": "A2", "kind": "group"}),
        ("A*02:AB", {"name": None, "kind": None, "error": f'"A*02:AB": {NOT_INSTALLED}'}),
        ("A*02:01:01:01:01", {"name": None, "error": '"A*02:01:01:01:01": more than 4 fields'}),
        ("A99", {"error": '"A99": no such serologic antigen in the embedded reference data'}),
    ],
)
def test_lookup_embedded(env, name, expected):
    result = _run(["hla", "lookup", name])
    assert result.exit_code == 0, result.output
    (record,) = _records(result.output)
    assert record["input"] == name
    assert record["release"] == "embedded"
    for key, value in expected.items():
        assert record[key] == value, key


def test_lookup_reads_stdin_and_keeps_order(env):
    result = _run(["hla", "lookup", "A*01:01", "-", "DQ7"], input="B*07:02 nonsense\nDRB1*15:01\n")
    assert result.exit_code == 0
    records = _records(result.output)
    assert [r["input"] for r in records] == ["A*01:01", "B*07:02", "nonsense", "DRB1*15:01", "DQ7"]
    assert records[2]["error"] and records[2]["name"] is None
    assert [r["antigen"] for r in records] == ["A1", "B7", None, "DR15", "DQ7"]


def test_reference_commands_and_release_choice(env):
    assert "embedded default" in _run(["reference", "list"]).output
    result = _run(["reference", "install", "--release", "3.64.0", "--source", str(WMDA)])
    assert result.exit_code == 0, result.output
    assert "active release: 3.64.0" in result.output
    assert _run(["reference", "list"]).output.startswith("* 3.64.0")
    (record,) = _records(_run(["hla", "lookup", "A*03:01"]).output)
    assert record["release"] == "3.64.0"
    assert record["error"] == '"A*03:01": no such allele in IPD-IMGT/HLA 3.64.0'
    (record,) = _records(_run(["hla", "lookup", "--release", "embedded", "A*03:01"]).output)
    assert record["antigen"] == "A3" and record["release"] == "embedded"
    missing = _run(["hla", "lookup", "--release", "3.1.0", "A*03:01"])
    assert missing.exit_code != 0
    assert "release 3.1.0 is not installed (installed: 3.64.0)" in missing.output
    again = _run(["reference", "install", "--release", "3.64.0", "--source", str(WMDA)])
    assert again.exit_code != 0 and "already installed" in again.output
    assert "active release: 3.64.0" in _run(["reference", "activate", "3.64.0"]).output


def _time_lookup(names: list[str], env_dir: Path, *extra: str) -> tuple[float, list[str]]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DSA_MONITOR_")}
    environ["DSA_MONITOR_REFERENCE_DIR"] = str(env_dir / "reference")
    environ["DSA_MONITOR_DATABASE"] = str(env_dir / "db.sqlite3")
    started = time.perf_counter()
    done = subprocess.run(
        [str(SCRIPT), "hla", "lookup", *extra, "-"],
        input="\n".join(names),
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return time.perf_counter() - started, done.stdout.splitlines()


def test_50k_names_embedded_in_a_few_seconds(tmp_path):
    names = [
        f"{locus}*{group:02d}:{protein:02d}"
        for locus in ("A", "B", "C", "DRB1", "DQB1")
        for group in range(1, 101)
        for protein in range(1, 101)
    ][:50_000]
    elapsed, lines = _time_lookup(names, tmp_path)
    assert len(lines) == 50_000
    assert elapsed < 15, f"{elapsed:.1f} s for 50,000 names"


def test_50k_distinct_names_on_358_in_a_few_seconds(tmp_path):
    directory = need_shared(IMGT_358)
    names = [
        line.split(";")[0] + line.split(";")[1]
        for line in (directory / "rel_dna_ser.txt").read_text().splitlines()
        if not line.startswith("#")
    ]
    names = (names + [n + "x" for n in names])[:50_000]  # the second copies are invalid names
    subprocess.run(
        [str(SCRIPT), "reference", "install", "--release", "3.58.0", "--source", str(directory)],
        env={
            **os.environ,
            "DSA_MONITOR_REFERENCE_DIR": str(tmp_path / "reference"),
            "DSA_MONITOR_DATABASE": str(tmp_path / "db.sqlite3"),
        },
        check=True,
        capture_output=True,
        timeout=60,
    )
    elapsed, lines = _time_lookup(names, tmp_path)
    assert len(lines) == 50_000
    assert json.loads(lines[0])["release"] == "3.58.0"
    assert elapsed < 15, f"{elapsed:.1f} s for 50,000 names"


def test_check_lists_stored_typings_the_reference_now_refuses(env, tmp_path):
    db = store.open_database(tmp_path / "db.sqlite3")
    store.create_study(db, "S1", user="t")
    good = store.create_recipient(db, "S1", "R-GOOD", user="t")
    bad = store.create_donor(db, "D-OLD", kind="cord", user="t")
    typing = HLATyping.from_loci({"A": ["A*02:01", "A*24:02"]})
    store.set_typing(db, "recipient", good["id"], typing.to_gl_string(), typing.to_dict(), None, "lab", "t")
    stored_before_the_rule = {
        "source": "loci",
        "public_epitopes": [],
        "loci": {
            "B": [
                {"kind": "allele", "names": ["B*07:02N"], "resolution": "2-field"},
                {"kind": "allele", "names": ["B*44:02"], "resolution": "2-field"},
            ]
        },
    }
    store.set_typing(db, "donor", bad["id"], "", stored_before_the_rule, None, "lab", "t")
    db.close()
    result = CliRunner().invoke(main, ["hla", "check"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith('donor D-OLD (typing version 1): "B*07:02N"')
    assert lines[-1] == "2 typing(s) checked against the embedded reference data: 1 refused"

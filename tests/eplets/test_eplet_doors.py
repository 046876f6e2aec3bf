"""The eplet tables installed like a release (side by side, one active, the version named in
every answer), and the worked examples through the command line and the API."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
from click.testing import CliRunner
from eplet_examples import DQ_DONOR, DQ_RECIPIENT, EPLETS_HLAR, SAME_B_C
from reference_paths import need_shared

from dsa_monitor import store
from dsa_monitor.cli import main
from dsa_monitor.errors import ReferenceDataError
from dsa_monitor.hla.typing import HLATyping
from dsa_monitor.reference import eplets as installed
from dsa_monitor.store import tokens


@pytest.fixture
def source():
    return need_shared(EPLETS_HLAR)


def test_versions_live_side_by_side_one_active_with_the_licence(tmp_path, source):
    with pytest.raises(ReferenceDataError, match="holds versions v2, v3: give --version"):
        installed.install_tables(tmp_path, source)
    installed.install_tables(tmp_path, source, "v3")
    installed.install_tables(tmp_path, source, "v2")
    assert installed.installed_versions(tmp_path) == ["v2", "v3"]
    assert installed.active_version(tmp_path) == "v3"  # the first installed
    assert (tmp_path / "eplets" / "v3" / "LICENSE.txt").read_text() == (source / "LICENSE.txt").read_text()
    manifest = json.loads((tmp_path / "eplets" / "v2" / "source.json").read_text())
    assert "MHC_II_eplet_B_v2.csv line 33: DPB1*20:01 cell '*' is no eplet name, skipped" in manifest["notes"]
    with pytest.raises(ReferenceDataError, match="already installed"):
        installed.install_tables(tmp_path, source, "v3")
    installed.activate(tmp_path, "v2")
    assert installed.load_active(tmp_path).version == "v2"


def test_a_folder_without_tables_installs_nothing(tmp_path, source):
    broken = tmp_path / "src"
    broken.mkdir()
    shutil.copy(source / "MHC_I_eplet_v3.csv", broken)
    with pytest.raises(ReferenceDataError, match="MHC_II_eplet_B_v3.csv is missing"):
        installed.install_tables(tmp_path / "ref", broken)
    assert installed.installed_versions(tmp_path / "ref") == []


def _typed(db, kind, owner_id, loci):
    typing = HLATyping.from_loci(loci)
    store.set_typing(db, kind, owner_id, typing.to_gl_string(), typing.to_dict(), None, "test", "test")


def _world(db):
    """Recipient R1 with donors D1 (class I example: A*01:01 A*02:01, B and C shared) and
    D2 (the DQ example), D3 untyped."""
    store.create_study(db, "EP-1", title="Eplets", user="setup")
    recipient = store.create_recipient(db, "EP-1", "R1", user="setup")["id"]
    donors = [store.create_donor(db, code, kind="living", user="setup")["id"] for code in ("D1", "D2", "D3")]
    store.create_exposure(db, recipient, donors, dt.date(2024, 3, 1), "transplant", user="setup")
    _typed(db, "recipient", recipient, {"A": ["A*02:01", "A*03:01"], **SAME_B_C, **DQ_RECIPIENT})
    _typed(db, "donor", donors[0], {"A": ["A*01:01", "A*02:01"], **SAME_B_C, **DQ_RECIPIENT})
    _typed(db, "donor", donors[1], {"A": ["A*02:01", "A*03:01"], **SAME_B_C, **DQ_DONOR})
    return recipient


def test_the_command_reads_the_stored_typings(cli_db, tmp_path, source):
    runner = CliRunner()
    db = store.open_database(cli_db)
    _world(db)
    db.close()
    missing = runner.invoke(main, ["eplets", "--recipient", "R1"])
    assert missing.exit_code != 0 and "install-eplets --source DIR" in missing.output
    done = runner.invoke(main, ["reference", "install-eplets", "--source", str(source), "--version", "v3"])
    assert done.exit_code == 0, done.output
    assert "installed eplet tables v3" in done.output and "active: v3" in done.output
    shown = runner.invoke(main, ["eplets", "--recipient", "R1"])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    d1 = lines.index("donor D1")
    assert lines[d1 + 1] == "  class I: 5 eplets, 4 antibody-verified"
    assert "    ABC: 5 (4 antibody-verified): 44KM*, 76ANT*, 77NGT, 163RG*, 166DG*" in lines
    assert "  donor not typed: no eplet load" in lines
    as_json = json.loads(runner.invoke(main, ["eplets", "--recipient", "R1", "--output", "json"]).output)
    assert as_json["eplet_table"] == "v3"
    dq = next(g for g in as_json["donors"][1]["load"]["groups"] if g["group"] == "DQ")
    assert (dq["all"], dq["antibody_verified"]) == (11, 5)


def test_the_api_answers_with_the_loads_and_the_table_version(app, client, source):
    db = store.open_database(app.config["DATABASE"])
    recipient = _world(db)
    _, secret = tokens.create_token(db, "reader", "clinician", user="test")
    db.close()
    headers = {"Authorization": f"Bearer {secret}"}
    untabled = client.get(f"/api/v1/recipients/{recipient}/eplets", headers=headers)
    assert untabled.status_code == 200  # the request is right; the service lacks the tables
    assert (untabled.get_json()["eplet_table"], untabled.get_json()["donors"]) == (None, [])
    assert "install-eplets" in untabled.get_json()["message"]
    installed.install_tables(app.config["REFERENCE_DIR"], source, "v3")
    answer = client.get(f"/api/v1/recipients/{recipient}/eplets", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["subject_code"], body["eplet_table"]) == ("R1", "v3")
    d1, d2, d3 = body["donors"]
    abc = next(g for g in d1["load"]["groups"] if g["group"] == "ABC")
    assert sorted(e["name"] for e in abc["eplets"]) == ["163RG", "166DG", "44KM", "76ANT", "77NGT"]
    assert d1["load"]["by_class"]["I"] == {"all": 5, "antibody_verified": 4, "complete": True}
    dq = next(g for g in d2["load"]["groups"] if g["group"] == "DQ")
    assert sorted(e["name"] for e in dq["eplets"] if e["chain"] == "alpha") == ["40GR", "75S", "76L"]
    assert (d3["load"], d3["note"]) == (None, "donor not typed: no eplet load")


def test_the_recipient_page_shows_each_donors_load_beside_the_typings(app, source):
    from dsa_monitor.store import users

    db = store.open_database(app.config["DATABASE"])
    recipient = _world(db)
    users.create_user(
        db, "md@example.org", "clinician", password="correct horse battery staple", user="setup"
    )
    db.close()
    client = app.test_client()
    page = client.get("/sign-in").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post(
        "/sign-in",
        data={"csrf_token": token, "email": "md@example.org", "password": "correct horse battery staple"},
    )
    assert 'id="eplets"' not in client.get(f"/recipients/{recipient}").text  # none installed
    installed.install_tables(app.config["REFERENCE_DIR"], source, "v3")
    page = client.get(f"/recipients/{recipient}").text
    section = page[page.index('id="eplets"') :]
    assert "eplet table v3" in section
    d1 = section[section.index(">D1<") : section.index(">D2<")]
    assert "5 <span" in d1 and "(4 verified)" in d1
    assert "44KM*, 76ANT*, 77NGT, 163RG*, 166DG*" in d1
    assert "donor not typed: no eplet load" in section


def test_the_active_table_is_reread_when_activated_or_installed_again(tmp_path, source):
    from dsa_monitor.readings.eplet_table import active_table

    assert active_table(tmp_path) is None  # none installed
    installed.install_tables(tmp_path, source, "v3")
    installed.install_tables(tmp_path, source, "v2")
    first = active_table(tmp_path)
    assert first.version == "v3" and active_table(tmp_path) is first  # kept while unchanged
    installed.activate(tmp_path, "v2")
    assert active_table(tmp_path).version == "v2"
    again = active_table(tmp_path)
    installed.install_tables(tmp_path, source, "v2", force=True)  # the folder replaced
    assert active_table(tmp_path) is not again
    assert active_table(tmp_path).version == "v2"

"""One typed settings object: every door reads ``settings_of(app)``, never a string key."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsa_monitor.app import create_app
from dsa_monitor.config import InvalidSetting, Settings, settings_of


def test_the_settings_are_typed_and_qc_limits_are_declared(tmp_path, monkeypatch):
    monkeypatch.setenv("DSA_MONITOR_QC_LIMITS", '{"LS1A04": {"pc_min": 1500, "nc_max": 800}}')
    monkeypatch.setenv("DSA_MONITOR_MAX_UPLOAD_MB", "7")
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "s.sqlite3"),
            "REFERENCE_DIR": str(tmp_path / "reference"),
        }
    )
    settings = settings_of(app)
    assert isinstance(settings, Settings)
    assert settings.qc_limits == {"LS1A04": {"pc_min": 1500.0, "nc_max": 800.0}}
    assert (settings.max_upload_mb, settings.max_upload_bytes) == (7, 7 * 1024 * 1024)
    assert settings.database == Path(tmp_path / "s.sqlite3") and settings.mail_dir.name == "outbox"
    assert app.config["MAX_CONTENT_LENGTH"] == settings.max_upload_bytes


@pytest.mark.parametrize("value", ["not json", '{"LS1A04": 1500}', '{"LS1A04": {"pc_min": "x"}}'])
def test_qc_limits_that_cannot_be_read_stop_the_start_naming_the_variable(tmp_path, value):
    with pytest.raises(InvalidSetting, match="DSA_MONITOR_QC_LIMITS"):
        create_app({"TESTING": True, "DATABASE": str(tmp_path / "s.sqlite3"), "QC_LIMITS": value})


def test_an_upload_uses_the_configured_qc_limits(tmp_path):
    """QC_LIMITS was read in three places and declared nowhere: now a setting like the others,
    and the API's upload door applies it (a PC bead of 18,000 fails a 50,000 minimum)."""
    import datetime as dt
    import io

    from evaluation.worked_sera import make_world

    from dsa_monitor import store
    from dsa_monitor.demo.fusion_writer import FusionSample, write_fusion_csv
    from dsa_monitor.demo.trial import demo_panel
    from dsa_monitor.store import tokens

    panel = demo_panel("I")
    limits = {key: {"pc_min": 50000} for key in ("LS1A90DM_001_00", "LS1A90DM", "LS1A90")}
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "s.sqlite3"),
            "REFERENCE_DIR": str(tmp_path / "reference"),
            "QC_LIMITS": limits,
        }
    )
    db = store.open_database(settings_of(app).database)
    make_world(db)
    _, secret = tokens.create_token(db, "lab", "lab", user="test")
    raw = [60.0, 18000.0] + [210.0] * (len(panel.beads) - 2)
    data = write_fusion_csv(
        panel, [FusionSample("S-1", "P1", dt.date(2026, 4, 11), raw)], run_date=dt.date(2026, 4, 12)
    )
    answer = (
        app.test_client()
        .post(
            "/api/v1/uploads",
            data={"file": (io.BytesIO(data), "run.csv")},
            headers={"Authorization": f"Bearer {secret}"},
            content_type="multipart/form-data",
        )
        .get_json()
    )
    db.close()
    [sample] = answer["samples"]
    assert sample["qc_status"] == "fail" and any("PC" in r for r in sample["qc_reasons"])


def test_settings_follow_a_config_changed_after_they_were_first_read(app):
    first = settings_of(app)
    assert settings_of(app) is first  # unchanged config: the settings made last time
    app.config["MAIL_MAX_ATTEMPTS"] = first.mail_max_attempts + 3
    assert settings_of(app).mail_max_attempts == first.mail_max_attempts + 3
    app.config["QC_LIMITS"] = {"normalized": {"pc_min": 500.0}}
    assert settings_of(app).qc_limits == {"normalized": {"pc_min": 500.0}}
    app.config["QC_LIMITS"]["normalized"]["pc_min"] = 900.0  # changed in place
    assert settings_of(app).qc_limits == {"normalized": {"pc_min": 900.0}}

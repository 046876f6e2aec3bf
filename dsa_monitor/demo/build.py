"""Build the demo in its own folder: files written, uploaded, the scheduler run once, a sign-in.

Everything goes through the doors a lab, a coordinator and the scheduler use (``import_upload``,
``alerts.subscribe``, ``users.create_user``, ``alerts.run_once``); the configured database is
never touched: the demo app gets its own database, mail folder and reference folder.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from pathlib import Path

from flask import Flask
from sqlite_utils import Database

from .. import store
from ..alerts import KINDS, run_once, subscribe
from ..errors import Conflict
from ..evaluation import RecipientEvaluation, current_evaluations
from ..ingest import import_upload
from ..readings.report import study_report
from ..readings.serum import serum_beads, third_party
from ..reference import eplets as installed_eplets
from ..store import users
from .seed import store_trial
from .summary import DemoSummary, summarise
from .trial import SCHEDULE, Trial, demo_trial

DATABASE = "demo.sqlite3"
FILES = "files"
MAIL = "mail"
REFERENCE = "reference"
MARKER = "demo.json"  # written last: a folder with it holds a finished demo
KNOWN = {DATABASE, f"{DATABASE}-wal", f"{DATABASE}-shm", FILES, MAIL, REFERENCE, MARKER}
SIGN_IN_EMAIL = "demo@example.org"  # example.org: reserved for documentation (RFC 2606)
CLINICIAN_EMAIL = "clinician@example.org"
# hlaR's v3 eplet tables cut to the demo's alleles, with their licence (eplets/README.md)
EPLETS, EPLET_VERSION = Path(__file__).resolve().parent / "eplets", "v3-demo"
USER = "demo"


@dataclass(frozen=True)
class DemoFolder:
    """Where one demo lives, and the settings its app runs with."""

    path: Path

    @property
    def database(self) -> Path:
        return self.path / DATABASE

    @property
    def files(self) -> Path:
        return self.path / FILES

    @property
    def mail(self) -> Path:
        return self.path / MAIL

    @property
    def marker(self) -> Path:
        return self.path / MARKER

    def built(self) -> bool:
        return self.marker.is_file()

    def stray(self) -> list[str]:
        """Entries that no demo wrote: the folder is someone else's, never to be cleared."""
        if not self.path.exists():
            return []
        return sorted(p.name for p in self.path.iterdir() if p.name not in KNOWN)

    def clear(self) -> None:
        """Remove what an earlier demo wrote here (and nothing else)."""
        for name in KNOWN:
            target = self.path / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()

    def sign_in(self) -> dict:
        return json.loads(self.marker.read_text(encoding="utf-8"))

    def settings(self, secret_key: str, **more: object) -> dict:
        """Overrides that point an app at this folder: its database, .eml folder, reference."""
        return {
            "DATABASE": str(self.database),
            "MAIL_DIR": str(self.mail),
            "REFERENCE_DIR": str(self.path / REFERENCE),
            "SMTP_HOST": None,
            "SECRET_KEY": secret_key,
            "SCHEDULER_IN_WEB": False,
            **more,
        }


def write_files(trial: Trial, folder: Path) -> list[Path]:
    """The trial's lab files on disk, as a lab would export them."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in trial.files:
        path = folder / name
        path.write_bytes(data)
        written.append(path)
    return written


def build(
    folder: DemoFolder, make_app: Callable[..., Flask], *, today: dt.date
) -> tuple[dict, dict[str, str | None]]:
    """Store the demo trial, upload its files, subscribe a clinician, add a web user, run the
    scheduler once; return the sign-in (also kept in the folder's marker) and what each
    scheduler job did."""
    folder.path.mkdir(parents=True, exist_ok=True)
    os.chmod(folder.path, 0o700)  # the marker keeps the demo password in clear
    account = {
        "email": SIGN_IN_EMAIL,
        "password": secrets.token_urlsafe(12),
        "secret_key": secrets.token_hex(32),
        "clinician": CLINICIAN_EMAIL,
        "as_of": today.isoformat(),
    }
    trial = demo_trial(today)
    paths = write_files(trial, folder.files)
    app = make_app(**folder.settings(account["secret_key"]))
    db = store.open_database(folder.database)
    try:
        store_trial(db, trial, user=USER, upload=False)
        for path in paths:
            import_upload(db, path.read_bytes(), path.name, user=USER, study=trial.study_code)
        subscribe(db, CLINICIAN_EMAIL, study=trial.study_code, kinds=KINDS, user=USER)
        users.create_user(db, SIGN_IN_EMAIL, "admin", password=account["password"], user=USER)
    finally:
        db.close()
    # before the scheduler runs: its e-mails carry the candidate eplet of each DSA
    installed_eplets.install_tables(folder.path / REFERENCE, EPLETS, EPLET_VERSION, activate_it=True)
    jobs = run_once(app, wait=0)
    if jobs is None:
        raise Conflict(f"another scheduler holds the lease on {folder.database}")
    folder.marker.write_text(json.dumps(account, indent=2), encoding="utf-8")
    os.chmod(folder.marker, 0o600)
    return account, jobs


def stored_results(db: Database) -> tuple[str, list[RecipientEvaluation], dict[str, list[dict]]]:
    """The demo study's current evaluations and QC-failed samples, read from its database."""
    (study,) = store.list_studies(db)
    results, failed = [], {}
    for recipient in store.list_recipients(db, study["code"]):
        code = recipient["subject_code"]
        results.append(
            RecipientEvaluation(
                recipient["id"], code, study["code"], current_evaluations(db, recipient["id"])
            )
        )
        failed[code] = [
            s for s in store.list_samples(db, recipient_id=recipient["id"]) if s["qc_status"] == "fail"
        ]
    return study["code"], results, failed


def demo_summary(db: Database) -> tuple[list[RecipientEvaluation], DemoSummary]:
    """The evaluations and the newcomer's summary of the stored demo, with what the pages show
    beside them: the preformed DSA alert, the third-party antibody, the report's sentence."""
    code, results, failed = stored_results(db)
    summary = summarise(results, failed, [v["name"] for v in SCHEDULE])
    for event in store.list_events(db, kind="preformed"):
        summary.cases.append(
            f"preformed DSA alert: {event['subject_code']} anti-{event['antigen']} at {event['visit']}"
        )
    for result in results:
        baseline = next(
            (p for e in result.evaluations for p in e.points if p.visit == "baseline" and p.sample_ids), None
        )
        if baseline is None:
            continue
        for bead in third_party(serum_beads(db, baseline.sample_ids[0])[1]):
            summary.cases.append(
                f"third-party antibody: {result.subject_code} anti-{bead.specificity} at"
                f" baseline, MFI {bead.used_mfi:.0f}: not donor-specific (serum page)"
            )
    report = study_report(db, store.get_study(db, code))
    summary.cases.append(f"report: {report['sentence']}")
    return results, summary


def mail_subjects(mail: Path) -> list[tuple[str, str]]:
    """(file name, Subject) of every .eml the scheduler wrote, by subject."""
    parser = BytesHeaderParser()
    found = []
    for path in sorted(mail.glob("*.eml")):
        with path.open("rb") as handle:
            found.append((path.name, str(parser.parse(handle)["Subject"])))
    return sorted(found, key=lambda item: (item[1], item[0]))

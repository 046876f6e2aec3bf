"""``dsa-monitor evaluate``: call DSA over time for recipients, store it, print a table or JSON."""

from __future__ import annotations

import datetime as dt
import getpass
import json
from dataclasses import asdict
from pathlib import Path

import click

from .. import store
from ..config import settings_of
from ..dsa.rules import DEFAULT_RULES, Rules
from ..errors import DSAMonitorError
from ..evaluation import (
    RecipientEvaluation,
    RecipientFailure,
    evaluate_pending,
    evaluate_recipients,
)
from ..evaluation.report import format_table
from ..reference import service
from ..store import evaluations as stored
from . import make_app, opened_store


def _recipient_ids(db, recipient: str | None, study: str | None) -> list[int]:
    if recipient is not None:
        if recipient.isdigit():
            return [store.get_recipient(db, int(recipient))["id"]]
        found = [r["id"] for r in store.list_recipients(db, study) if r["subject_code"] == recipient]
        if len(found) != 1:
            where = f" in study {study}" if study else ""
            raise click.ClickException(
                f"{'no' if not found else 'several'} recipient(s) with subject code "
                f"{recipient!r}{where}" + ("; give --study" if found else "")
            )
        return found
    if study is not None:
        store.get_study(db, study)
        return stored.recipients_of_study(db, study)
    return [r["id"] for r in store.list_recipients(db)]


def _evaluate(
    app,
    db,
    recipient: str | None,
    study: str | None,
    pending: bool,
    as_of: dt.datetime | None,
    rules_file: Path | None,
    release: str | None,
    user: str,
) -> tuple[list[RecipientEvaluation], list[RecipientFailure]]:
    try:
        rules = DEFAULT_RULES
        if rules_file is not None:
            rules = Rules.from_dict(json.loads(rules_file.read_text(encoding="utf-8")))
        reference = service.get(app, release)
        day = as_of.date() if as_of else None
        failures: list[RecipientFailure] = []
        helper = settings_of(app).evaluation_helper
        if pending:
            run = evaluate_pending(db, reference=reference, rules=rules, as_of=day, user=user, helper=helper)
            return run.evaluations, run.failures
        ids = _recipient_ids(db, recipient, study)
        results = evaluate_recipients(
            db, ids, reference=reference, rules=rules, as_of=day, user=user, failures=failures, helper=helper
        )
        return results, failures
    except (DSAMonitorError, json.JSONDecodeError) as error:
        raise click.ClickException(getattr(error, "message", str(error))) from error
    finally:
        db.close()


@click.command("evaluate")
@click.option(
    "--recipient", default=None, help="A recipient's id or subject code (default: every recipient)."
)
@click.option("--study", default=None, help="Every recipient of this study code.")
@click.option(
    "--pending",
    is_flag=True,
    help="Only recipients with a sample, typing or exposure new since the last run.",
)
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Date overdue visits are judged on (default: today, UTC).",
)
@click.option(
    "--rules",
    "rules_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A JSON rules document to evaluate under (default rules if not).",
)
@click.option(
    "--release", default=None, help="Reference release to use (or 'embedded'); default: the active one."
)
@click.option(
    "--format",
    "output",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="What to print.",
)
@click.option(
    "--json",
    "json_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the full evaluations as JSON to this file.",
)
@click.option(
    "--user",
    default=getpass.getuser,
    show_default="the login name",
    help="Who evaluates (kept with each stored evaluation).",
)
def command(
    recipient: str | None,
    study: str | None,
    pending: bool,
    as_of: dt.datetime | None,
    rules_file: Path | None,
    release: str | None,
    output: str,
    json_file: Path | None,
    user: str,
) -> None:
    """Evaluate DSA over time (baseline, visits, de novo / persistent / resolved / rising,
    overdue visits) and print visit, date, antigen, level, MFI, strength and status, per serum
    and class the immunodominant DSA and sum of DSA MFI, and self beads. Each evaluation is
    stored with the rules in force; an unchanged one is not stored twice, and evaluating under
    other rules (--rules) adds one beside the old, never over it. A recipient that cannot be
    evaluated is reported (exit status 1) and the others are still evaluated. What an evaluation
    changed (a de novo DSA...) is recorded as alert events with it, the same as by the scheduler,
    whose next run sends the e-mails."""
    app = make_app()
    # Each stored evaluation records its alert events and queues their e-mails (the recorder the
    # alerts installed), with the mail settings of the app in context: the scheduler only sends.
    with opened_store(app) as db, app.app_context():
        results, failures = _evaluate(app, db, recipient, study, pending, as_of, rules_file, release, user)
    document: dict = {"recipients": [r.to_dict() for r in results]}
    if failures:
        document["failures"] = [asdict(f) for f in failures]
    if json_file is not None:
        json_file.write_text(json.dumps(document, indent=2), encoding="utf-8")
    if output == "json":
        click.echo(json.dumps(document, indent=2))
    elif results:
        click.echo(format_table(results))
    elif not failures:
        click.echo("nothing to evaluate")
    if failures:
        raise click.ClickException(
            "not evaluated: " + "; ".join(f"recipient {f.recipient_id}: {f.error}" for f in failures)
        )

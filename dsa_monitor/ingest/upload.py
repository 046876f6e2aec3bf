"""One upload, all or nothing: parse, place each sample with its recipient, QC, store, audit.

The CLI (`dsa-monitor import`) and the HTTP upload both call ``import_upload``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
from collections.abc import Mapping

from sqlite_utils import Database

from ..collector import collector_paused
from ..errors import (
    DSAMonitorError,
    FileFormatError,
    UnknownEncoding,
    UnknownPatient,
    UploadTooLarge,
)
from ..sab import controls
from ..sab.model import ParsedFile, ParseOptions, SampleResult
from ..store import audit, uploads
from ..store.catalogues import catalogue_registry
from ..store.connection import write_transaction
from ..store.schema import SERUM_TREATMENTS
from ..store.studies import studies_refusing_strays
from .attempt import Attempt
from .checks import (
    check_complete,
    check_encoding,
    check_sample_dates,
    unterminated_warning,
    utc_today,
)
from .corrections import corrected_samples, identities
from .placement import place_samples
from .resend import completed_summary, duplicate_answer, now_enrolled, waiting_samples
from .result import StoredSample, UploadResult

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, slots=True)
class _Placing:
    """How the samples of a file are placed: within which study, strictly or not, with which
    extra control-serum pattern."""

    study: int | str | None
    strict: bool
    control: re.Pattern[str] | None


def import_upload(
    db: Database,
    data: bytes,
    file_name: str,
    *,
    user: str,
    format: str | None = None,
    manifest: Mapping[str, dt.date] | None = None,
    options: ParseOptions | None = None,
    max_bytes: int | None = None,
    qc_limits: Mapping[str, Mapping[str, float]] | None = None,
    serum_treatment: str = "neat",
    study: int | str | None = None,
    strict: bool = False,
    control_pattern: str | None = None,
    reading: ParsedFile | None = None,
) -> UploadResult:
    """Store one lab file in one transaction, or nothing from it, recording why it was rejected.

    The samples of enrolled recipients are stored (all of them or none); the others (control
    sera, patients of no study here) are listed in ``not_stored`` with their reason. ``strict``
    (or a study's ``strict_uploads``) refuses the file when any sample is not enrolled;
    ``control_pattern`` adds the lab's own control-serum names to the vendors'.

    ``qc_limits`` maps a kit or a lot to control-bead limits; a lot's registered catalogue and the
    file's own limits (.eds) take precedence; ``options.min_bead_count`` is the base they
    override. ``options.lot`` and ``options.encoding`` reach the parsers; an encoding name that
    is no text codec is refused first (``UnknownEncoding``). Errors are raised unchanged once the
    rejection is kept. ``reading``: these bytes already read with these options (the reading
    that found an upload's remembered date layout), not read a second time.
    """
    _own_transactions(db)
    attempt = Attempt.of(data, file_name, user)
    if max_bytes is not None and len(data) > max_bytes:
        error = UploadTooLarge(
            f"{file_name}: {len(data) / 1_048_576:.1f} MB is over the upload limit of "
            f"{max_bytes / 1_048_576:.0f} MB",
            file=file_name,
            size=len(data),
            limit=max_bytes,
        )
        _record_rejection(db, attempt, format, error, keep_bytes=False)
        raise error
    try:
        check_encoding(None if options is None else options.encoding, file_name)
    except UnknownEncoding as error:
        _record_rejection(db, attempt, format, error, keep_bytes=True)
        raise
    first = uploads.find_stored_upload(db, attempt.sha256)
    if first is not None and not waiting_samples(first):
        return duplicate_answer(db, first, attempt, manifest, study)
    with collector_paused():
        try:
            parsed = reading or parse(db, data, file_name, format=format, options=options)
        except Exception as error:
            _record_rejection(db, attempt, format, error, keep_bytes=True)
            raise
        del reading
        result = import_parsed(
            db,
            parsed,
            data,
            user=user,
            manifest=manifest,
            qc_limits=qc_limits,
            serum_treatment=serum_treatment,
            study=study,
            min_bead_count=None if options is None else options.min_bead_count,
            strict=strict,
            control_pattern=control_pattern,
        )
        del parsed  # freed before collection resumes, not left for the collector to walk
    return result


def import_parsed(
    db: Database,
    parsed: ParsedFile,
    data: bytes,
    *,
    user: str,
    manifest: Mapping[str, dt.date] | None = None,
    qc_limits: Mapping[str, Mapping[str, float]] | None = None,
    serum_treatment: str = "neat",
    study: int | str | None = None,
    min_bead_count: int | None = None,
    strict: bool = False,
    control_pattern: str | None = None,
) -> UploadResult:
    """The storing half of ``import_upload``, for a file already parsed from ``data``;
    ``min_bead_count`` is the QC bead-count limit that kit, lot and lot-file limits override."""
    _own_transactions(db)
    attempt = Attempt.of(data, parsed.file_name, user)
    try:
        if serum_treatment not in SERUM_TREATMENTS:
            raise DSAMonitorError(
                f"serum treatment {serum_treatment!r} is not one of {', '.join(SERUM_TREATMENTS)}"
            )
        with collector_paused(), write_transaction(db):
            # Checked under the write lock: the same file may have arrived meanwhile.
            first = uploads.find_stored_upload(db, attempt.sha256)
            base = {} if min_bead_count is None else {"min_bead_count": min_bead_count}
            rules = _Placing(study, strict, controls.control_pattern(control_pattern))
            if first is not None:  # the same file again: its waiting samples may place now
                completed = (
                    None
                    if not waiting_samples(first)
                    else _store(
                        db,
                        parsed,
                        attempt,
                        manifest or {},
                        qc_limits or {},
                        serum_treatment,
                        rules,
                        base,
                        into=first,
                    )
                )
                return completed or duplicate_answer(db, first, attempt, manifest, study)
            stored = _store(
                db, parsed, attempt, manifest or {}, qc_limits or {}, serum_treatment, rules, base
            )
            assert stored is not None  # only a re-sent file (``into``) may store nothing
            return stored
    except Exception as error:
        _record_rejection(db, attempt, parsed.format, error, keep_bytes=True)
        raise


def _own_transactions(db: Database) -> None:
    """An upload commits (or records its rejection) itself: it cannot join another transaction."""
    if db.conn.in_transaction:
        raise RuntimeError("import_upload must not be called inside an open transaction")


def parse(
    db: Database, data: bytes, file_name: str, *, format: str | None, options: ParseOptions | None
) -> ParsedFile:
    """Read the file with the registered lot catalogues at hand; parse errors pass unchanged."""
    from ..sab.formats import parse_file

    options = options or ParseOptions()
    if options.catalogues is None:
        options = dataclasses.replace(options, catalogues=catalogue_registry(db))
    return parse_file(data, file_name, format=format, options=options)


def _store(
    db: Database,
    parsed: ParsedFile,
    attempt: Attempt,
    manifest: Mapping[str, dt.date],
    qc_limits: Mapping[str, Mapping[str, float]],
    serum_treatment: str,
    placing: _Placing,
    base_limits: Mapping[str, float],
    *,
    into: dict | None = None,
) -> UploadResult | None:
    """Every refusal (truncated, unplaced, impossible dates, the same serum twice or with another
    recipient) is decided before the first row is written; a stored serum of the same recipient
    drawn the same day is superseded by its correction. Only the samples of enrolled recipients
    are dated, checked and stored: a control serum's missing draw date refuses nothing.

    ``into``: the upload that stored these bytes before; only its samples then listed as not
    enrolled are stored now, into it, if their recipients have been enrolled since (None when
    none has): a lab that adds a lab ID and sends the file again loses nothing.
    """
    study = placing.study
    if not parsed.samples:
        raise FileFormatError("the file holds no samples", file=attempt.file_name)
    warnings = list(parsed.warnings)
    unterminated = unterminated_warning(attempt.data, parsed.format)
    if unterminated:
        warnings.append(unterminated)
    registry = catalogue_registry(db)
    check_complete(parsed, registry)
    placement = place_samples(db, parsed, study, warnings, strict=placing.strict, control=placing.control)
    if into is not None:
        waited = now_enrolled(placement, parsed, waiting_samples(into))
        if waited is None:
            return None
        placement = waited
    strict_studies = studies_refusing_strays(db, [r for r in placement.recipients if r])
    if placement.unplaced and strict_studies and into is None:
        raise UnknownPatient(
            f"{attempt.file_name}: study {', '.join(strict_studies)} takes strict uploads:"
            " every sample must belong to an enrolled recipient; not enrolled: "
            + ", ".join(e["sample_id"] for e in placement.unplaced),
            file=attempt.file_name,
            not_stored=placement.not_stored,
        )
    recipients = [r for r in placement.recipients if r is not None]
    parsed = dataclasses.replace(
        parsed,
        samples=[s for s, r in zip(parsed.samples, placement.recipients, strict=True) if r is not None],
    )
    today = utc_today()
    dated: list[tuple[dt.date, str]] = []
    for sample in parsed.samples:
        warnings.extend(f"sample {sample.sample_id}: {warning}" for warning in sample.warnings)
        dated.append(_draw_date(sample, manifest, attempt.file_name, warnings))
        check_sample_dates(sample, *dated[-1], attempt.file_name, today)
    serums = identities(parsed, [draw_date for draw_date, _ in dated], serum_treatment)
    corrects = corrected_samples(db, parsed, serums, recipients, study)
    unused = sorted(
        set(manifest) - {s.sample_id for s in parsed.samples} - {e["sample_id"] for e in placement.not_stored}
    )
    if unused and into is None:
        warnings.append(f"the manifest names samples not in the file: {', '.join(unused)}")
    if into is not None:
        upload_id = into["id"]
        warnings.insert(
            0,
            (
                f"the same file was uploaded as upload {upload_id} ({into['file_name']}); its samples"
                f" {', '.join(s.sample_id for s in parsed.samples)}, not enrolled then, are stored"
                " now into that upload"
            ),
        )
    else:
        upload_id = uploads.create_upload(
            db,
            data=attempt.data,
            sha256=attempt.sha256,
            file_name=attempt.file_name,
            size=attempt.size,
            format=parsed.format,
            user=attempt.user,
            outcome="stored",
        )
    result = UploadResult(
        outcome="stored",
        upload_id=upload_id,
        sha256=attempt.sha256,
        file_name=attempt.file_name,
        format=parsed.format,
        warnings=warnings,
        not_stored=placement.not_stored,
    )
    panels: dict = {}  # bead panels stored by this upload: (bead IDs, specificities) -> id
    placed = zip(parsed.samples, dated, recipients, corrects, strict=True)
    for sample, (draw_date, source), recipient_id, old in placed:
        verdict = _qc(sample, registry, qc_limits, base_limits)
        sample_id = uploads.insert_sample(
            db,
            sample,
            upload_id=upload_id,
            recipient_id=recipient_id,
            draw_date=draw_date,
            draw_date_source=source,
            qc_status=verdict.status,
            qc_reasons=list(verdict.reasons),
            serum_treatment=serum_treatment,
            panels=panels,
        )
        if old is not None:
            uploads.supersede(db, old, sample_id, user=attempt.user, upload_id=upload_id)
        result.samples.append(
            StoredSample(
                sample_id=sample_id,
                lab_sample_id=sample.sample_id,
                patient_id=sample.patient_id,
                recipient_id=recipient_id,
                hla_class=sample.hla_class,
                lot=sample.lot,
                draw_date=draw_date,
                draw_date_source=source,
                qc_status=verdict.status,
                qc_reasons=list(verdict.reasons),
                excluded=verdict.status == "fail",
                beads=len(sample.beads),
                supersedes=old,
            )
        )
    summary = result.to_dict()
    if into is not None:
        result.duplicate_of = upload_id
        summary = completed_summary(into, summary)
    uploads.set_upload_summary(db, upload_id, summary)
    audit.record(
        db,
        user=attempt.user,
        action="import" if into is None else "upload_completed",
        entity="upload",
        entity_id=upload_id,
        details={
            "samples": len(result.samples),
            "superseded": result.superseded,
            "not_stored": len(result.not_stored),
        },
    )
    return result


def _draw_date(
    sample: SampleResult, manifest: Mapping[str, dt.date], file_name: str, warnings: list[str]
) -> tuple[dt.date, str]:
    """The file's draw date, else the manifest's, else the run date (said so in the result)."""
    listed = manifest.get(sample.sample_id)
    if sample.draw_date is not None:
        if listed is not None and listed != sample.draw_date:
            warnings.append(
                f"sample {sample.sample_id}: the file's draw date {sample.draw_date} is used, "
                f"the manifest says {listed}"
            )
        return sample.draw_date, "file"
    if listed is not None:
        return listed, "manifest"
    if sample.run_date is not None:
        warnings.append(
            f"sample {sample.sample_id}: no draw date in the file or manifest; the run date "
            f"{sample.run_date} is used"
        )
        return sample.run_date, "run_date"
    raise FileFormatError(
        f"sample {sample.sample_id!r} has neither a draw date nor a run date",
        file=file_name,
        line=sample.line,
        expected="a draw date in a manifest",
    )


def _qc(
    sample: SampleResult,
    registry,
    qc_limits: Mapping[str, Mapping[str, float]],
    base_limits: Mapping[str, float],
):
    """Control-bead QC, limits layered: the upload's own (``ParseOptions.min_bead_count``) < kit
    < lot < registered catalogue < the file's own (.eds)."""
    from ..sab.qc import evaluate_qc

    limits: dict[str, float] = dict(base_limits)
    for key in (sample.kit, sample.lot):
        if key and key in qc_limits:
            limits.update(qc_limits[key])
    catalogue = registry.get(sample.lot) if sample.lot else None
    if catalogue is not None:
        limits.update(catalogue.qc_limits)
    return evaluate_qc(sample, limits)


def _record_rejection(
    db: Database, attempt: Attempt, format: str | None, error: Exception, *, keep_bytes: bool
) -> None:
    """Keep a rejected upload and its reason in a transaction of its own, so the lab can see why."""
    details = (
        error.to_dict()
        if isinstance(error, DSAMonitorError)
        else {
            "code": "internal_error",
            "message": f"{type(error).__name__}: {error}",
            "details": {},
        }
    )
    try:
        with write_transaction(db):
            uploads.create_upload(
                db,
                data=attempt.data if keep_bytes else None,
                sha256=attempt.sha256,
                file_name=attempt.file_name,
                size=attempt.size,
                format=format,
                user=attempt.user,
                outcome="rejected",
                error=details,
            )
    except Exception:  # the original error matters more than the record of it
        log.exception("could not record the rejected upload %s", attempt.file_name)

"""A recipient's DSA as the scheduler last evaluated them: per exposure and donor, each DSA over time.

Why stored evaluations and not an evaluation on request: evaluating stores the result and the
change facts alerts are made of; a GET that evaluated without recording the facts would swallow
alerts, and one that recorded them would send e-mails from a read. So the answer is what
``evaluate_pending`` (``dsa-monitor scheduler``) stored, and ``pending`` says, from the store's
watermark, whether a sample, typing or exposure of this recipient has arrived since: a trial system
that needs the fresh result polls again after the next scheduler run (or runs it).
"""

from __future__ import annotations

import marshmallow as ma
from flask import current_app

from .. import store
from ..config import settings_of
from ..readings.dsa_eplets import with_candidate_eplets
from ..readings.eplet_table import active_table
from ..readings.pending import is_pending
from ..store.dsa_reading import dsa_reading
from .eplets import DSAEpletsSchema
from .mfi import MFI, MFIPayload
from .routing import operation
from .studies import visible_recipient

# ---- schemas ---------------------------------------------------------------------------------


class ClassDSAMFISchema(ma.Schema):
    """One HLA class of a serum: its immunodominant DSA and the sum of DSA MFI (each DSA once,
    at its highest value among the serum's runs of the class)."""

    hla_class = ma.fields.String(required=True)
    immunodominant_dsa = ma.fields.String(required=True, allow_none=True)
    immunodominant_mfi = MFI(required=True)
    sum_mfi = MFI(required=True)


class SelfBeadSchema(ma.Schema):
    """A positive bead whose donor antigen the recipient shares: flagged, never a DSA."""

    target = ma.fields.String(
        required=True, allow_none=True, metadata={"description": "the donor's typed name it matches"}
    )
    bead_id = ma.fields.String(required=True)
    specificity = ma.fields.String(required=True)
    antigen = ma.fields.String(required=True, allow_none=True)
    mfi = MFI(required=True)
    reason = ma.fields.String(required=True, metadata={"description": '"self: shared with the recipient"'})
    sample_id = ma.fields.Integer(required=True)
    hla_class = ma.fields.String(required=True, allow_none=True)


class VisitResultSchema(ma.Schema):
    """One serum of the exposure: its visit and day, and why it was left out, if it was."""

    serum = ma.fields.String(required=True)
    date = ma.fields.String(required=True, metadata={"format": "date"})
    visit = ma.fields.String(required=True)
    timing = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "'late' (or 'early'): counted at its visit outside the window, assigned"
            " by a person (PUT .../sera/{sample_id}/visit)"
        },
    )
    day = ma.fields.Integer(required=True, metadata={"description": "days after the exposure"})
    sample_ids = ma.fields.List(ma.fields.Integer(), required=True)
    excluded_reason = ma.fields.String(required=True, allow_none=True)
    immunodominant_mfi = MFI(
        required=True,
        allow_none=True,
        metadata={"description": "the highest DSA MFI over both classes (see by_class)"},
    )
    sum_mfi = MFI(
        required=True,
        allow_none=True,
        metadata={"description": "the sum of DSA MFI over both classes, each DSA once (see by_class)"},
    )
    by_class = ma.fields.List(
        ma.fields.Nested(ClassDSAMFISchema),
        required=True,
        metadata={
            "description": "per HLA class with a usable run (DSA_RULES.md §3); empty for sera"
            " evaluated before the classes were kept apart"
        },
    )
    self_beads = ma.fields.List(ma.fields.Nested(SelfBeadSchema), required=True)
    notes = ma.fields.List(
        ma.fields.String(),
        required=True,
        metadata={"description": "a class run left out, or read on raw MFI only (raw − NC bead)"},
    )


class DSAStateSchema(ma.Schema):
    """One DSA at one usable serum."""

    serum = ma.fields.String(required=True)
    date = ma.fields.String(required=True, metadata={"format": "date"})
    visit = ma.fields.String(required=True)
    sample_id = ma.fields.Integer(required=True, allow_none=True)
    mfi = MFI(required=True)
    value_kind = ma.fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "normalized, bcm, raw_minus_nc (raw − NC bead: the file gave raw only) or raw"
        },
    )
    positive = ma.fields.Boolean(required=True)
    strength = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={"description": "preformed, de novo, ..."})
    rising = ma.fields.Boolean(required=True)
    consecutive = ma.fields.Integer(required=True)
    previous_mfi = MFI(required=True, allow_none=True)
    assay_changed = ma.fields.Boolean(required=True)
    assay = ma.fields.String(
        required=True, allow_none=True, metadata={"description": "vendor, kit and lot of this value"}
    )
    previous_assay = ma.fields.String(required=True, allow_none=True)
    beads = ma.fields.List(
        MFIPayload(), required=True, metadata={"description": "the beads carrying the antigen, with MFI"}
    )
    warnings = ma.fields.List(ma.fields.String(), required=True)
    earlier_serum_date = ma.fields.String(
        allow_none=True,
        metadata={
            "format": "date",
            "description": "preformed, earlier serum: the latest serum drawn before"
            " the exposure, outside the baseline, where it was positive",
        },
    )


class DSASchema(ma.Schema):
    """One donor-specific antibody: what it is against, and its state at each serum."""

    antigen = ma.fields.String(required=True)
    hla_class = ma.fields.String(required=True, allow_none=True)
    level = ma.fields.String(required=True, allow_none=True)
    chain = ma.fields.String(required=True, allow_none=True)
    origin = ma.fields.String(
        required=True, allow_none=True, metadata={"description": "preformed, de novo, ..."}
    )
    earlier_serum_date = ma.fields.String(
        required=True,
        allow_none=True,
        metadata={
            "format": "date",
            "description": "set when preformed by a serum before the exposure that"
            ' is not the baseline ("preformed, earlier serum")',
        },
    )
    warnings = ma.fields.List(
        ma.fields.String(),
        required=True,
        metadata={
            "description": "what limits the call, from every serum where it was positive (an untyped"
            " alpha chain, an ambiguous donor typing, an allele-specific antibody...)"
        },
    )
    states = ma.fields.List(ma.fields.Nested(DSAStateSchema), required=True)
    eplets = ma.fields.Nested(
        DSAEpletsSchema,
        required=True,
        allow_none=True,
        metadata={
            "description": "candidate target eplets at the DSA's latest positive serum, with the"
            " active eplet table; null when no eplet table is installed"
        },
    )


class DonorDSASchema(ma.Schema):
    """One donor of one exposure, evaluated under the rules it names."""

    evaluation_id = ma.fields.Integer(required=True)
    exposure_id = ma.fields.Integer(required=True)
    exposure_date = ma.fields.String(required=True, metadata={"format": "date"})
    donor_id = ma.fields.Integer(required=True)
    donor_code = ma.fields.String(required=True)
    as_of = ma.fields.String(required=True, allow_none=True, metadata={"format": "date"})
    reference_release = ma.fields.String(required=True)
    rules = ma.fields.Dict(required=True, metadata={"description": "the rules used"})
    baseline_serum = ma.fields.String(required=True, allow_none=True)
    summary = ma.fields.Dict(required=True)
    overdue = ma.fields.List(ma.fields.Dict(), required=True)
    notes = ma.fields.List(ma.fields.String(), required=True)
    visits = ma.fields.List(ma.fields.Nested(VisitResultSchema), required=True)
    dsa = ma.fields.List(ma.fields.Nested(DSASchema), required=True)
    eplet_table = ma.fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "the active eplet table version the DSA's eplets were read with; null"
            " when none is installed (`dsa-monitor reference install-eplets`)"
        },
    )


class RecipientDSASchema(ma.Schema):
    recipient_id = ma.fields.Integer(required=True)
    subject_code = ma.fields.String(required=True)
    study = ma.fields.String(required=True)
    pending = ma.fields.Boolean(
        required=True,
        metadata={
            "description": "new samples, typings or exposures await the scheduler's next evaluation,"
            " or its last run failed on this recipient (retried by the next)"
        },
    )
    evaluations = ma.fields.List(ma.fields.Nested(DonorDSASchema), required=True)


# ---- views -----------------------------------------------------------------------------------


@operation(
    "/recipients/<int:recipient_id>/dsa",
    "GET",
    summary="The recipient's DSA per exposure and donor, as last evaluated",
    permission="read",
    tag="dsa",
    responses={200: RecipientDSASchema},
    errors=(404,),
)
def get_recipient_dsa(recipient_id: int):
    recipient = visible_recipient(recipient_id)
    db = store.get_db()
    evaluations = dsa_reading(db, recipient_id)  # as stored: no evaluation rebuilt per request
    table = active_table(settings_of(current_app).reference_dir)
    with_candidate_eplets(db, table, recipient_id, evaluations)  # read time, cached
    return {
        "recipient_id": recipient_id,
        "subject_code": recipient["subject_code"],
        "study": recipient["study_code"],
        "pending": is_pending(db, recipient_id),
        "evaluations": evaluations,
    }, 200

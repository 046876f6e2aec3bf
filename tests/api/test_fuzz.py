"""Schemathesis drives every operation from the API's own OpenAPI document with every check it has
(``--checks all``), as an admin and as a lab token of one study (issue 16): no 5xx, every answer
as documented (status, content type, schema, headers), schema-invalid input refused, and
schema-valid input accepted, except where a rule the schema cannot state refused it.

Those rules are listed below, each with its reason, by the operation and the error code (for a
422 ``validation_error``, the field) that refuses them; each is said in its parameter's
description. Any other 422 of a schema-valid request fails: the rule belongs in the document.

``DSA_FUZZ_EXAMPLES=500 pytest tests/api/test_fuzz.py`` runs a longer search by hand.
"""

import itertools
import os

import schemathesis
from api_world import make_world
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import positive_data_acceptance

from dsa_monitor import store
from dsa_monitor.api.spec import build_spec
from dsa_monitor.app import create_app
from dsa_monitor.store import tokens

# The document the app serves at /api/v1/openapi.json (test_openapi checks they are the same);
# each operation then runs against a fresh app (fixtures) through WSGI, no network.
schema = schemathesis.openapi.from_dict(build_spec())
EXAMPLES = int(os.environ.get("DSA_FUZZ_EXAMPLES", "20"))

_FILE = "which bytes are a readable lab export (layout, encoding, lot) is known only on reading"
_NAMES = "which HLA names and loci exist is the installed IPD-IMGT/HLA release's to say"
_TYPING = {
    ("invalid_hla_name", None): _NAMES,
    ("validation_error", "loci"): "a locus key of 1 to 10 characters: OpenAPI 3.0 has no"
    " propertyNames to bound a map's keys",
    ("reference_data", None): _NAMES,
}
# (operation, error code, field of a validation_error) -> why the document cannot state the rule.
UNEXPRESSED: dict[tuple[str, str, str | None], str] = {
    **{
        ("POST /uploads", code, None): _FILE
        for code in ("file_format", "unknown_lot", "unknown_encoding", "reference_data")
    },
    ("POST /enrolments", "enrolment_refused", None): "a CSV's rows are checked against the study's"
    " recipients and the HLA release on reading",
    ("POST /enrolments", "file_format", None): _FILE,
    **{
        (op, "invalid_rules", None): "visit names unique within a schedule: JSON Schema's"
        " uniqueItems compares whole visits, not their names"
        for op in ("POST /studies", "PATCH /studies/{code}")
    },
    ("PATCH /studies/{code}", "validation_error", "control_pattern"): "that a regular expression compiles",
    ("POST /exposures", "implausible_date", None): "a date at most a year after today: the end"
    " moves with the calendar",
    **{
        (f"{method} /{owner}/{{{owner[:-1]}_id}}/typing", code, field): why
        for method in ("PUT", "PATCH")
        for owner in ("recipients", "donors")
        for (code, field), why in _TYPING.items()
    },
}


def _refused_by(response) -> set[tuple[str, str | None]]:
    """The (error code, field) pairs a 422 answer names: a validation error's fields, else None."""
    error = response.json().get("error", {})
    if error.get("code") == "validation_error":
        return {(error["code"], field) for field in error.get("details", {})}
    return {(error.get("code"), None)}


def schema_valid_input_is_accepted(ctx, response, case):
    """``positive_data_acceptance``, but a 422 for a rule listed in ``UNEXPRESSED`` passes."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        label = case.operation.label
        if response.status_code == 422 and all(
            (label, code, field) in UNEXPRESSED for code, field in _refused_by(response)
        ):
            return None
        raise


load_all_checks()
CHECKED = [c for c in CHECKS.get_all() if c is not positive_data_acceptance]


def call(case, app, headers):
    case.operation.schema.app = case.operation.app = app  # this test's fresh app
    case.call_and_validate(
        headers=headers, checks=CHECKED, additional_checks=[schema_valid_input_is_accepted]
    )


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms_to_the_document(case, app, world, admin):
    call(case, app, admin)


@schema.parametrize()
@settings(max_examples=max(EXAMPLES // 3, 5), deadline=None, suppress_health_check=list(HealthCheck))
def test_a_lab_token_of_one_study_meets_the_document_too(case, app, world, token):
    call(case, app, token("lab", study="KIDNEY-02"))


# ---- sequences -------------------------------------------------------------------------------
# The stateful phase chains operations by the document's links and the links schemathesis infers
# (from response schemas, parameter names and Location headers), with every check, as the
# auditors' default run does. Each scenario starts on a fresh database so that one scenario's
# data never makes another's answers differ (hypothesis would call that flaky).

STATEFUL_SCENARIOS = int(os.environ.get("DSA_FUZZ_SCENARIOS", "12"))
# Sequences of valid requests: schema-invalid input is the stateless tests' (above); a negative
# case here would be one without its Authorization header, which the scenario's token then fills.
sequences = schemathesis.openapi.from_dict(build_spec())
sequences.config.generation.update(modes=[GenerationMode.POSITIVE])


def test_sequences_of_operations_meet_the_document(tmp_path_factory, monkeypatch):
    for key in list(os.environ):
        if key.startswith("DSA_MONITOR_"):
            monkeypatch.delenv(key)
    counter = itertools.count()
    answered: list[tuple[str, int]] = []

    class Scenario(sequences.as_state_machine()):
        def setup(self):
            folder = tmp_path_factory.mktemp(f"scenario{next(counter)}")
            self.app = create_app(
                {
                    "TESTING": True,
                    "DATABASE": str(folder / "db.sqlite3"),
                    "REFERENCE_DIR": str(folder / "reference"),
                }
            )
            db = store.open_database(self.app.config["DATABASE"])
            try:
                make_world(db)
                _, secret = tokens.create_token(db, "fuzz-admin", "admin", user="test")
            finally:
                db.close()
            self.headers = {"Authorization": f"Bearer {secret}"}

        def before_call(self, case):
            case.operation.schema.app = case.operation.app = self.app

        def get_call_kwargs(self, case):
            return {"headers": self.headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            answered.append((case.operation.label, response.status_code))
            case.validate_response(
                response,
                checks=CHECKED,
                headers=self.headers,
                additional_checks=[schema_valid_input_is_accepted],
                transport_kwargs=kwargs or None,
            )

    Scenario.run(
        settings=settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    chained = {label for label, status in answered if "{" in label and status < 300}
    print(
        f"stateful: {len(answered)} calls, {len(chained)} operations reached on a created or"
        f" linked resource: {sorted(chained)}"
    )
    assert chained, "no sequence reached an operation on a resource another step gave"

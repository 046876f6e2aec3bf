"""Schemathesis drives every operation from the API's own OpenAPI document with an admin token:
no 5xx, and every answer conforms to the document (status, content type, schema)."""

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from dsa_monitor.api.spec import build_spec

# The document the app serves at /api/v1/openapi.json (test_openapi checks they are the same);
# each operation then runs against a fresh app (fixtures) through WSGI, no network.
schema = schemathesis.openapi.from_dict(build_spec())

# Not checked: "schema-valid input is accepted". A schema cannot say which bytes are a readable
# lab file or which text is an allele of the release, so such input is rightly a 422.
EXCLUDED = [positive_data_acceptance]


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms_to_the_document(case, app, world, admin):
    case.operation.schema.app = case.operation.app = app  # this test's fresh app
    case.call_and_validate(headers=admin, excluded_checks=EXCLUDED)


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_a_lab_token_of_one_study_meets_no_server_error_either(case, app, world, token):
    case.operation.schema.app = case.operation.app = app
    case.call_and_validate(headers=token("lab", study="KIDNEY-02"), excluded_checks=EXCLUDED)

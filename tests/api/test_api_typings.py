"""Typings: given as a GL String or per locus, answered as interpreted, versioned, with history."""

import pytest
from reference_paths import IMGT_358, need_shared

from dsa_monitor import store
from dsa_monitor.api import PREFIX as API
from dsa_monitor.reference import install


def entries(answer, locus):
    """(names, antigens) of each copy of a locus in an answer."""
    return [(e["names"], e["antigens"]) for e in answer["typing"]["loci"][locus]]


def test_a_gl_string_is_answered_with_canonical_names_antigens_and_release(client, admin, world):
    body = {"gl_string": "HLA-A*02:01+HLA-A*24:02^HLA-B*44:02+HLA-B*07:02"}
    response = client.put(f"{API}/recipients/{world['R001']}/typing", json=body, headers=admin)
    assert response.status_code == 200
    answer = response.get_json()
    assert (answer["owner_kind"], answer["version"], answer["gl_string"]) == (
        "recipient",
        1,
        body["gl_string"],
    )
    assert answer["reference_release"] == "embedded"
    assert entries(answer, "A") == [(["A*02:01"], ["A2"]), (["A*24:02"], ["A24"])]
    assert entries(answer, "B") == [(["B*44:02"], ["B44"]), (["B*07:02"], ["B7"])]
    assert answer["typing"]["source"] == "gl_string"


@pytest.mark.parametrize(
    "loci, locus, expected, homozygous",
    [
        ({"A": ["A*02:01", "A*24:02"]}, "A", [(["A*02:01"], ["A2"]), (["A*24:02"], ["A24"])], []),
        ({"A": ["A*02:01"]}, "A", [(["A*02:01"], ["A2"])] * 2, ["A"]),  # once: homozygous
        ({"HLA-B": ["B44", "b7"]}, "B", [(["B44"], ["B44"]), (["B7"], ["B7"])], []),
        ({"DRB1": ["DR15", "DR52"]}, "DRB3", [(["DR52"], ["DR52"])], ["DRB1"]),
        (
            {"A": ["A*02:01/A*02:02", "A*02:XX"]},
            "A",
            [(["A*02:01", "A*02:02"], ["A2"]), (["A*02:XX"], ["A2"])],
            [],
        ),
    ],
)
def test_a_typing_per_locus_is_read_as_the_lab_wrote_it(
    client, admin, world, loci, locus, expected, homozygous
):
    response = client.put(f"{API}/donors/{world['CBU-1']}/typing", json={"loci": loci}, headers=admin)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert entries(answer, locus) == expected
    assert answer["typing"]["homozygous"] == homozygous


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "_schema"),
        ({"gl_string": "HLA-A*02:01", "loci": {"A": ["A*02:01"]}}, "_schema"),
        ({"gl_string": ""}, "gl_string"),
        ({"loci": {"A": "A*02:01"}}, "loci"),
        ({"loci": {}}, "loci"),
    ],
)
def test_a_typing_body_of_the_wrong_shape_is_a_422(client, admin, world, body, field):
    response = client.put(f"{API}/donors/{world['CBU-1']}/typing", json=body, headers=admin)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]


@pytest.mark.parametrize(
    "body, offending",
    [
        ({"gl_string": "HLA-A*02:01+HLA-A*24:02+HLA-A*01:01"}, "HLA-A*02:01+HLA-A*24:02+HLA-A*01:01"),
        ({"gl_string": "HLA-Q*01:01"}, None),
        ({"loci": {"A": ["B*07:02"]}}, "B*07:02"),
        ({"loci": {"A": ["A*02:01", "A*24:02", "A*01:01"]}}, "A"),
        ({"loci": {"XYZ": ["A*02:01"]}}, "XYZ"),
        ({"loci": {"A": ["A*02:01+A*24:02"]}}, "A*02:01+A*24:02"),
    ],
)
def test_an_invalid_hla_name_is_a_422_naming_it(client, admin, world, db, body, offending):
    response = client.put(f"{API}/donors/{world['CBU-1']}/typing", json=body, headers=admin)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid_hla_name"
    if offending is not None:
        assert error["details"]["token"] == offending
    assert store.typing_history(db, "donor", world["CBU-1"]) == []


def test_a_changed_typing_is_a_new_version_and_the_history_keeps_both(client, admin, world, db):
    path = f"{API}/recipients/{world['R002']}/typing"
    assert client.get(path, headers=admin).status_code == 404  # never typed
    first = client.put(path, json={"loci": {"A": ["A2", "A24"]}}, headers=admin).get_json()
    same = client.put(path, json={"loci": {"A": ["A2", "A24"]}}, headers=admin).get_json()
    second = client.put(path, json={"gl_string": "HLA-A*02:01+HLA-A*24:02"}, headers=admin).get_json()
    assert (first["version"], same["version"], second["version"]) == (1, 1, 2)
    assert first["gl_string"] is None  # antigens have no GL String form
    assert client.get(path, headers=admin).get_json() == second
    history = client.get(f"{path}/history", headers=admin).get_json()["typings"]
    assert history == [first, second]
    audit = store.list_audit(db, entity="recipient", entity_id=world["R002"])
    assert [(a["action"], a["user"]) for a in audit if a["action"] == "set_typing"] == [
        ("set_typing", "admin-all-0")
    ] * 2


@pytest.mark.parametrize(
    "path", ["/recipients/999/typing", "/donors/999/typing", "/donors/999/typing/history"]
)
def test_the_typing_of_an_unknown_owner_is_a_404(client, admin, world, path):
    assert client.get(f"{API}{path}", headers=admin).status_code == 404
    response = client.put(
        f"{API}{path.removesuffix('/history')}", json={"gl_string": "HLA-A*02:01"}, headers=admin
    )
    assert response.status_code == 404


def test_with_an_installed_release_alleles_are_checked_and_the_release_named(app, client, admin, world):
    install.install(app.config["REFERENCE_DIR"], "3.58.0", str(need_shared(IMGT_358)))
    path = f"{API}/donors/{world['CBU-1']}/typing"
    good = client.put(path, json={"loci": {"B": ["B*44:02:01:01", "B*07:02"]}}, headers=admin)
    assert good.status_code == 200
    assert good.get_json()["reference_release"] == "3.58.0"
    assert entries(good.get_json(), "B") == [(["B*44:02:01:01"], ["B44"]), (["B*07:02"], ["B7"])]
    bad = client.put(path, json={"loci": {"A": ["A*99:99"]}}, headers=admin)
    assert bad.status_code == 422
    assert bad.get_json()["error"]["message"] == '"A*99:99": no such allele in IPD-IMGT/HLA 3.58.0'


def _typed_loci(answer):
    return {locus: [e["names"] for e in entries] for locus, entries in answer["typing"]["loci"].items()}


def test_a_put_leaving_out_typed_loci_is_refused_unless_said(client, admin, world, db):
    path = f"{API}/donors/{world['CBU-1']}/typing"
    first = client.put(
        path,
        json={"gl_string": "HLA-A*02:01+HLA-A*24:02^HLA-B*44:02+HLA-B*07:02^HLA-DRB1*15:01+HLA-DRB1*04:01"},
        headers=admin,
    )
    assert first.status_code == 200
    only_b = client.put(path, json={"loci": {"B": ["B*44:03", "B*07:02"]}}, headers=admin)
    assert only_b.status_code == 409
    error = only_b.get_json()["error"]
    assert error["details"]["loci"] == ["A", "DRB1"] and "PATCH" in error["message"]
    assert len(store.typing_history(db, "donor", world["CBU-1"])) == 1  # nothing stored
    said = client.put(
        path, json={"loci": {"B": ["B*44:03", "B*07:02"]}, "remove_loci": ["A", "DRB1"]}, headers=admin
    )
    assert said.status_code == 200 and list(_typed_loci(said.get_json())) == ["B"]


def test_a_patch_changes_the_loci_given_and_keeps_the_others(client, admin, world, db):
    path = f"{API}/donors/{world['CBU-1']}/typing"
    client.put(
        path,
        json={"loci": {"A": ["A*02:01", "A*24:02"], "B": ["B44", "Bw4"], "DRB1": ["DR15", "DR52"]}},
        headers=admin,
    )
    patched = client.patch(path, json={"loci": {"HLA-B": ["B*44:02", "B*07:02"]}}, headers=admin)
    assert patched.status_code == 200, patched.get_json()
    answer = patched.get_json()
    assert answer["version"] == 2
    assert _typed_loci(answer) == {
        "A": [["A*02:01"], ["A*24:02"]],
        "B": [["B*44:02"], ["B*07:02"]],
        "DRB1": [["DR15"]] * 2,
        "DRB3": [["DR52"]],
    }
    assert answer["typing"]["public_epitopes"] == []  # Bw4 went with the B it was typed with
    kept = client.patch(path, json={"loci": {"DQB1": ["DQB1*06:02"]}}, headers=admin).get_json()
    assert _typed_loci(kept)["B"] == [["B*44:02"], ["B*07:02"]] and kept["version"] == 3
    assert client.patch(path, json={"loci": {"A": []}}, headers=admin).status_code == 422
    untyped = f"{API}/donors/{world['LD-3']}/typing"
    assert client.patch(untyped, json={"loci": {"A": ["A2"]}}, headers=admin).status_code == 404


def test_a_typing_with_no_typed_locus_is_a_422(client, admin, world, db):
    response = client.put(f"{API}/donors/{world['LD-3']}/typing", json={"loci": {"A": []}}, headers=admin)
    assert response.status_code == 422
    assert store.typing_history(db, "donor", world["LD-3"]) == []

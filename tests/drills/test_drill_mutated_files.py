"""Drill: vendor files mutated with a fixed seed, uploaded through the API: no 5xx (issue 16).

Each mutation is one a real file can suffer or an attacker can try: a number made huge, negative,
NaN or infinite; a line break, NUL, C1 control, quote or delimiter inserted; a slice deleted, a
line repeated, the file cut; an encoding field holding a NUL. Every answer must be a located 4xx
or a success: a 500 is a defect, counted and printed. A refusal about one cell (it quotes a value
standing whole among the cells of the line it names) names that cell's column too.
"""

import io
import random
import re
from collections import Counter

import pytest
from reference_paths import TEST_DATA

from dsa_monitor import store
from dsa_monitor.api import PREFIX as API
from dsa_monitor.store import tokens

SEED, MUTANTS = 16, 240
GENERIC = "sample_id,patient_id,draw_date,lot,bead_id,specificity,raw_mfi,count\n" + "".join(
    f"S-{s},P-17,2024-03-0{s},L1,{b},A*0{b}:01,{b * 321}.5,{90 + b}\n" for s in (1, 2) for b in range(1, 4)
)
SOURCES = {
    path.name: path.read_text(encoding="utf-8")
    for path in (
        TEST_DATA / "ingest" / "fusion_two_samples.csv",
        TEST_DATA / "matchit" / "class1_padded.csv",
        TEST_DATA / "haml" / "two_panels.xml",
        TEST_DATA / "fusion" / "class1_semicolon_decimal_comma.csv",
    )
} | {"generic.csv": GENERIC}
# The lab IDs these files name, so that mutants reach placement, QC and storage too.
LAB_IDS = ["P-17", "R002", "P-0042", "P0001", "P0002", "26s00101", "26s00102"]
NUMBERS = (
    "12345678901234567890",
    "-1",
    "nan",
    "inf",
    "-inf",
    "1e999",
    "",
    "1,5,5",
    "٣٤",
    "99999999999999999999999999999.5",
    "0x1F",
    "+7",
)
INSERTS = ("\n", "\r", "\x00", "\x85", '"', ";", ",", "\ufeff", "\u2028", "\t", "&#10;", "<")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
# What separates cells: CSV delimiters, and the angle brackets around an XML element's text.
_CELL_EDGES = re.compile(r"[,;\t<>]")


def mutate(text: str, rng: random.Random) -> str:
    if not text:
        return rng.choice(INSERTS)
    kind = rng.randrange(6)
    spans = [m.span() for m in _NUMBER.finditer(text)]
    if kind == 0 and spans:
        start, end = rng.choice(spans)
        return text[:start] + rng.choice(NUMBERS) + text[end:]
    at = rng.randrange(len(text))
    if kind == 1:
        return text[:at] + rng.choice(INSERTS) + text[at:]
    if kind == 2:
        return text[:at] + text[at + rng.randrange(1, 40) :]
    if kind == 3:
        lines = text.splitlines(keepends=True)
        line = rng.randrange(len(lines))
        return "".join(lines[: line + 1] + lines[line:])
    if kind == 4:
        return text[:at]
    lines = text.splitlines(keepends=True)  # a sample's line moved among another's
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return "".join(lines)


def about_one_cell(text: str, details: dict) -> bool:
    """True for a refusal quoting a value that stands whole among the cells of its line: an
    error in one cell. A header or a row as a whole quoted is not one cell."""
    value, line = details.get("value"), details.get("line")
    lines = text.split("\n")
    if value is None or not isinstance(line, int) or not 0 < line <= len(lines):
        return False
    cells = {cell.strip().strip('"').strip() for cell in _CELL_EDGES.split(lines[line - 1])}
    return str(value).strip() in cells


@pytest.fixture
def lab(app):
    db = store.open_database(app.config["DATABASE"])
    store.create_study(db, "CORD-01", title="Cord blood", user="drill")
    for n, lab_id in enumerate(LAB_IDS):
        store.create_recipient(db, "CORD-01", f"R{n}", lab_ids=[lab_id], user="drill")
    _, secret = tokens.create_token(db, "drill-lab", "lab", user="drill")
    db.close()
    return {"Authorization": f"Bearer {secret}"}


def test_drill_mutated_vendor_files_never_get_a_server_error(client, lab, capsys):
    rng = random.Random(SEED)
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    cells: Counter[bool] = Counter()  # cell-level refusals: named their column or not
    unnamed: list[dict] = []
    for n in range(MUTANTS):
        name = rng.choice(sorted(SOURCES))
        text = mutate(mutate(SOURCES[name], rng), rng) if n >= len(SOURCES) else SOURCES[name]
        form = {"file": (io.BytesIO(text.encode("utf-8")), f"m{n}-{name}")}
        if rng.random() < 0.05:
            form["encoding"] = rng.choice(("utf\x00-8", "base64", "cp1252", "utf-16"))
        response = client.post(f"{API}/uploads", data=form, headers=lab, content_type="multipart/form-data")
        statuses[response.status_code] += 1
        if response.status_code >= 500:
            errors.append(f"mutant {n} of {name}: {response.get_json()}")
        details = (response.get_json() or {}).get("error", {}).get("details", {})
        if response.status_code == 422 and about_one_cell(text, details):
            cells["column" in details] += 1
            if "column" not in details:
                unnamed.append(response.get_json()["error"])
    server_errors = sum(count for status, count in statuses.items() if status >= 500)
    with capsys.disabled():
        print(
            f"\ndrill mutated files (seed {SEED}): {MUTANTS} uploads, statuses"
            f" {dict(sorted(statuses.items()))}, 5xx = {server_errors}; cell-level refusals"
            f" {cells.total()}, without their column = {cells[False]}"
        )
    assert server_errors == 0, errors[:5]
    assert cells[True] >= 10  # the mutants do reach cells
    assert cells[False] == 0, unnamed[:5]

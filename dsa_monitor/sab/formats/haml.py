"""HAML (HLA Antibody Markup Language) 0.4.x input: how other tools hand us SAB results.

Reads the element layout of the 0.4.4 schema (``patient/sample/assay/working-sample/
solid-phase-panel/bead``), namespace or not, and the older attribute layout written by the IHIW
converters (``patient-antibody-assessment/solid-phase-panel/bead[@raw-MFI]``). Patient names are
identifying data the service does not need: no name element or attribute is read.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from ...errors import InvalidHLAName
from ..checks import expected_value, identifier_problem, value_problem
from ..dates import read_dates
from ..lots import kit_from_lot
from ..model import BeadResult, ParsedFile, ParseOptions, SampleResult
from ..specificity import parse_specificity, specificity_class
from ..xmldoc import XMLDocument, child, child_text, children, local_name, parse_xml

_HAML_ROOT = re.compile(r"^\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<(?:[\w.-]+:)?haml[\s>/]", re.DOTALL)
_PLAUSIBLE_ID = re.compile(r"^[A-Za-z0-9_-]{1,12}$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}")
_CONTROL_TYPES = {"negative": "NC", "positive": "PC"}
_ALPHA_BETA = {"DQA1": "DQB1", "DPA1": "DPB1"}
# Where each field is read, named in refusals (``sab.checks``): elements of the 0.4 layout, and
# the attributes of the IHIW converters' layout.
ELEMENTS = {
    "sample_id": "sample-id",
    "patient_id": "patient-id",
    "lot": "lot-number",
    "kit": "catalog-number",
    "raw_mfi": "sample-raw-MFI",
    "normalized_mfi": "sample-adjusted-MFI",
    "count": "bead-count",
}
ATTRIBUTES = {"sample_id": "sampleID", "patient_id": "patientID", "lot": "lot", "raw_mfi": "raw-MFI"}


@dataclass(slots=True)
class _Dates:
    """Date cells waiting for one file-wide reading (their order may hang on another date)."""

    cells: dict[str, list[tuple[int, str, SampleResult]]] = field(default_factory=dict)

    def add(self, column: str, line: int | None, text: str | None, sample: SampleResult) -> None:
        if text:
            self.cells.setdefault(column, []).append((line or 0, text, sample))


def sniff(text: str) -> bool:
    """True for an XML document whose root element is ``haml``."""
    return bool(_HAML_ROOT.match(text.lstrip("\ufeff")[:4000]))


def parse(text: str, file_name: str, options: ParseOptions) -> ParsedFile:
    """Every solid-phase panel of every sample as one ``SampleResult``."""
    doc = parse_xml(text, file_name)
    if local_name(doc.root.tag) != "haml":
        raise doc.error(
            "not a HAML document", doc.root, value=local_name(doc.root.tag), expected="root element <haml>"
        )
    parsed = ParsedFile(format="haml", file_name=file_name)
    version = doc.root.get("version")
    if version and not version.startswith("0.4"):
        parsed.warnings.append(f"HAML version {version}: read with the 0.4 layout")
    parsed.columns.update(ELEMENTS)
    dates = _Dates()
    for patient in children(doc.root, "patient"):
        patient_id = _identifier(_id_text(doc, patient, "patient-id"))
        for sample in children(patient, "sample"):
            _read_sample(doc, sample, patient_id, parsed, dates)
    for assessment in children(doc.root, "patient-antibody-assessment"):
        parsed.columns.update(ATTRIBUTES)
        _read_assessment(doc, assessment, parsed, dates)
    if not parsed.samples:
        if version and not version.startswith("0.4"):
            raise doc.error(
                f"HAML version {version} is not read by this service",
                doc.root,
                value=version,
                expected="HAML 0.4.x",
            )
        raise doc.error("HAML document holds no solid-phase panel with beads", doc.root)
    _resolve_dates(dates, file_name, options)
    return parsed


def _read_sample(
    doc: XMLDocument, sample: ET.Element, patient_id: str | None, parsed: ParsedFile, dates: _Dates
) -> None:
    sample_id = _id_text(doc, sample, "sample-id")
    for assay in children(sample, "assay"):
        results: list[SampleResult] = []
        for working in children(assay, "working-sample"):
            for panel in children(working, "solid-phase-panel"):
                result = SampleResult(
                    sample_id=sample_id or _id_text(doc, working, "working-sample-id") or "",
                    patient_id=patient_id,
                    line=doc.line(panel),
                )
                if not result.sample_id:
                    raise doc.error("sample without a sample-id", sample, column="sample-id")
                dates.add("sample-date", doc.line(sample), child_text(sample, "sample-date"), result)
                dates.add("assay-date", doc.line(assay), child_text(assay, "assay-date"), result)
                _panel(
                    result,
                    child_text(panel, "kit-manufacturer"),
                    _id_text(doc, panel, "lot-number"),
                    _id_text(doc, panel, "catalog-number"),
                )
                beads = [_bead(doc, bead) for bead in children(panel, "bead")]
                _finish(doc, panel, result, beads)
                results.append(result)
        interpretation = child(assay, "interpretation")
        rejected = child_text(interpretation, "reject-assay") if interpretation is not None else None
        if (rejected or "").strip().lower() in {"true", "1"}:  # xs:boolean
            assert interpretation is not None
            reason = child_text(interpretation, "reject-reason")
            for result in results:
                result.rejected_by_lab, result.rejection_reason = "HAML reject-assay", reason
                result.warnings.append(
                    f"the sending laboratory rejected this assay: {reason or 'no reason given'}"
                )
        parsed.samples.extend(results)


def _read_assessment(doc: XMLDocument, assessment: ET.Element, parsed: ParsedFile, dates: _Dates) -> None:
    """The IHIW converters' attribute layout (one panel per assessment, no bead numbers)."""
    for panel in children(assessment, "solid-phase-panel"):
        result = SampleResult(
            sample_id=_id_attribute(doc, assessment, "sampleID") or "",
            patient_id=_identifier(_id_attribute(doc, assessment, "patientID")),
            line=doc.line(panel),
        )
        if not result.sample_id:
            raise doc.error("assessment without a sampleID", assessment, column="sampleID")
        dates.add("sample-test-date", doc.line(assessment), assessment.get("sample-test-date"), result)
        _panel(result, panel.get("kit-manufacturer"), _id_attribute(doc, panel, "lot"), None)
        beads = []
        for element in children(panel, "bead"):
            specificity = _alleles(doc, element, element.get("HLA-allele-specificity"))
            bead = BeadResult(
                bead_id="",
                specificity=specificity,
                raw_mfi=_mfi(doc, element, "raw-MFI", element.get("raw-MFI"), "raw_mfi"),
                line=doc.line(element),
            )
            ranking = element.get("Ranking")
            if ranking:
                bead.vendor_assignment = ranking
                bead.extra["bead-rank"] = ranking
            beads.append(bead)
        _finish(doc, panel, result, _pair_chains(beads, result), numbered=False)
        parsed.samples.append(result)


def _bead(doc: XMLDocument, element: ET.Element) -> BeadResult:
    info = child(element, "bead-info")
    if info is None:
        raise doc.error("bead without bead-info", element)
    targets = [" ".join((t.text or "").split()) for t in children(info, "HLA-target-type")]
    control = _CONTROL_TYPES.get((child_text(info, "control-type") or "").lower())
    bead = BeadResult(
        bead_id=child_text(info, "bead-id") or "",
        specificity=_alleles(doc, info, " ".join(t for t in targets if t)),
        serology=child_text(info, "HLA-target-serological-specificity"),
        control=control,
        line=doc.line(element),
    )
    raw = child(element, "raw-data")
    if raw is not None:
        bead.raw_mfi = _child_number(doc, raw, "sample-raw-MFI", "raw_mfi")
        count = _child_number(doc, raw, "bead-count", "count")
        bead.count = None if count is None else int(count)
        for name in ("negative-control-serum-raw-MFI", "positive-control-serum-raw-MFI"):
            if child_text(raw, name):
                bead.extra[name] = child_text(raw, name) or ""
    converted = child(element, "converted-data")
    if converted is not None:
        bead.normalized_mfi = _child_number(doc, converted, "sample-adjusted-MFI", "normalized_mfi")
        _interpretations(converted, bead)
    return bead


def _interpretations(converted: ET.Element, bead: BeadResult) -> None:
    """Every classification the file carries goes to ``extra``; the first one is the vendor's."""
    for n, item in enumerate(children(converted, "bead-interpretation"), start=1):
        entity = child_text(item, "classification-entity") or f"interpretation {n}"
        classification = child_text(item, "bead-classification")
        rank = child_text(item, "bead-rank")
        if classification:
            bead.extra[f"classification: {entity}"] = classification
        if rank:
            bead.extra[f"bead-rank: {entity}"] = rank
        if bead.vendor_assignment is None:
            bead.vendor_assignment = classification or rank
    plausible = child_text(converted, "bead-plausible")
    if plausible:
        bead.extra["bead-plausible"] = plausible


def _finish(
    doc: XMLDocument,
    panel: ET.Element,
    result: SampleResult,
    beads: list[BeadResult],
    *,
    numbered: bool = True,
) -> None:
    """Check the bead ids, and take the class from the beads when the kit does not say it.

    ``numbered`` is False for a layout without bead numbers: beads go by specificity silently.
    """
    if not beads:
        raise doc.error("solid-phase panel without beads", panel)
    if numbered and not _ids_plausible(beads):
        result.warnings.append(
            "bead-id values are not bead numbers (equal to the raw MFI or repeated, a known "
            "converter fault): beads are identified by their specificity"
        )
        for bead in beads:
            if bead.bead_id:
                bead.extra["haml-bead-id"] = bead.bead_id
            bead.bead_id = ""
    seen: dict[str, int] = {}
    for bead in beads:
        if not bead.bead_id:
            if not bead.specificity:
                raise doc.error("bead without id or specificity", panel)
            base = ",".join(bead.specificity)
            seen[base] = seen.get(base, 0) + 1
            bead.bead_id = base if seen[base] == 1 else f"{base}#{seen[base]}"
    classes = {specificity_class(b.specificity) for b in beads if b.specificity} - {None}
    if len(classes) > 1:
        raise doc.error("panel mixes class I and class II beads", panel)
    result.hla_class = result.hla_class or (classes.pop() if classes else None)
    result.beads = beads


def _ids_plausible(beads: list[BeadResult]) -> bool:
    """False when bead-ids are missing, repeated, not id-shaped, or mostly echo the raw MFI."""
    ids = [bead.bead_id for bead in beads]
    if not all(ids) or len(set(ids)) != len(ids):
        return False
    if not all(_PLAUSIBLE_ID.match(i) for i in ids):
        return False
    echoes = sum(1 for b in beads if b.raw_mfi is not None and _same_number(b.bead_id, b.raw_mfi))
    return not (echoes >= 2 and echoes * 2 >= len(beads))


def _same_number(text: str, value: float) -> bool:
    try:
        return float(text) == value
    except ValueError:
        return False


def _pair_chains(beads: list[BeadResult], result: SampleResult) -> list[BeadResult]:
    """Join an alpha-chain row and the beta-chain row after it with the same MFI: one bead."""
    joined: list[BeadResult] = []
    i = 0
    while i < len(beads):
        bead = beads[i]
        after = beads[i + 1] if i + 1 < len(beads) else None
        locus = bead.specificity[0].split("*")[0] if len(bead.specificity) == 1 else ""
        if (
            after is not None
            and len(after.specificity) == 1
            and _ALPHA_BETA.get(locus) == after.specificity[0].split("*")[0]
            and after.raw_mfi == bead.raw_mfi
        ):
            bead.specificity = (bead.specificity[0], after.specificity[0])
            i += 2
        else:
            i += 1
        joined.append(bead)
    if len(joined) < len(beads):
        result.warnings.append(
            f"{len(beads) - len(joined)} alpha/beta chain pair(s) listed as two beads with one "
            "MFI were read as one heterodimer bead each"
        )
    return joined


def _panel(result: SampleResult, manufacturer: str | None, lot: str | None, catalog: str | None) -> None:
    """Vendor, lot, kit and (where the kit name says it) class of one panel."""
    maker = re.sub(r"[^a-z]", "", (manufacturer or "").lower())
    result.vendor = {"onelambda": "onelambda", "immucor": "immucor", "lifecodes": "immucor"}.get(
        maker, maker or None
    )
    result.lot = lot
    kit = catalog or (kit_from_lot(lot) if lot else None)
    result.kit = kit
    upper = (kit or "").upper()
    if upper.startswith(("LS1", "LSA1")):
        result.hla_class = "I"
    elif upper.startswith(("LS2", "LSA2")):
        result.hla_class = "II"


def _alleles(doc: XMLDocument, element: ET.Element, text: str | None) -> tuple[str, ...]:
    """Allele names of a bead (``DQA1*05:01&DQB1*02:01``, 0.6's ``who#3.61.0#HLA-A*02:01``)."""
    if not text:
        return ()
    cleaned = re.sub(r"\b[\w-]+#[\d.]+#", "", text).replace("&", " ")
    try:
        return parse_specificity(cleaned)
    except InvalidHLAName as exc:
        raise doc.error(
            f"not a bead specificity: {exc.reason}", element, column="HLA-target-type", value=text
        ) from None


def _child_number(doc: XMLDocument, parent: ET.Element, name: str, field: str) -> float | None:
    """The number ``parent``'s child ``name`` holds, located at that child's own line."""
    element = child(parent, name)
    return _mfi(doc, parent if element is None else element, name, child_text(parent, name), field)


def _mfi(doc: XMLDocument, element: ET.Element, column: str, text: str | None, field: str) -> float | None:
    """The number an element holds, in the range every reader keeps for ``field``
    (``sab.checks.VALUE_RANGES``: no negative, infinite or NaN MFI, whole counts), refused at
    the element's line: the bead's line, where ``check_parsed`` would place it, is another."""
    if text is None or text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        raise doc.error("not a number", element, column=column, value=text) from None
    problem = value_problem(field, value)
    if problem:
        raise doc.error(problem, element, column=column, value=text, expected=expected_value(field))
    return value


def _id_text(doc: XMLDocument, parent: ET.Element, name: str) -> str | None:
    """The text of ``parent``'s child ``name``, an identifier: refused at that element's own line
    (not the panel's, where ``sab.checks`` would place it) when it holds a control character."""
    element = child(parent, name)
    return _checked_id(doc, parent if element is None else element, name, child_text(parent, name))


def _id_attribute(doc: XMLDocument, element: ET.Element, name: str) -> str | None:
    """An identifier attribute (the IHIW layout), checked like ``_id_text`` at its element."""
    return _checked_id(doc, element, name, element.get(name))


def _checked_id(doc: XMLDocument, element: ET.Element, column: str, text: str | None) -> str | None:
    problem = None if text is None else identifier_problem(text)
    if problem:
        raise doc.error(
            f"the {column} {problem}",
            element,
            column=column,
            value=text,
            expected="text on one line without control characters",
        )
    return text


def _identifier(text: str | None) -> str | None:
    """An identifier, or None for the placeholders converters write (``?``, ``Unavailable``)."""
    if text is None or text.strip().lower() in {"", "?", "unavailable", "unknown", "n/a"}:
        return None
    return text.strip()


def _resolve_dates(dates: _Dates, file_name: str, options: ParseOptions) -> None:
    """Read each date column once for the whole file (xs:date, else the lab's format/evidence)."""
    for column, cells in dates.cells.items():
        iso = all(_ISO.match(text) for _, text, _ in cells)
        found = read_dates(
            ((line, text) for line, text, _ in cells),
            file=file_name,
            column=column,
            date_format=None if iso else options.date_format,
        )
        for _, text, sample in cells:
            if column == "sample-date":
                sample.draw_date = found[text]
            else:
                sample.run_date = found[text]

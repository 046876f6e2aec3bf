"""Read a lab's bead-lot definitions (One Lambda lot sheet CSV, Immucor .eds XML) into a Catalogue.

A Luminex region means nothing without its lot: the lab registers each lot once from the sheet the
vendor ships, and every result of that lot is interpreted with it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping

from ..errors import FileFormatError, InvalidHLAName
from .catalogue import Catalogue, CatalogueBead, CatalogueRegistry
from .decoding import decode
from .specificity import parse_specificity, specificity_class
from .xmldoc import XMLDocument, child, child_text, children, local_name, parse_xml

_NC_WORDS = frozenset({"NC", "NEG", "NEGATIVE", "NEGATIVE CONTROL", "NEG CONTROL", "CON1", "N1"})
_PC_WORDS = frozenset({"PC", "POS", "POSITIVE", "POSITIVE CONTROL", "POS CONTROL", "P1"})
_EPITOPES = frozenset({"BW4", "BW6"})
_SPLIT = re.compile(r"[&,;+\s]+")
_ONE_LAMBDA_KIT = re.compile(r"^(LS[A-Z0-9]{2,4}?\d{2})(?:NC|_|-|\s|$)", re.IGNORECASE)

# Lot-sheet header -> our field, compared lower-case without spaces/underscores/punctuation.
_CSV_COLUMNS = {
    "beadid": "bead_id",
    "bead": "bead_id",
    "beadno": "bead_id",
    "beadnumber": "bead_id",
    "region": "region",
    "beadregion": "region",
    "specificity": "specificity",
    "allelespecificity": "specificity",
    "antigens": "specificity",
    "alphaallele": "alpha_allele",
    "betaallele": "beta_allele",
    "catalog": "catalog",
    "catalogue": "catalog",
    "catalogid": "catalog",
    "kit": "catalog",
    "lot": "lot",
    "lotid": "lot",
    "lotnumber": "lot",
    "serology": "serology",
    "serologykind": "serology_kind",
    "control": "control",
}


def read_catalogue(
    data: bytes,
    file_name: str,
    *,
    kit: str | None = None,
    lot: str | None = None,
    hla_class: str | None = None,
    vendor: str | None = None,
) -> Catalogue:
    """Read a lot definition file, telling an Immucor .eds (XML) from a lot sheet CSV by content.

    ``kit``/``lot``/``hla_class`` fill in what the file does not say (a minimal
    ``bead_id,specificity`` sheet); when the file says it too, the two must agree.
    """
    text = decode(data, file_name)
    if text.lstrip().startswith("<"):
        return read_eds(text, file_name, kit=kit, lot=lot, hla_class=hla_class)
    return read_lot_sheet(
        text, file_name, kit=kit, lot=lot, hla_class=hla_class, vendor=vendor or "onelambda"
    )


def read_lot_sheet(
    text: str,
    file_name: str,
    *,
    kit: str | None = None,
    lot: str | None = None,
    hla_class: str | None = None,
    vendor: str = "onelambda",
) -> Catalogue:
    """Read a lot sheet CSV: ``bead_id,specificity`` at least; ``catalog,lot,...`` when kept."""
    lines = text.lstrip("\ufeff").splitlines()
    header_at = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_at is None:
        raise FileFormatError("empty lot sheet", file=file_name)
    delimiter = max(",;\t", key=lines[header_at].count)
    rows = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    header: list[str] | None = None
    fields: dict[str, int] = {}
    beads: list[CatalogueBead] = []
    seen: dict[str, int] = {}
    kits: dict[str, int] = {}
    lots: dict[str, int] = {}
    for line_no, row in enumerate(rows, start=1):
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [cell.strip() for cell in row]
            fields = _map_header(header)
            for needed in ("bead_id", "specificity"):
                if needed not in fields:
                    raise FileFormatError(
                        f"lot sheet has no {needed} column",
                        file=file_name,
                        line=line_no,
                        value=",".join(header),
                        expected="columns bead_id and specificity",
                    )
            continue

        def cell(name: str, row: list[str] = row, fields: dict[str, int] = fields) -> str:
            index = fields.get(name)
            return row[index].strip() if index is not None and index < len(row) else ""

        bead_id = cell("bead_id")
        if not bead_id:
            raise FileFormatError(
                "bead without an id", file=file_name, line=line_no, column=header[fields["bead_id"]]
            )
        if bead_id in seen:
            raise FileFormatError(
                f"bead {bead_id} listed twice (first on line {seen[bead_id]})",
                file=file_name,
                line=line_no,
                column=header[fields["bead_id"]],
                value=bead_id,
            )
        seen[bead_id] = line_no
        if cell("catalog"):
            kits.setdefault(cell("catalog"), line_no)
        if cell("lot"):
            lots.setdefault(cell("lot"), line_no)
        beads.append(_sheet_bead(bead_id, cell, header, fields, file_name, line_no))
    if not beads:
        raise FileFormatError("lot sheet lists no beads", file=file_name)
    kit = _agree("kit", kit, kits, file_name)
    lot = _agree("lot", lot, lots, file_name)
    if lot is None:
        raise FileFormatError("lot sheet names no lot: give it when registering", file=file_name)
    kit = kit or kit_from_lot(lot)
    if kit is None:
        raise FileFormatError(
            "lot sheet names no kit (catalog): give it when registering", file=file_name, value=lot
        )
    return Catalogue(
        vendor=vendor,
        kit=kit,
        lot=lot,
        hla_class=_class_of(beads, hla_class, file_name, kit),
        beads=tuple(beads),
    )


def _sheet_bead(
    bead_id: str, cell, header: list[str], fields: dict[str, int], file_name: str, line_no: int
) -> CatalogueBead:
    """One lot-sheet row as a bead: controls by name, else alleles (alpha/beta columns checked)."""
    text = cell("specificity")
    control = _control_word(cell("control")) or _control_word(text)
    serology = cell("serology") or None
    if serology in {"?", "-"}:
        serology = None
    if control:
        return CatalogueBead(
            bead_id=bead_id, specificity=(), serology=serology, control=control, region=cell("region") or None
        )
    column = header[fields["specificity"]]
    alleles, epitopes = _alleles(text, file_name, line_no, column)
    chains = tuple(a for a in (cell("alpha_allele"), cell("beta_allele")) if a)
    if chains:
        paired, _ = _alleles(" ".join(chains), file_name, line_no, "alpha_allele/beta_allele")
        if set(paired) != set(alleles):
            raise FileFormatError(
                "alpha/beta allele columns disagree with the specificity",
                file=file_name,
                line=line_no,
                column=column,
                value=text,
                expected=" & ".join(paired),
            )
    return CatalogueBead(
        bead_id=bead_id,
        specificity=alleles,
        serology=serology,
        region=cell("region") or None,
        epitopes=epitopes,
    )


def read_eds(
    text: str | bytes,
    file_name: str,
    *,
    kit: str | None = None,
    lot: str | None = None,
    hla_class: str | None = None,
) -> Catalogue:
    """Read an Immucor LIFECODES lot file (.eds): beads, antigens, cutoff, RAD, background, QC."""
    doc = parse_xml(text, file_name)
    root = doc.root
    file_lot = child_text(root, "LotID") or child_text(root, "AssayName")
    lot = _agree("lot", lot, {file_lot: doc.line(root)} if file_lot else {}, file_name)
    if lot is None:
        raise doc.error("lot file has no <LotID>", root)
    extension = (child_text(root, "Extension") or local_name(root.tag)[-3:]).upper()
    if hla_class is None and extension in {"SA1", "SA2"}:
        hla_class = "I" if extension == "SA1" else "II"
    kit = kit or (f"L{extension}" if extension in {"SA1", "SA2"} else None)
    if kit is None:
        raise doc.error(
            "cannot tell the kit of this lot file",
            root,
            column="Extension",
            value=extension,
            expected="SA1 or SA2",
        )
    limits = {}
    for name in ("PCUpper", "PCLower", "Con1Upper", "Con1Lower", "MFIThreshold"):
        element = child(root, name)
        if element is not None and (element.text or "").strip():
            limits[name] = _number(doc, element, name)
    limits, notes = _usable_limits(limits)
    container = child(root, "AntigenIDs")
    if container is None or not children(container, "AntigenID"):
        raise doc.error("lot file has no <AntigenIDs>/<AntigenID> beads", root)
    beads: list[CatalogueBead] = []
    seen: set[str] = set()
    for element in children(container, "AntigenID"):
        bead = _eds_bead(doc, element)
        if bead.bead_id in seen:
            raise doc.error("bead listed twice", element, column="AntigenID/@ID", value=bead.bead_id)
        seen.add(bead.bead_id)
        beads.append(bead)
    return Catalogue(
        vendor="immucor",
        kit=kit,
        lot=lot,
        hla_class=_class_of(beads, hla_class, file_name, kit),
        beads=tuple(beads),
        qc_limits=limits,
        notes=notes,
    )


def _usable_limits(limits: dict[str, float]) -> tuple[dict[str, float], tuple[str, ...]]:
    """The lot file's control limits, without a pair that contradicts itself (a lower limit above
    its upper one would fail every serum: a fault of the lot file, not of a serum). The vendor's
    default limits apply instead, and the note says so when the lot is registered."""
    kept, notes = dict(limits), []
    for control, lower, upper in (("PC", "PCLower", "PCUpper"), ("NC", "Con1Lower", "Con1Upper")):
        if lower in kept and upper in kept and kept[lower] > kept[upper]:
            notes.append(
                f"{upper}={kept[upper]:g} is below {lower}={kept[lower]:g} in the lot"
                f" file: its {control} bead limits are not used (the vendor's defaults"
                " apply; register a corrected lot file to use the lot's own)"
            )
            del kept[lower], kept[upper]
    return kept, tuple(notes)


def _eds_bead(doc: XMLDocument, element) -> CatalogueBead:
    """One ``<AntigenID>``: its ID as the results name it, region, antigens and constants."""
    bead_id = (element.get("ID") or "").strip() or child_text(element, "Bead")
    if not bead_id:
        raise doc.error("bead without an ID", element, column="AntigenID/@ID")
    consensus = (child_text(element, "Consensus") or "").upper()
    control = _control_word(bead_id) or _control_word(consensus)
    antigens = child(element, "Antigens")
    names = (
        [" ".join((a.text or "").split()) for a in children(antigens, "Antigen")]
        if (antigens is not None)
        else []
    )
    alleles, epitopes = _alleles(
        " ".join(n for n in names if n), doc.file_name, doc.line(element), f"AntigenID {bead_id}/Antigens"
    )
    if not alleles and not control:
        raise doc.error(
            "bead carries no antigen and is not a control bead", element, column="Antigens", value=bead_id
        )

    def value(name: str) -> float | None:
        item = child(element, name)
        if item is None or not (item.text or "").strip():
            return None
        return _number(doc, item, f"AntigenID {bead_id}/{name}")

    region = child_text(element, "Bead")
    return CatalogueBead(
        bead_id=bead_id,
        specificity=alleles,
        serology=child_text(element, "Serology"),
        control=control,
        cutoff=value("Cutoff"),
        rad=value("RAD"),
        background_mfi=value("BackgroundMFI"),
        lra_group=child_text(element, "LRA"),
        region=region,
        epitopes=epitopes,
    )


def _number(doc: XMLDocument, element, column: str) -> float:
    text = (element.text or "").strip()
    try:
        return float(text)
    except ValueError:
        raise doc.error("not a number", element, column=column, value=text) from None


def _alleles(
    text: str, file_name: str, line: int | None, column: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Allele names of one bead in modern form (alpha before beta), and public epitopes apart."""
    tokens = [token for token in _SPLIT.split(text) if token]
    epitopes = tuple("Bw" + token[2:] for token in tokens if token.upper() in _EPITOPES)
    names = " ".join(token for token in tokens if token.upper() not in _EPITOPES)
    try:
        alleles = parse_specificity(names)
    except InvalidHLAName as exc:
        raise FileFormatError(
            f"not a bead specificity: {exc.reason}", file=file_name, line=line, column=column, value=text
        ) from None
    if not alleles and not epitopes and text.strip():
        raise FileFormatError("no allele name", file=file_name, line=line, column=column, value=text)
    return alleles, epitopes


def _control_word(text: str) -> str | None:
    word = " ".join(text.upper().replace("_", " ").split())
    if word in _NC_WORDS:
        return "NC"
    if word in _PC_WORDS:
        return "PC"
    return None


def _class_of(beads: list[CatalogueBead], given: str | None, file_name: str, kit: str) -> str:
    """The HLA class the beads' loci say; a given class must agree with them."""
    classes = {specificity_class(bead.specificity) for bead in beads} - {None}
    if len(classes) > 1:
        raise FileFormatError("lot mixes class I and class II beads", file=file_name, value=kit)
    found = classes.pop() if classes else None
    if given is not None:
        given = given.upper().removeprefix("CLASS").strip()
        if given not in {"I", "II"}:
            raise FileFormatError("unknown HLA class", file=file_name, value=given, expected="I or II")
        if found is not None and found != given:
            raise FileFormatError(
                f"the beads are class {found}", file=file_name, value=given, expected=f"class {found}"
            )
        return given
    if found is None:
        raise FileFormatError("cannot tell the HLA class: give it when registering", file=file_name)
    return found


def _agree(what: str, given: str | None, found: Mapping[str, int | None], file_name: str) -> str | None:
    """One value for kit or lot: the file's single value, which a caller's value must match."""
    if len(found) > 1:
        values = list(found)
        raise FileFormatError(
            f"lot sheet names more than one {what}",
            file=file_name,
            line=found[values[1]],
            column=what,
            value=values[1],
            expected=values[0],
        )
    in_file = next(iter(found), None)
    same = CatalogueRegistry.lot_tokens
    if given and in_file and same(given) != same(in_file):
        raise FileFormatError(
            f"the file is for another {what}",
            file=file_name,
            line=found[in_file],
            column=what,
            value=in_file,
            expected=given,
        )
    return in_file or given


def kit_from_lot(lot: str) -> str | None:
    """The kit a lot name starts or ends with: ``LS1A04NC27_015_00`` -> ``LS1A04``,
    ``3008386 3008385-SA1`` -> ``LSA1`` (LIFECODES class I); None when the name does not say."""
    one_lambda = _ONE_LAMBDA_KIT.match(lot.strip())
    if one_lambda:
        return one_lambda.group(1).upper()
    immucor = re.search(r"[-_ ](SA[12])$", lot.strip(), re.IGNORECASE)
    return f"L{immucor.group(1).upper()}" if immucor else None


def _map_header(header: list[str]) -> dict[str, int]:
    fields: dict[str, int] = {}
    for index, name in enumerate(header):
        key = re.sub(r"[^a-z]", "", name.lower().split("(", 1)[0])
        if key.startswith("serology") and key != "serologykind":
            key = "serology"
        field_name = _CSV_COLUMNS.get(key)
        if field_name and field_name not in fields:
            fields[field_name] = index
    return fields

"""Which registered lot catalogue interprets an xPONENT run, and which bead each column is.

The run names its lot in ``ProtocolName``, or the lab names it with the upload; bead columns are
matched to the catalogue by bead id, else by Luminex region.
"""

from __future__ import annotations

from ...errors import FileFormatError, UnknownLot
from ..catalogue import Catalogue, CatalogueBead, CatalogueRegistry
from ..model import ParseOptions

REGISTER_HINT = (
    "register the lot's catalogue first (`dsa-monitor catalogue add <file>` with its Immucor .eds "
    "file or One Lambda lot sheet CSV), or name the lot when uploading if ProtocolName does not "
    "carry it"
)


def run_catalogue(
    protocol: str, line: int | None, file_name: str, options: ParseOptions, warnings: list[str]
) -> Catalogue:
    """The registered catalogue of the run's lot (``ProtocolName``, on ``line``); refuse an
    unknown or ambiguous lot.

    A lot given with the upload (``options.lot``) is the upload's word, not the file's: errors
    about it say so, and say what the file's ProtocolName holds.
    """
    registry = options.catalogues
    if not isinstance(registry, CatalogueRegistry):
        registry = CatalogueRegistry()
    if options.lot:
        return _uploaded_lot(options.lot, protocol, registry, file_name, warnings)
    if not protocol:
        raise UnknownLot(
            f"the file names no lot (ProtocolName is empty); {REGISTER_HINT}",
            file=file_name,
            line=line,
            column="ProtocolName",
        )
    found = registry.find(protocol)
    if not found:
        raise UnknownLot(
            f"no catalogue registered for lot {protocol!r}; {REGISTER_HINT}",
            file=file_name,
            line=line,
            column="ProtocolName",
            value=protocol,
        )
    if len(found) > 1:
        raise FileFormatError(
            f"lot {protocol!r} matches several registered lots: "
            + ", ".join(c.lot for c in found)
            + "; name the lot when uploading",
            file=file_name,
            line=line,
            column="ProtocolName",
            value=protocol,
        )
    catalogue = found[0]
    if catalogue.lot != protocol:
        warnings.append(f"ProtocolName {protocol!r} read as registered lot {catalogue.lot!r}")
    return catalogue


def _uploaded_lot(
    lot: str, protocol: str, registry: CatalogueRegistry, file_name: str, warnings: list[str]
) -> Catalogue:
    """The catalogue of the lot given with the upload; refused when the file names another."""
    says = f"the file's ProtocolName says {protocol!r}" if protocol else "the file's ProtocolName is empty"
    found = registry.find(lot)
    if not found:
        raise UnknownLot(
            f"the lot given with the upload, {lot!r}, has no registered catalogue ({says}); {REGISTER_HINT}",
            file=file_name,
            value=lot,
            expected="a registered lot",
        )
    if len(found) > 1:
        raise FileFormatError(
            f"the lot given with the upload, {lot!r}, matches several registered lots: "
            + ", ".join(c.lot for c in found)
            + f" ({says}); give the full lot name",
            file=file_name,
            value=lot,
            expected="one registered lot",
        )
    catalogue = found[0]
    named = registry.find(protocol) if protocol else []
    if len(named) == 1 and named[0] is not catalogue:
        raise FileFormatError(
            f"the lot given with the upload, {lot!r} (registered lot {catalogue.lot!r}), does"
            f" not match the run: {says}, registered lot {named[0].lot!r}",
            file=file_name,
            value=lot,
            expected=f"the run's lot {named[0].lot!r}",
        )
    if protocol and catalogue.lot != protocol:
        warnings.append(f"lot {catalogue.lot!r} as named at upload (ProtocolName {protocol!r})")
    return catalogue


def match_beads(
    analytes: list[str], regions: dict[str, str], catalogue: Catalogue, file_name: str, line: int
) -> list[CatalogueBead]:
    """Each Median column's catalogue bead: by bead id, else by Luminex region."""
    by_id = {bead.bead_id: bead for bead in catalogue.beads}
    by_region = {bead.region: bead for bead in catalogue.beads if bead.region}
    matched: list[CatalogueBead] = []
    unknown: list[str] = []
    for analyte in analytes:
        region = regions.get(analyte)
        bead = by_id.get(analyte) or by_region.get(region or analyte)
        if bead is None:
            unknown.append(analyte if region in (None, analyte) else f"{analyte} (region {region})")
            continue
        if region and bead.region and region != bead.region:
            raise FileFormatError(
                f"bead {analyte} is region {region} in the file but region {bead.region} in lot "
                f"{catalogue.lot}: is this the right lot?",
                file=file_name,
                line=line,
                column=analyte,
                value=region,
                expected=bead.region,
            )
        matched.append(bead)
    if unknown:
        raise FileFormatError(
            f"bead region(s) not in the catalogue of lot {catalogue.lot}: " + ", ".join(unknown),
            file=file_name,
            line=line,
            expected="the lot's registered beads",
        )
    seen: set[str] = set()
    for analyte, bead in zip(analytes, matched, strict=True):
        if bead.bead_id in seen:
            raise FileFormatError(
                f"two columns read as bead {bead.bead_id}", file=file_name, line=line, column=analyte
            )
        seen.add(bead.bead_id)
    return matched

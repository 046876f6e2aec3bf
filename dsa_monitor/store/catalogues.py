"""Bead-lot catalogues a lab registers once per lot; a result file is read with its lot's."""

from __future__ import annotations

import json
from collections import defaultdict

from sqlite_utils import Database

from ..errors import Conflict, NotFound
from ..sab.catalogue import Catalogue, CatalogueBead, CatalogueRegistry
from . import audit
from .connection import utc_now, write_transaction
from .rows import select_rows
from .transaction import inserted_id

_BEAD_COLUMNS = (
    "bead_id",
    "specificity",
    "serology",
    "control",
    "cutoff",
    "rad",
    "background_mfi",
    "lra_group",
    "region",
    "epitopes",
)


def register_catalogue(db: Database, catalogue: Catalogue, user: str) -> int:
    """Store a lot's catalogue; the same catalogue again is a no-op, a different one a conflict."""
    key = CatalogueRegistry.key(catalogue.lot)
    with write_transaction(db):
        row = db.conn.execute("SELECT id FROM catalogues WHERE lot_key = ?", (key,)).fetchone()
        if row is not None:
            if _load(db, [row[0]])[0] == catalogue:
                return int(row[0])
            raise Conflict(
                f"lot {catalogue.lot!r} is already registered with a different catalogue",
                lot=catalogue.lot,
            )
        cursor = db.conn.execute(
            "INSERT INTO catalogues (vendor, kit, lot, lot_key, hla_class, qc_limits,"
            " registered_at, registered_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                catalogue.vendor,
                catalogue.kit,
                catalogue.lot,
                key,
                catalogue.hla_class,
                json.dumps(catalogue.qc_limits),
                utc_now(),
                user,
            ),
        )
        catalogue_id = inserted_id(cursor)
        db.conn.executemany(
            f"INSERT INTO catalogue_beads (catalogue_id, position, {', '.join(_BEAD_COLUMNS)})"
            f" VALUES (?, ?, {', '.join('?' for _ in _BEAD_COLUMNS)})",
            [
                (
                    catalogue_id,
                    position,
                    bead.bead_id,
                    ",".join(bead.specificity),
                    bead.serology,
                    bead.control,
                    bead.cutoff,
                    bead.rad,
                    bead.background_mfi,
                    bead.lra_group,
                    bead.region,
                    ",".join(bead.epitopes),
                )
                for position, bead in enumerate(catalogue.beads)
            ],
        )
        audit.record(
            db,
            user=user,
            action="register",
            entity="catalogue",
            entity_id=catalogue_id,
            details={
                "vendor": catalogue.vendor,
                "kit": catalogue.kit,
                "lot": catalogue.lot,
                "hla_class": catalogue.hla_class,
                "beads": len(catalogue.beads),
            },
        )
    return catalogue_id


def _load(db: Database, catalogue_ids: list[int] | None = None) -> list[Catalogue]:
    where, params = "", []
    if catalogue_ids is not None:
        where = f" WHERE id IN ({', '.join('?' for _ in catalogue_ids)})"
        params = list(catalogue_ids)
    heads = select_rows(db, f"SELECT * FROM catalogues{where} ORDER BY id", params)
    beads: dict[int, list[CatalogueBead]] = defaultdict(list)
    bead_where = where.replace("id IN", "catalogue_id IN")
    for row in select_rows(
        db, f"SELECT * FROM catalogue_beads{bead_where} ORDER BY catalogue_id, position", params
    ):
        beads[row["catalogue_id"]].append(
            CatalogueBead(
                bead_id=row["bead_id"],
                specificity=tuple(row["specificity"].split(",")) if row["specificity"] else (),
                epitopes=tuple(row["epitopes"].split(",")) if row["epitopes"] else (),
                **{name: row[name] for name in _BEAD_COLUMNS[2:-1]},
            )
        )
    return [
        Catalogue(
            vendor=h["vendor"],
            kit=h["kit"],
            lot=h["lot"],
            hla_class=h["hla_class"],
            beads=tuple(beads[h["id"]]),
            qc_limits=json.loads(h["qc_limits"]),
        )
        for h in heads
    ]


def catalogue_registry(db: Database) -> CatalogueRegistry:
    """Every registered catalogue, ready for the parsers (``ParseOptions.catalogues``)."""
    return CatalogueRegistry(_load(db))


def get_catalogue(db: Database, lot: str) -> Catalogue:
    """One registered catalogue by its lot, as result files name it."""
    row = db.conn.execute(
        "SELECT id FROM catalogues WHERE lot_key = ?", (CatalogueRegistry.key(lot),)
    ).fetchone()
    if row is None:
        raise NotFound(f"no catalogue registered for lot {lot!r}", lot=lot)
    return _load(db, [row[0]])[0]


def list_catalogues(db: Database) -> list[dict]:
    """A row per registered lot: vendor, kit, lot, class, bead count, who registered it, when."""
    return select_rows(
        db,
        "SELECT c.id, c.vendor, c.kit, c.lot, c.hla_class, c.registered_at, c.registered_by,"
        " (SELECT count(*) FROM catalogue_beads b WHERE b.catalogue_id = c.id) AS beads"
        " FROM catalogues c ORDER BY c.kit, c.lot",
    )

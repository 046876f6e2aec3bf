import pytest

from dsa_monitor import store
from dsa_monitor.errors import Conflict, NotFound
from dsa_monitor.sab.catalogue import Catalogue, CatalogueBead


@pytest.fixture
def db(tmp_path):
    """A migrated database in a real SQLite file."""
    database = store.open_database(tmp_path / "store.sqlite3")
    yield database
    database.close()


LS2A01_013 = Catalogue(
    vendor="onelambda",
    kit="LS2A01",
    lot="LS2A01NC21_013_00",
    hla_class="II",
    beads=(
        CatalogueBead("001", (), control="NC"),
        CatalogueBead("002", (), control="PC"),
        CatalogueBead("003", ("DRB1*01:01",), serology="DR1"),
        CatalogueBead("040", ("DQA1*05:01", "DQB1*02:01"), serology="DQ2"),
    ),
    qc_limits={"PCLower": 1500.0, "Con1Upper": 1000.0},
)
LSA1 = Catalogue(
    vendor="immucor",
    kit="LSA1",
    lot="3008386 3008385-SA1",
    hla_class="I",
    beads=(
        CatalogueBead(
            "A*01:01",
            ("A*01:01",),
            cutoff=3.5,
            rad=1.2,
            background_mfi=40.0,
            lra_group="A",
            region="18",
            epitopes=("Bw4",),
        ),
    ),
)


def test_a_registered_catalogue_comes_back_identical_by_its_lot(db):
    store.register_catalogue(db, LS2A01_013, "lab")
    store.register_catalogue(db, LSA1, "lab")
    registry = store.catalogue_registry(db)
    assert len(registry) == 2
    assert registry.get("ls2a01nc21_013_00") == LS2A01_013
    assert registry.get("3008386  3008385-SA1") == LSA1
    assert store.get_catalogue(db, "LS2A01NC21_013_00") == LS2A01_013
    listed = [(c["kit"], c["beads"]) for c in store.list_catalogues(db)]
    assert listed == [("LS2A01", 4), ("LSA1", 1)]


def test_registering_the_same_lot_again_is_a_no_op_and_a_different_one_a_conflict(db):
    first = store.register_catalogue(db, LS2A01_013, "lab")
    assert store.register_catalogue(db, LS2A01_013, "lab") == first
    changed = Catalogue(
        vendor="onelambda", kit="LS2A01", lot="LS2A01NC21_013_00", hla_class="II", beads=LS2A01_013.beads[:2]
    )
    with pytest.raises(Conflict, match="LS2A01NC21_013_00"):
        store.register_catalogue(db, changed, "lab")
    assert store.get_catalogue(db, "LS2A01NC21_013_00") == LS2A01_013
    assert [a["action"] for a in store.list_audit(db, entity="catalogue")] == ["register"]


def test_an_unregistered_lot_is_not_found(db):
    with pytest.raises(NotFound, match="LS1A04"):
        store.get_catalogue(db, "LS1A04NC21_015_00")

"""Worked examples computed by hand from hlaR's v3 tables (MHC_I_eplet_v3.csv,
MHC_II_eplet_A_v3.csv, MHC_II_eplet_B_v3.csv): each expected list is read off the allele columns,
donor cells minus recipient cells, never produced by the code under test."""

from __future__ import annotations

from eplet_examples import DQ_DONOR, DQ_RECIPIENT, SAME_B_C, eplets_of

from dsa_monitor.eplets import mismatch_load


def _names(load, group):
    return sorted(e.name for e in load.group(group).eplets)


def test_class_i_pair_a0101_mismatch_against_a0201_a0301(v3):
    # A*01:01 column: 44KM 62QE 65RNA 76ANT 79GT 90D 138MI 144K 144KR 163RG 166DG (AbV) and
    # 65RA 66N 77N 77NGT 80T 80TL 109F 149AH 151H 152A 156R 193PI 270L 275EL (Oth). Every one
    # but these five is on A*02:01, A*03:01, B*07:02, B*44:02, C*07:02 or C*05:01.
    donor = eplets_of(v3, {"A": ["A*01:01", "A*02:01"], **SAME_B_C})
    recipient = eplets_of(v3, {"A": ["A*02:01", "A*03:01"], **SAME_B_C})
    load = mismatch_load(v3, donor, recipient)
    assert _names(load, "ABC") == ["163RG", "166DG", "44KM", "76ANT", "77NGT"]
    assert (load.group("ABC").all, load.group("ABC").verified) == (5, 4)
    assert load.by_class()["I"] == {"all": 5, "antibody_verified": 4, "complete": True}
    assert load.version == "v3"


def test_dq_pair_counts_alpha_and_beta_eplets_and_interlocus_self(v3):
    # Donor DQ2 (DQA1*05:01-DQB1*02:01) beside DQA1*01:02-DQB1*06:02, which the recipient shares
    # with DQA1*03:01-DQB1*03:02. DQA1*05:01 brings 40GR 75S (AbV) and 76L (oth), alpha chain;
    # DQB1*02:01 brings 52LL 77R rq70RR/K (AbV/AbInt) and 66D 67I 71K 75V qp77RV (oth), beta.
    # DQB1*02:01 also carries rq74AV and rqp67IK, interlocus eplets the recipient has on
    # DRB1*15:01/04:01 or DPB1*04:01: self, not counted.
    donor, recipient = eplets_of(v3, DQ_DONOR), eplets_of(v3, DQ_RECIPIENT)
    dq = mismatch_load(v3, donor, recipient).group("DQ")
    by_chain = {c: sorted(e.name for e in dq.eplets if e.chain == c) for c in ("alpha", "beta")}
    assert by_chain == {
        "alpha": ["40GR", "75S", "76L"],
        "beta": ["52LL", "66D", "67I", "71K", "75V", "77R", "qp77RV", "rq70RR/K"],
    }
    assert sorted(e.name for e in dq.eplets if e.verified) == ["40GR", "52LL", "75S", "77R", "rq70RR/K"]
    assert (dq.all, dq.verified, dq.complete) == (11, 5, True)
    assert "rq74AV" not in _names(mismatch_load(v3, donor, recipient), "DQ")


def test_an_allele_absent_from_the_table_is_said_and_not_counted(v3):
    # A*02:113 is an IPD-IMGT/HLA allele (3.58.0) the v3 table does not list: only A*01:01's
    # five mismatched eplets (first example) are counted, and the load says it may be higher.
    donor = eplets_of(v3, {"A": ["A*01:01", "A*02:113"], **SAME_B_C})
    recipient = eplets_of(v3, {"A": ["A*02:01", "A*03:01"], **SAME_B_C})
    placement = next(p for p in donor.placements if p.entry == "A*02:113")
    assert (placement.status, placement.missing) == ("not in table", ("A*02:113",))
    load = mismatch_load(v3, donor, recipient)
    assert _names(load, "ABC") == ["163RG", "166DG", "44KM", "76ANT", "77NGT"]
    assert load.by_class()["I"]["complete"] is False
    assert any("A*02:113" in n and "not counted" in n for n in load.group("ABC").notes)


def test_an_ambiguous_typing_carries_the_eplets_every_candidate_carries(v3):
    # A*02:01/A*02:03: A*02:01 alone has 144KHA 149AH 150AAH 152V 156L, A*02:03 alone 149TAH
    # 152E 156WA: none is counted. Of the eplets both carry, the recipient (A*01:01, A*03:01)
    # lacks 62G 107W 127K 142TKH (AbV) and 184A 193AV (Oth).
    donor = eplets_of(v3, {"A": ["A*02:01/A*02:03", "A*01:01"], **SAME_B_C})
    recipient = eplets_of(v3, {"A": ["A*01:01", "A*03:01"], **SAME_B_C})
    placement = next(p for p in donor.placements if p.entry == "A*02:01/A*02:03")
    assert placement.status == "ambiguous"
    assert placement.note.startswith("ambiguous: the eplets all 2 expressed candidates carry")
    load = mismatch_load(v3, donor, recipient)
    assert _names(load, "ABC") == ["107W", "127K", "142TKH", "184A", "193AV", "62G"]
    assert (load.group("ABC").all, load.group("ABC").verified) == (6, 4)


def test_a_serologic_antigen_or_allele_group_is_not_placed(v3):
    donor = eplets_of(v3, {"A": ["A2", "A*01"], **SAME_B_C})
    statuses = {p.entry: p.status for p in donor.placements if p.locus == "A"}
    assert statuses == {"A2": "not placed", "A*01": "not placed"}


def test_a_null_allele_carries_no_eplet(v3):
    donor = eplets_of(v3, {"A": ["A*01:01", "A*24:09N"], **SAME_B_C})
    recipient = eplets_of(v3, {"A": ["A*02:01", "A*03:01"], **SAME_B_C})
    assert next(p for p in donor.placements if p.entry == "A*24:09N").status == "null"
    assert _names(mismatch_load(v3, donor, recipient), "ABC") == ["163RG", "166DG", "44KM", "76ANT", "77NGT"]


def test_an_untyped_locus_makes_the_load_incomplete_and_says_which(v3):
    donor = eplets_of(v3, {"A": ["A*01:01", "A*02:01"]})
    recipient = eplets_of(v3, {"A": ["A*02:01", "A*03:01"], **SAME_B_C})
    notes = mismatch_load(v3, donor, recipient).group("ABC").notes
    assert notes == ("donor B, C not typed: its eplets are not counted",)


def test_the_bulk_path_counts_the_worked_examples_pair_by_pair(v3):
    # Row 0: the class I pair (5 eplets, 4 verified); row 1: the same donor against itself (0).
    from dsa_monitor.eplets.load import carried_by_alleles, load_counts, mismatch_matrix

    abc = v3.groups["ABC"]
    rows = [
        [abc.allele_index(a) for a in alleles]
        for alleles in (
            ["A*01:01", "A*02:01", "B*07:02", "B*44:02", "C*07:02", "C*05:01"],
            ["A*02:01", "A*03:01", "B*07:02", "B*44:02", "C*07:02", "C*05:01"],
        )
    ]
    donor = carried_by_alleles(abc, [rows[0], rows[0]])
    recipient = carried_by_alleles(abc, [rows[1], rows[0]])
    everything, verified = load_counts(v3, mismatch_matrix(v3, {"ABC": donor}, {"ABC": recipient}))["ABC"]
    assert (everything.tolist(), verified.tolist()) == ([5, 0], [4, 0])

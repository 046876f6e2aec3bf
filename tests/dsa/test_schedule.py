"""A study's stored visit schedule, read one way for the evaluation, the overdue alerts and the pages."""

import pytest

from dsa_monitor.dsa.rules import DEFAULT_RULES, DEFAULT_VISITS, InvalidRules, VisitSpec
from dsa_monitor.dsa.visits import schedule_rules


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        ([], DEFAULT_VISITS),
        (None, DEFAULT_VISITS),
        ([30, 100], (VisitSpec("D30", 30), VisitSpec("D100", 100))),
        ([{"name": "M1", "day": 30, "window_days": 7}], (VisitSpec("M1", 30, 7, 7),)),
        ([{"name": "W2", "day": 14, "before": 2, "after": 5}], (VisitSpec("W2", 14, 2, 5),)),
        ([{"day": 7}], (VisitSpec("D7", 7, 14, 14),)),
        ({"visits": [{"name": "M3", "day": 91}]}, (VisitSpec("M3", 91, 14, 14),)),
    ],
)
def test_a_study_schedule_gives_the_visit_windows(schedule, expected):
    assert schedule_rules(DEFAULT_RULES, schedule).visits == expected


def test_a_schedule_may_set_the_baseline_window():
    rules = schedule_rules(DEFAULT_RULES, {"visits": [], "baseline_window_days": 30})
    assert rules.baseline_window_days == 30
    assert rules.visits == DEFAULT_VISITS
    assert rules.version != DEFAULT_RULES.version


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ([{"name": "M1"}], "has no day"),
        (["M1"], "has no day"),
        ([{"name": "M1", "day": "one month"}], "not usable"),
    ],
)
def test_an_unusable_schedule_is_refused_saying_which_item(schedule, message):
    with pytest.raises(InvalidRules, match=message):
        schedule_rules(DEFAULT_RULES, schedule)

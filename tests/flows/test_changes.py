"""flows.changes: finding ids survive moves and rewording; new, resolved and unchanged between runs."""

from flows.changes import assign_ids, compare, finding_id

FINDING = {"rule": "sum_mismatch", "stated": "3183.53", "unit": "万元", "page": 1,
           "message": "合计应为 3059.85 万元", "quote": "…预算数 3183.53 万元，实际支出…"}


def test_id_ignores_page_position_message_and_spacing():
    moved = {**FINDING, "page": 2, "bbox": [1, 2, 3, 4], "message": "另一种说法", "quote": "…预算数3183.53万元，实际支出…"}
    assert finding_id(moved) == finding_id(FINDING)
    assert finding_id(FINDING).startswith("sum_mismatch:")


def test_id_changes_with_the_figure_or_the_rule():
    assert finding_id({**FINDING, "stated": "3183.54"}) != finding_id(FINDING)
    assert finding_id({**FINDING, "rule": "rate_mismatch"}) != finding_id(FINDING)


def test_twins_are_numbered_in_order():
    twins = [dict(FINDING), dict(FINDING), {**FINDING, "stated": "1"}]
    ids = assign_ids(twins)
    assert ids[1] == ids[0] + "-2" and len(set(ids)) == 3 and twins[0]["id"] == ids[0]


def test_compare():
    assert compare(["a", "b"], ["b", "c"]) == {"new": ["c"], "resolved": ["a"], "unchanged": 1}
    assert compare(None, ["a"]) == {"new": ["a"], "resolved": [], "unchanged": 0}

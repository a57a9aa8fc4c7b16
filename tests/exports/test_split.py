"""The chat split's arithmetic: sizes, shares per tier, reproducibility."""

from exports.split import allocate, validation_ids, validation_size


def test_the_validation_side_is_a_rounded_share_with_one_on_each_side():
    assert validation_size(100, 0.1) == 10
    assert validation_size(6, 0.1) == 1
    assert validation_size(2, 0.9) == 1
    assert validation_size(1, 0.5) == 0
    assert validation_size(0, 0.5) == 0


def test_shares_follow_the_tiers_sizes_by_largest_remainder():
    assert allocate({"template": 70, "scenario": 20, "edge_case": 10}, 10) == {
        "template": 7,
        "scenario": 2,
        "edge_case": 1,
    }
    shares = allocate({"template": 5, "scenario": 3, "edge_case": 2}, 3)
    assert sum(shares.values()) == 3
    # exact shares 1.5, 0.9, 0.6: one each, the two extras to the largest remainders
    assert shares == {"template": 1, "scenario": 1, "edge_case": 1}


def test_the_split_depends_on_the_rows_and_seed_not_their_order():
    rows = [
        (f"id-{n:03}", "template" if n < 70 else "scenario" if n < 90 else "edge_case")
        for n in range(100)
    ]
    chosen = validation_ids(rows, 0.1, seed=4)
    assert len(chosen) == 10
    tiers = dict(rows)
    assert sorted(tiers[c] for c in chosen) == ["edge_case"] + ["scenario"] * 2 + ["template"] * 7
    assert validation_ids(list(reversed(rows)), 0.1, seed=4) == chosen
    assert validation_ids(rows, 0.1, seed=5) != chosen

"""The dataset card's figures: valid PNGs under figures/, the same bytes for the same stats,
different bytes when the data differ, and no crash on empty data."""

from pathlib import Path

import pytest
from PIL import Image

from exports.figures import write_figures

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EXPECTED = [
    "figures/composition.png",
    "figures/scores.png",
    "figures/coverage.png",
    "figures/arc-topic.png",
]


def make_stats(**changes) -> dict:
    stats = {
        "by_tier": {"template": 70, "scenario": 20, "edge_case": 10},
        "by_persona": {"Marcus Chen": 33, "Jennifer Martinez": 33, "David Chen": 34},
        "scores": [8.4, 7.9, 6.5, 9.0, 8.8, 7.2],
        "persona_arc": {
            "Marcus Chen": {"Confusion → Clarity": 6, "Anxiety → Relief": 3},
            "David Chen": {"Shame → Acceptance": 2},
        },
        "arc_topic": {
            "Confusion → Clarity": {"Emergency fund basics": 1, "Budgeting": 2},
            "Anxiety → Relief": {"Debt payoff": 4},
        },
    }
    stats.update(changes)
    return stats


def read_all(folder: Path, paths: list[str]) -> dict[str, bytes]:
    return {path: (folder / path).read_bytes() for path in paths}


def test_the_figures_are_valid_pngs_under_the_figures_folder(tmp_path):
    paths = write_figures(make_stats(), tmp_path)

    assert paths == EXPECTED
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == sorted(
        Path(path).name for path in EXPECTED
    )
    for path in paths:
        data = (tmp_path / path).read_bytes()
        assert data.startswith(PNG_SIGNATURE), path
        with Image.open(tmp_path / path) as image:
            image.verify()
        with Image.open(tmp_path / path) as image:
            assert image.format == "PNG"
            assert image.width > 300 and image.height > 150
            # Many grey levels: something was drawn, not a blank canvas.
            assert len(image.convert("L").getcolors(256)) > 10
    with Image.open(tmp_path / "figures/composition.png") as image:
        assert image.size == (1000, 400)
    with Image.open(tmp_path / "figures/scores.png") as image:
        assert image.size == (800, 400)


def test_the_same_stats_give_the_same_bytes_with_no_software_or_date_stamped(tmp_path):
    first = read_all(tmp_path / "one", write_figures(make_stats(), tmp_path / "one"))
    second = read_all(tmp_path / "two", write_figures(make_stats(), tmp_path / "two"))

    assert first == second
    for path in EXPECTED:
        with Image.open(tmp_path / "one" / path) as image:
            assert not {"Software", "Creation Time", "date:create"} & set(image.info)
        assert b"matplotlib" not in first[path].lower()


@pytest.mark.parametrize(
    ("change", "affected"),
    [
        ({"scores": [3.0, 3.5, 9.5]}, "figures/scores.png"),
        ({"by_persona": {"Marcus Chen": 50, "David Chen": 50}}, "figures/composition.png"),
        ({"persona_arc": {"Marcus Chen": {"Confusion → Clarity": 9}}}, "figures/coverage.png"),
        ({"arc_topic": {"Anxiety → Relief": {"Budgeting": 1}}}, "figures/arc-topic.png"),
    ],
)
def test_each_figure_follows_its_data(tmp_path, change, affected):
    before = read_all(tmp_path / "a", write_figures(make_stats(), tmp_path / "a"))
    after = read_all(tmp_path / "b", write_figures(make_stats(**change), tmp_path / "b"))

    assert [path for path in EXPECTED if before[path] != after[path]] == [affected]


def test_the_score_histogram_draws_the_quality_threshold_from_the_settings(tmp_path, settings):
    settings.QUALITY_THRESHOLD = 7.0
    seven = (tmp_path / "a" / write_figures(make_stats(), tmp_path / "a")[1]).read_bytes()
    settings.QUALITY_THRESHOLD = 5.0
    five = (tmp_path / "b" / write_figures(make_stats(), tmp_path / "b")[1]).read_bytes()

    assert seven != five
    # The dashed line is red: some pixels are strongly red in the plot area.
    with Image.open(tmp_path / "a" / "figures/scores.png") as image:
        colours = image.convert("RGB").getcolors(1 << 24)
    red = sum(n for n, (r, g, b) in colours if r > 150 and g < 90 and b < 90)
    assert red > 100


def test_empty_stats_give_no_data_figures_instead_of_crashing(tmp_path):
    paths = write_figures({}, tmp_path)
    empty = read_all(tmp_path, paths)
    full = read_all(tmp_path / "full", write_figures(make_stats(), tmp_path / "full"))

    assert paths == EXPECTED
    for path in paths:
        assert empty[path].startswith(PNG_SIGNATURE)
        assert empty[path] != full[path]
        with Image.open(tmp_path / path) as image:
            image.verify()


def test_figures_are_overwritten_when_written_again(tmp_path):
    write_figures(make_stats(scores=[1.0]), tmp_path)
    write_figures(make_stats(), tmp_path)
    fresh = read_all(tmp_path / "fresh", write_figures(make_stats(), tmp_path / "fresh"))

    assert read_all(tmp_path, EXPECTED) == fresh

"""The dataset card's figures: composition, quality scores and coverage, drawn from the release
stats (the contract in the exporter) as PNG files under the release folder's figures/.

The same stats always give the same bytes: fixed size and dpi, a figure object per chart (no
pyplot global state, so workers can draw at once) and no software or date in the PNG metadata.
"""

from collections.abc import Callable, Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from django.conf import settings
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

FIGURES_FOLDER = "figures"
DPI = 100
# Every PNG field matplotlib would fill by default, emptied: no version, no timestamp.
PNG_METADATA = {"Software": None}
BAR_COLOUR = "#3b6e8f"
THRESHOLD_COLOUR = "#c0392b"
NO_DATA = "no data"


def write_figures(stats: dict, folder: Path) -> list[str]:
    """Draw every figure into folder/figures and return their paths relative to folder."""
    target = Path(folder) / FIGURES_FOLDER
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for filename, draw in FIGURES:
        figure = draw(stats)
        figure.savefig(target / filename, format="png", dpi=DPI, metadata=PNG_METADATA)
        written.append(f"{FIGURES_FOLDER}/{filename}")
    return written


def composition_figure(stats: dict) -> Figure:
    figure = Figure(figsize=(10, 4), dpi=DPI, layout="constrained")
    tiers, personas = figure.subplots(1, 2)
    bar_chart(tiers, stats.get("by_tier") or {}, "Conversations by tier")
    bar_chart(personas, stats.get("by_persona") or {}, "Conversations by persona")
    return figure


def scores_figure(stats: dict) -> Figure:
    figure = Figure(figsize=(8, 4), dpi=DPI, layout="constrained")
    axes = figure.subplots()
    scores = [float(score) for score in stats.get("scores") or []]
    threshold = float(settings.QUALITY_THRESHOLD)
    axes.set_title("Quality score distribution")
    axes.set_xlabel("Quality score (0 to 10)")
    axes.set_ylabel("Conversations")
    axes.set_xlim(0, 10)
    if not scores:
        no_data(axes)
        return figure
    axes.hist(scores, bins=[step / 2 for step in range(21)], color=BAR_COLOUR, edgecolor="white")
    axes.axvline(
        threshold,
        color=THRESHOLD_COLOUR,
        linestyle="--",
        linewidth=1.5,
        label=f"quality threshold ({threshold:g})",
    )
    axes.legend(loc="upper left")
    return figure


def coverage_figure(stats: dict) -> Figure:
    return heatmap_figure(stats.get("persona_arc") or {}, "Coverage: persona × emotional arc")


def arc_topic_figure(stats: dict) -> Figure:
    return heatmap_figure(stats.get("arc_topic") or {}, "Coverage: emotional arc × training topic")


def bar_chart(axes: Axes, counts: Mapping[str, int], title: str) -> None:
    axes.set_title(title)
    if not counts:
        no_data(axes)
        return
    labels = list(counts)
    positions = range(len(labels))
    axes.bar(positions, [counts[label] for label in labels], color=BAR_COLOUR)
    axes.set_xticks(positions, labels, rotation=20, ha="right")
    axes.set_ylabel("Conversations")
    axes.margins(y=0.12)
    for position, label in zip(positions, labels, strict=True):
        axes.annotate(str(counts[label]), (position, counts[label]), ha="center", va="bottom")


def heatmap_figure(grid: Mapping[str, Mapping[str, int]], title: str) -> Figure:
    """Rows are the grid's keys, columns every key seen in any row (sorted), cells the counts."""
    rows = sorted(grid)
    columns = sorted({column for row in grid.values() for column in row})
    width = min(4 + 0.45 * len(columns), 24)
    # Room under the grid for the rotated column names.
    height = min(3.5 + 0.4 * len(rows), 16)
    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    axes = figure.subplots()
    axes.set_title(title)
    if not rows or not columns:
        no_data(axes)
        return figure
    values = [[grid[row].get(column, 0) for column in columns] for row in rows]
    image = axes.imshow(values, cmap="Blues", aspect="auto", vmin=0)
    axes.set_xticks(range(len(columns)), columns, rotation=60, ha="right", fontsize=8)
    axes.set_yticks(range(len(rows)), rows, fontsize=8)
    highest = max(max(row) for row in values) or 1
    for y, row in enumerate(values):
        for x, count in enumerate(row):
            colour = "white" if count > highest / 2 else "black"
            axes.text(x, y, str(count), ha="center", va="center", fontsize=7, color=colour)
    colorbar = figure.colorbar(image, ax=axes, label="Conversations")
    colorbar.ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return figure


def no_data(axes: Axes) -> None:
    axes.text(0.5, 0.5, NO_DATA, ha="center", va="center", transform=axes.transAxes, fontsize=14)
    axes.set_xticks([])
    axes.set_yticks([])


FIGURES: list[tuple[str, Callable[[dict], Figure]]] = [
    ("composition.png", composition_figure),
    ("scores.png", scores_figure),
    ("coverage.png", coverage_figure),
    ("arc-topic.png", arc_topic_figure),
]

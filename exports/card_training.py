"""The card's "Train with TRL" section: the recipe exports/training/recipe.py holds (the code
train_check runs, the model id left as a placeholder) and, once a train check has run on the
release, what it measured and the max_length it suggests.

The export writes the section unmeasured (max_length=None: nothing is cut); `train_check`
rewrites it in the release's README.md, between the section's markers, and then rewrites
SHA256SUMS, the recorded file list and the archives so the release stays whole."""

import os
import re
from pathlib import Path

from django.template.loader import render_to_string

from exports.archives import write_checksums, write_tar, write_zip
from exports.building import temporary_paths
from exports.models import Release, TrainCheck
from exports.release_options import release_paths
from exports.training.recipe import recipe_lines

TEMPLATE = "exports/card_training.md"
MODEL_PLACEHOLDER = "YOUR_MODEL_ID"
BEGIN, END = "<!-- train-with-trl -->", "<!-- /train-with-trl -->"
SECTION = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.DOTALL)


def training_section(repo_id: str, check: TrainCheck | None = None) -> str:
    """The section's markdown, markers included."""
    context = {
        "repo_id": repo_id,
        "model_id": MODEL_PLACEHOLDER,
        "max_length": check.suggested_max_length if check else None,
        "recipe": "\n".join(recipe_lines()),
        "check": check,
        "loss_share": f"{100 * check.loss_token_share:.1f}%" if check else "",
        "generation_tag": "{% generation %}",
    }
    body = render_to_string(TEMPLATE, context).strip()
    return f"{BEGIN}\n{body}\n{END}"


def has_section(release: Release) -> bool:
    readme = Path(release.folder) / "README.md"
    return readme.is_file() and bool(SECTION.search(readme.read_text(encoding="utf-8")))


def update_card(release: Release, check: TrainCheck) -> None:
    """Put the check's figures into the release's card; rewrite its checksums and archives."""
    folder = Path(release.folder)
    readme = folder / "README.md"
    text = readme.read_text(encoding="utf-8")
    section = training_section(repo_id(release), check)
    if not SECTION.search(text):
        raise ValueError(f"{readme} has no 'Train with TRL' section to update; rebuild it.")
    readme.write_text(SECTION.sub(lambda _: section, text, count=1), encoding="utf-8")
    release.files = write_checksums(folder)
    _target_folder, zip_path, tar_path = release_paths(release.name)
    root = zip_path.parent
    if root == folder.parent:
        _building, temporary_zip, temporary_tar = temporary_paths(root, release.name)
        try:
            write_zip(folder, release.name, temporary_zip)
            write_tar(folder, release.name, temporary_tar)
            os.replace(temporary_zip, zip_path)
            os.replace(temporary_tar, tar_path)
        finally:
            for leftover in (temporary_zip, temporary_tar):
                leftover.unlink(missing_ok=True)
    release.save(update_fields=["files"])


def repo_id(release: Release) -> str:
    from exports.card import REPO_PLACEHOLDER

    return f"{REPO_PLACEHOLDER}/{release.name}"

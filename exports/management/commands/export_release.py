from typing import Any

from django.core.management.base import BaseCommand, CommandError

from exports.composition import EMULATOR
from exports.models import Release
from exports.package import ReleaseError, ReleaseOptions, export_release, release_paths
from exports.selection import LEFT_OUT_REASONS, Selection, SelectionError


def written_by(release: Release) -> str:
    """Claude's models, and the emulator when it wrote any: never a model it stood in for."""
    writers = [f"Claude ({model})" for model in release.models_used]
    if release.sources.get(EMULATOR):
        writers.append("the offline emulator (no language model)")
    return ", ".join(writers) or "-"


class Command(BaseCommand):
    help = (
        "Build a release of completed conversations (all, or those of the given jobs; by "
        "default only those that passed their checks and no reviewer rejected): the "
        "training and chat JSONL, the JSON array, the metadata CSV, the quality report, the "
        "dataset card, LICENSE.txt and SHA256SUMS, then a .zip and a .tar.gz beside the folder. "
        "Prints the release folder's path last."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        # --version is the release's version here; Django's own --version (print Django's
        # version) gives way to it.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--name", required=True, help="Release name, e.g. emotional-intelligence-100-v1.0"
        )
        parser.add_argument("--version", default="1.0.0", help="Semantic version (default 1.0.0)")
        parser.add_argument(
            "--job", action="append", default=[], dest="jobs", help="A batch job id (repeatable)"
        )
        parser.add_argument(
            "--include-failed",
            action="store_true",
            help="Also conversations that failed their checks (by default only those that passed)",
        )
        parser.add_argument(
            "--include-rejected",
            action="store_true",
            help="Also conversations a reviewer rejected (by default they stay out and their "
            "regenerations go in)",
        )
        parser.add_argument(
            "--validation-fraction",
            type=float,
            default=None,
            help="Share of conversations in chat/validation.jsonl (default: the setting, 0.1)",
        )
        parser.add_argument("--seed", type=int, default=None, help="Seed of the chat split")
        parser.add_argument(
            "--force", action="store_true", help="Rebuild a release that already exists"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            selection = Selection.from_ids(
                options["jobs"],
                passed_checks=not options["include_failed"],
                not_rejected=not options["include_rejected"],
            )
            release = export_release(
                ReleaseOptions(
                    name=options["name"],
                    version=options["version"],
                    selection=selection,
                    validation_fraction=options["validation_fraction"],
                    seed=options["seed"],
                    force=options["force"],
                )
            )
        except (ReleaseError, SelectionError) as error:
            raise CommandError(str(error)) from None
        self.summarise(release)
        self.stdout.write(release.folder)

    def summarise(self, release: Release) -> None:
        sources = ", ".join(f"{name}: {count}" for name, count in release.sources.items())
        self.stdout.write(
            f"Release {release.name} {release.version}: {release.conversation_count} "
            f"conversations ({sources}); written by {written_by(release)}; "
            f"prompts {', '.join(release.prompt_versions)}"
        )
        left_out = release.selection.get("left_out") or {}
        if left_out.get("total"):
            reasons = ", ".join(
                f"{count} {LEFT_OUT_REASONS[reason]}"
                for reason, count in left_out["by_reason"].items()
                if count
            )
            self.stdout.write(
                f"Left out {left_out['total']} completed conversation(s): {reasons} "
                "(--include-failed / --include-rejected put them in)."
            )
        if release.sources.get("offline_emulator"):
            self.stdout.write(
                "Note: offline emulator conversations are marked "
                "conversation_source: offline_emulator in every file."
            )
        folder, zip_path, tar_path = release_paths(release.name)
        self.stdout.write(f"In the folder {folder}/:")
        for entry in release.files:
            self.stdout.write(f"  {entry['path']:<32} {entry['bytes']:>12,} bytes")
        self.stdout.write(f"Beside it, in {folder.parent}/:")
        for archive in (zip_path, tar_path):
            self.stdout.write(f"  {archive.name:<32} {archive.stat().st_size:>12,} bytes")

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from exports.hub import PublishError, check_repo_id, publish, release_files
from exports.models import Release


class Command(BaseCommand):
    help = (
        "Publish a release to a HuggingFace Hub dataset repository (one commit, tagged "
        "v<version>). The token comes from HF_TOKEN and the Hub from HF_ENDPOINT."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name", help="The release's name, e.g. emotional-intelligence-100-v1.0")
        parser.add_argument("--repo", required=True, help="The Hub dataset repository, ORG/NAME")
        parser.add_argument("--private", action="store_true", help="Create the repository private")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the release's files and list what would be uploaded; contact no Hub",
        )

    def handle(self, *args: Any, name: str, repo: str, **options: Any) -> None:
        release = find_release(name)
        try:
            if options["dry_run"]:
                self.dry_run(release, repo)
                return
            publication = publish(
                release, repo, private=options["private"], progress=self.stdout.write
            )
        except PublishError as err:
            raise CommandError(str(err)) from None
        offline = release.sources.get("offline_emulator", 0)
        if offline:
            self.stdout.write(
                f"Note: {offline} of its conversations come from the offline emulator "
                "(marked conversation_source: offline_emulator)."
            )
        visibility = "private" if publication.private else "public"
        if publication.changed:
            self.stdout.write(
                f"Published {release.name} to {repo} ({visibility}): commit "
                f"{publication.commit_sha[:12]} tagged {publication.tag}\n{publication.commit_url}"
            )
        else:
            self.stdout.write(
                f"{repo} already holds {release.name} unchanged at tag {publication.tag} "
                f"(commit {publication.commit_sha[:12]}): nothing published."
            )

    def dry_run(self, release: Release, repo: str) -> None:
        check_repo_id(repo)
        files = release_files(release)
        for entry in files:
            self.stdout.write(f"  {entry.path} ({entry.size:,} bytes, sha256 {entry.sha256[:12]})")
        total = sum(entry.size for entry in files)
        self.stdout.write(
            f"Dry run: would publish {len(files)} files ({total:,} bytes) of {release.name} "
            f"to {repo} tagged v{release.version}; nothing sent."
        )


def find_release(name: str) -> Release:
    try:
        return Release.objects.get(name=name)
    except Release.DoesNotExist:
        known = ", ".join(Release.objects.values_list("name", flat=True)[:5]) or "none yet"
        raise CommandError(f"No release named {name!r} (known: {known}).") from None

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from generation.coverage import coverage_report
from generation.planner import PlanningError, Scaffold, plan_parameter_sets, tier_counts
from generation.plans import ParameterSet, PlanError, read_plan, write_plan


class Command(BaseCommand):
    help = (
        "Plan N balanced parameter sets from the active scaffolding, write them as JSON "
        "(the spec's parameter-sets-100.json) and print the coverage report. With --check, "
        "read a plan back (after editing it) and report its errors and coverage instead."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--count", type=int, default=100, help="Conversations (default 100).")
        parser.add_argument("--template", type=int, help="Template sets (default 70%%).")
        parser.add_argument("--scenario", type=int, help="Scenario sets (default 20%%).")
        parser.add_argument("--edge-case", type=int, help="Edge-case sets (default 10%%).")
        parser.add_argument("--seed", type=int, help="Makes the plan reproducible.")
        parser.add_argument("--out", type=Path, help="Where to write the plan (JSON).")
        parser.add_argument("--check", type=Path, metavar="PLAN", help="Check a plan file.")

    def handle(self, *args: Any, **options: Any) -> None:
        scaffold = Scaffold.active()
        check = options["check"]
        sets = self._read(check) if check else self._plan(scaffold, options)
        self.stdout.write(format_coverage(coverage_report(sets, scaffold)))

    def _read(self, path: Path) -> list[ParameterSet]:
        try:
            sets = [resolved.parameters for resolved in read_plan(path)]
        except PlanError as error:
            lines = [f"  {where}: {msg}" for where, msgs in error.errors.items() for msg in msgs]
            raise CommandError(f"{path} cannot be submitted:\n" + "\n".join(lines)) from None
        self.stdout.write(self.style.SUCCESS(f"{path}: {len(sets)} parameter sets, all valid"))
        return sets

    def _plan(self, scaffold: Scaffold, options: dict[str, Any]) -> list[ParameterSet]:
        counts = tier_counts(options["count"]) if options["count"] > 0 else {}
        for tier in ("template", "scenario", "edge_case"):
            if options[tier] is not None:
                counts[tier] = options[tier]
        if not 0 < sum(counts.values()) <= 10_000:
            raise CommandError("A plan has 1 to 10,000 conversations.")
        try:
            sets = plan_parameter_sets(counts=counts, seed=options["seed"], scaffold=scaffold)
        except PlanningError as error:
            raise CommandError(str(error)) from None
        path = options["out"] or settings.DATA_DIR / "plans" / f"parameter-sets-{len(sets)}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_plan(sets, path)
        self.stdout.write(self.style.SUCCESS(f"Wrote {len(sets)} parameter sets to {path}"))
        return sets


def format_coverage(report: dict[str, Any]) -> str:
    lines = [f"Coverage: {report['total']} conversations"]
    for label, key in (("tier", "byTier"), ("persona", "byPersona")):
        counts = ", ".join(f"{name} {count}" for name, count in report[key].items())
        lines.append(f"  by {label}: {counts}")
    for label, key in (("arcs", "byArc"), ("topics", "byTopic")):
        values = list(report[key].values())
        lines.append(f"  {label}: {len(values)} used, {min(values)}-{max(values)} each")
    for label, key in (("persona x arc", "personaArc"), ("arc x topic", "arcTopic")):
        pairs = report["pairs"][key]
        lines.append(
            f"  {label} pairs: {pairs['used']}/{pairs['possible']} used, "
            f"at most {pairs['maxRepeat']} times each"
        )
    if report["byEdgeCase"]:
        lines.append(f"  edge cases: {len(report['byEdgeCase'])} distinct")
    lines += [f"  warning: {warning}" for warning in report["warnings"]] or ["  no warnings"]
    return "\n".join(lines)

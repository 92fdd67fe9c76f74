"""``jobctl validate``, ``jobctl schema`` and ``jobctl crds``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..spec import (
    Problem,
    auth_session_file_schema,
    crd_documents,
    job_file_schema,
    load_paths,
    render_crd_yaml,
)
from ..spec.intuned_json import FILE_NAMES, ProjectSettingsError, find, read_project_settings


def register(commands: Any) -> None:
    validate = commands.add_parser(
        "validate",
        help="check job files and manifests; one located line per problem",
        description="Validate job files (*.job.jsonc, *.job.json) and Job/JobRun YAML "
        "manifests. Folders are searched recursively. Exit 0 when all are valid, 1 otherwise.",
    )
    validate.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    validate.add_argument("--json", action="store_true", help="print one JSON report")
    validate.set_defaults(handler=run_validate)

    schema = commands.add_parser(
        "schema", help="print the JSON Schema (draft 2020-12) of job files"
    )
    schema.add_argument(
        "--kind",
        choices=("job", "auth-session"),
        default="job",
        help="which file's schema (default: %(default)s)",
    )
    schema.set_defaults(handler=run_schema)

    crds = commands.add_parser(
        "crds", help="write the Job, JobRun and AuthSession CRDs generated from the models"
    )
    crds.add_argument("--output-dir", default="crds", type=Path, help="default: %(default)s")
    crds.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if the files are out of date"
    )
    crds.set_defaults(handler=run_crds)


def run_validate(args: argparse.Namespace) -> int:
    result = load_paths(args.paths, secret_references=True)  # manifests are for a cluster
    problems = sorted(
        result.problems + _project_settings_problems(args.paths), key=lambda p: (p.file, p.position)
    )
    if args.json:
        report = {
            "valid": not problems,
            "files": result.files,
            "jobs": sorted(job.job_id for job in result.jobs),
            "authSessions": sorted(s.session_id for s in result.auth_sessions),
            "problems": [p.as_json() for p in problems],
        }
        print(json.dumps(report, indent=2))
    else:
        for problem in problems:
            print(problem)
        if problems:
            bad = len({p.file for p in problems})
            print(f"{len(problems)} problem(s) in {bad} file(s)", file=sys.stderr)
        else:
            found = f"{len(result.jobs)} job(s), {len(result.auth_sessions)} auth session(s)"
            print(f"{result.files} file(s) valid: {found}", file=sys.stderr)
    return 1 if problems else 0


def _project_settings_problems(paths: list[str]) -> list[Problem]:
    """An ``Intuned.json[c]`` given, or at the top of a folder given, is checked too."""
    problems: list[Problem] = []
    for given in map(Path, paths):
        found = given if given.name in FILE_NAMES else find(given) if given.is_dir() else None
        if found is None:
            continue
        try:
            read_project_settings(found.parent)
        except ProjectSettingsError as exc:
            problems += exc.problems
    return problems


def run_schema(args: argparse.Namespace) -> int:
    schema = job_file_schema() if args.kind == "job" else auth_session_file_schema()
    print(json.dumps(schema, indent=2))
    return 0


def run_crds(args: argparse.Namespace) -> int:
    stale = []
    for name, document in crd_documents().items():
        path = args.output_dir / name
        text = render_crd_yaml(document)
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    verb = "out of date" if args.check else "written"
    for path in stale:
        print(f"{path}: {verb}")
    if args.check and stale:
        print("run `jobctl crds` to regenerate them", file=sys.stderr)
        return 1
    return 0

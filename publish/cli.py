"""Command line: `python -m publish build | validate`. Heavy libraries load inside the commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DESCRIPTION = """Publish party-pledge comparisons from the seed texts.

  build     seeds -> tables -> datapackage/ (the open dataset) and build/ (zip, workbook, report)
  validate  check a built data package with Frictionless (0 errors expected)
  diff      list pledges added, removed and changed between two versions of the package
  add       copy or download a programme (PDF, web page, text) into the seeds and add it to the manifest
  review    write a sheet of the pairs and chapters most worth an editor's look; --apply merges it into seeds/
"""


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m publish", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = root.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="run all stages and write every output")
    build.add_argument("--seeds", type=Path, default=Path("seeds"), help="folder with sources.toml and the texts (default: seeds)")
    build.add_argument("--package", type=Path, default=Path("datapackage"), help="where the data package goes (default: datapackage)")
    build.add_argument("--out", type=Path, default=Path("build"), help="where the zip, workbook and report go (default: build)")
    build.add_argument("--no-report", action="store_true", help="skip the booklet (HTML and PDFs): data package and workbook only")
    build.add_argument("--templates", type=Path, default=None, help="the booklet's templates, CSS and fonts (default: report_templates)")
    build.add_argument(
        "--paper",
        choices=["a4", "a5"],
        default="a4",
        help="paper of report.pdf (default: a4); report-booklet.pdf is always A5 imposed on A4",
    )
    diff = commands.add_parser("diff", help="pledges added, removed and changed between two package versions")
    diff.add_argument("old", type=Path, help="the older package (folder or datapackage.json)")
    diff.add_argument("new", type=Path, help="the newer package (folder or datapackage.json)")
    diff.add_argument(
        "--csv",
        type=Path,
        default=None,
        help="also write the changes as CSV to this file (a text starting with = + - @ gets a ' in front, as in the package)",
    )
    add = commands.add_parser("add", help="add a programme (PDF, web page or text; a path or an http(s) address) to the seeds")
    add.add_argument("source", help="the file's path, or its http(s) address")
    add.add_argument("--actor", required=True, help="the id of the party (a new one is added to the manifest)")
    add.add_argument("--group", default=None, help="the comparison group of a new party")
    add.add_argument("--title", default=None, help="the document's title (default: the file's name)")
    add.add_argument("--seeds", type=Path, default=Path("seeds"), help="folder with sources.toml and the texts (default: seeds)")
    review = commands.add_parser("review", help="write the editor's review sheet (--out), or merge a filled one into the seeds (--apply)")
    action = review.add_mutually_exclusive_group(required=True)
    action.add_argument("--out", type=Path, metavar="FILE.xlsx", help="write the sheet of pairs and chapters to review to this .xlsx file")
    action.add_argument(
        "--apply",
        type=Path,
        metavar="FILE.xlsx",
        help="merge the decisions of this filled sheet into relations.csv and topic_overrides.csv",
    )
    review.add_argument(
        "--seeds", type=Path, default=Path("seeds"), metavar="DIR", help="folder with sources.toml and the texts (default: seeds)"
    )
    review.add_argument("--rows", type=int, default=200, metavar="N", help="the most pairs on the sheet (default: 200)")
    review.add_argument("--replace", action="store_true", help="replace an existing --out file (it may hold decisions not yet applied)")
    validate = commands.add_parser("validate", help="validate a built data package")
    validate.add_argument("package", type=Path, nargs="?", default=Path("datapackage/datapackage.json"), help="path to datapackage.json")
    validate.add_argument(
        "--trusted",
        action="store_true",
        help="let the package read absolute, parent and remote paths (default: only files inside its folder)",
    )
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from publish.errors import InputError, printable
    from publish.helper import HelperDied

    try:
        if args.command == "build":
            return _build(args)
        if args.command == "diff":
            return _diff(args)
        if args.command == "add":
            return _add(args)
        if args.command == "review":
            return _review(args)
        return _validate(args.package, args.trusted)
    except InputError as err:
        return _error(str(err))
    except HelperDied as err:
        return _error(f"{err}; no output was changed\n  hint: run the build again; if it recurs, the machine may be out of memory")
    except OSError as err:  # a disk full, a folder that vanished: the staging folders were removed
        where = err.filename or _written(args)
        unchanged = "; no output was changed" if args.command == "build" else ""
        return _error(printable(f"{where}: {err.strerror or err}{unchanged}\n  hint: free some space or choose another folder"))
    except KeyboardInterrupt:
        print("interrupted: no output was changed", file=sys.stderr)
        return 130


def _error(message: str) -> int:
    from publish.errors import printable

    print(printable(f"error: {message}"), file=sys.stderr)  # every terminal line is escaped in one way
    return 2


def _written(args: argparse.Namespace) -> str:
    """Where a command writes, for an error the operating system gave without a file name."""
    if args.command == "build":
        return f"{args.package} or {args.out}"
    if args.command == "review":
        return str(args.out or args.seeds)
    return str(args.csv) if args.command == "diff" and args.csv else "output"


def _build(args: argparse.Namespace) -> int:
    from publish.build import Paths, build

    paths = Paths(seeds=args.seeds, package=args.package, out=args.out, paper=args.paper, report=not args.no_report)
    if args.templates is not None:
        paths.templates = args.templates.resolve()
    build(paths)
    return 0


def _add(args: argparse.Namespace) -> int:
    from publish.add import add

    added = add(args.source, args.actor, seeds=args.seeds, group=args.group, title=args.title)
    print(f"{added.file}: document {added.document_id!r}; {added.layout}; {added.pledges} pledges")
    return 0


def _diff(args: argparse.Namespace) -> int:
    from publish import diff
    from publish.errors import InputError

    if args.csv and not args.csv.parent.is_dir():
        raise InputError(args.csv, f"no folder {args.csv.parent} to write into", hint="create the folder first, or give another --csv path")
    changes = diff.compare(diff.load(args.old), diff.load(args.new))
    if args.csv:
        args.csv.write_text(diff.as_csv(changes), encoding="utf-8")
    print(diff.as_text(changes), end="")
    return 0


def _review(args: argparse.Namespace) -> int:
    import time

    from publish import review
    from publish.errors import printable

    start = time.perf_counter()
    if args.out:
        written = review.review(args.out, args.seeds, rows=args.rows, replace=args.replace)
        groups = ", ".join(f"{group} {n}" for group, n in sorted(written.pairs_by_group.items()))
        print(
            printable(f"{written.path}: {written.pairs} pairs ({groups}), {written.pledges} pledges for chapters, in {time.perf_counter() - start:.1f} s")
        )
        return 0
    applied = review.apply(args.apply, args.seeds)
    print(
        printable(
            f"{args.seeds / 'relations.csv'}: {applied.relations_added} row(s) added, {applied.relations_kept} already there; "
            f"{args.seeds / 'topic_overrides.csv'}: {applied.overrides_added} row(s) added, {applied.overrides_kept} already there"
        )
    )
    return 0


def _validate(path: Path, trusted: bool) -> int:
    from publish.errors import InputError, printable
    from publish.package import validate_package

    if path.is_dir():
        path = path / "datapackage.json"
    if not path.is_file():
        raise InputError(path, "no datapackage.json here", hint="run `python -m publish build` first")
    errors = validate_package(path, trusted=trusted)
    for error in errors:
        print(printable(error))
    print(printable(f"{path}: {len(errors)} errors"))
    return 1 if errors else 0

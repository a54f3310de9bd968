"""Moscow's Dilemma: check the data package, or rebuild the report from it.

examples:
  python -m dilemma check                        validate data/ (exit 0 ok, 1 with one line per problem)
  python -m dilemma check --audit                the same, then the provenance audit
  python -m dilemma build                        check, run every notebook, rewrite notebooks/, figures/ (PNG, SVG,
                                                 PDF, CSV, index, briefing.pdf) and README.md's generated blocks
  python -m dilemma build --data D --out O       build from a copy of the data into O, leaving the repository as it is
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dilemma import paths

# jsonschema (imported by frictionless and nbformat) builds about 35 Lark parsers at import when the optional
# rfc3987-syntax package is installed (jupyter-events pulls it in): about 1 s per run, for "iri" formats that
# no schema here uses. Marking it absent makes jsonschema skip that checker
# (https://github.com/python-jsonschema/jsonschema/issues/1428).
sys.modules.setdefault("rfc3987_syntax", None)


def _positive(text: str) -> int:
    """An argument that counts processes: a whole number of at least 1."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1 (got {text!r})")
    return int(text)


def _check(args: argparse.Namespace) -> int:
    from dilemma.schema import check, report_lines, rewrite_notes

    result = check(args.data)
    if not result.ok:
        print("\n".join(report_lines(result.problems)), flush=True)  # before the count on stderr, when both are captured
        print(f"{len(result.problems)} problem(s) found in {paths.display(args.data)}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{name} {len(t.rows)}" for name, t in result.tables.items())
    print(f"ok: {paths.display(args.data)} is valid (data as of {result.package['data_as_of']}; rows: {counts})")
    for note in rewrite_notes(args.data):  # on stderr: valid data gives one summary line on stdout
        print(note, file=sys.stderr)
    if args.audit:
        _print_audit(result)
    return 0


def _print_audit(result) -> None:
    from dilemma.analysis import AUDIT_NOTE, aggregator_only_rows, audit_for_readers, top_rows_under_two_outlets

    frames = {name: table.frame.reset_index(drop=True) for name, table in result.tables.items()}
    table = audit_for_readers(frames)
    print(f"\nProvenance audit\n{table.to_string()}\n{AUDIT_NOTE}.")
    uncited = table.attrs["uncited_sources"]
    print(f"sources cited by no row: {len(uncited)}" + (f" ({', '.join(uncited)})" if uncited else ""))
    only = aggregator_only_rows(frames)
    print(f"rows resting only on aggregator copies: {len(only)} (unattributed: no copy names the original outlet)")
    for row in only.itertuples():
        print(f"  {row.table}: {row.row}" + ("  (unattributed)" if row.unattributed else ""))
    top = top_rows_under_two_outlets(frames)
    print("rows (other than statements) marked confirmed or high on fewer than two independent outlets and no "
          f"official record: {len(top)}")
    for row in top.itertuples():
        print(f"  {row.table}: {row.row}")


def _build(args: argparse.Namespace) -> int:
    from dilemma.build import build

    return build(data=args.data, out=args.out, jobs=args.jobs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dilemma", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate every table of the data package")
    check.add_argument("--data", type=Path, default=paths.data_dir(),
                       help="data folder (default: the repository's data/, or $DILEMMA_DATA_DIR)")
    check.add_argument("--audit", action="store_true",
                       help="also print the provenance audit: independent sources, aggregator-only and claimed rows")
    check.set_defaults(run=_check)
    build = commands.add_parser("build", help="check the data, execute every notebook, write figures and briefing",
                                description="Check the data (stop on any problem), execute every notebook, then write "
                                            "notebooks/, figures/ (with figures/README.md and briefing.pdf) and README.md's "
                                            "generated blocks: in the repository, or under --out.")
    build.add_argument("--data", type=Path, default=None,
                       help="data folder (default: the repository's data/); another folder needs --out")
    build.add_argument("--out", type=Path, default=None,
                       help="write notebooks/, figures/ and README.md under this folder, leaving the repository as it is")
    build.add_argument("--jobs", type=_positive, default=None,
                       help="notebooks run at once, at least 1 (default: number of cores)")
    build.set_defaults(run=_build)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except BrokenPipeError:  # output piped into `head` and closed early: not an error of ours
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())

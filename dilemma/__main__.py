"""Command line: ``python -m dilemma check|build``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dilemma import paths


def _check(args: argparse.Namespace) -> int:
    from dilemma.schema import check

    result = check(args.data)
    if not result.ok:
        for problem in result.problems:
            print(problem)
        print(f"{len(result.problems)} problem(s) found in {paths.display(args.data)}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{name} {len(t.rows)}" for name, t in result.tables.items())
    print(f"ok: {paths.display(args.data)} is valid (data as of {result.package['data_as_of']}; rows: {counts})")
    return 0


def _build(args: argparse.Namespace) -> int:
    from dilemma.build import build

    return build(data=args.data, out=args.out, jobs=args.jobs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dilemma", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate every table of the data package")
    check.add_argument("--data", type=Path, default=paths.data_dir(), help="data folder (default: %(default)s)")
    check.set_defaults(run=_check)
    build = commands.add_parser("build", help="check the data, execute every notebook, write figures and briefing")
    build.add_argument("--data", type=Path, default=None, help="data folder (default: the repository's data/)")
    build.add_argument("--out", type=Path, default=None, help="write notebooks and figures here instead of in place")
    build.add_argument("--jobs", type=int, default=None, help="notebooks run in parallel (default: number of cores)")
    build.set_defaults(run=_build)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())

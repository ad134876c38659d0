"""``python -m pipeline``: the build steps from the command line (see pipeline/steps.py)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pipeline import BuildError
from pipeline.steps import FINISH, STAGE, copy_docs, describe, run_finish, run_stage


def main(argv: list[str] | None = None) -> int:
    names = sorted({s.name for s in STAGE} | {s.name for s in FINISH})
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=describe(),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["list", "stage", "finish", "zensical", *[f"{n}" for n in names]])
    parser.add_argument("directory", nargs="?", type=Path,
                        help="the staged docs tree (stage steps) or the built site (finish steps, zensical)")
    parser.add_argument("--after", action="store_true",
                        help="for mathjax: typeset the built site (default: stage its fonts)")
    args = parser.parse_args(argv)
    if args.command == "list":
        print(describe())
        return 0
    if args.directory is None:
        parser.error(f"{args.command} needs a directory")
    start = time.perf_counter()
    try:
        if args.command == "zensical":
            from pipeline import zensical

            zensical.build(args.directory)
        elif args.command == "stage":
            copy_docs(args.directory)
            run_stage(STAGE, args.directory)
        elif args.command == "finish":
            run_finish(FINISH, args.directory)
        elif args.command == "mathjax" and args.after or args.command not in {s.name for s in STAGE}:
            run_finish([s for s in FINISH if s.name == args.command], args.directory)
        else:
            run_stage([s for s in STAGE if s.name == args.command], args.directory)
    except BuildError as error:
        print(f"pipeline {args.command}: {error}", file=sys.stderr)
        return 1
    print(f"pipeline {args.command}: done in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

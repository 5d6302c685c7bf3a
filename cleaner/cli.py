"""The command line: a thin shell over the library.

Exit status: 0 all documents cleaned, 1 some failed (each listed on stderr), 2 usage error.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .batch import Summary, UsageError, clean_bytes, format_for, run_files
from .boilerplate import RuleError
from .config import CleanerConfig, ConfigError, load_config
from .decode import DecodeError
from .extract import ExtractError
from .pipeline import InputTooLargeError

EXIT_OK, EXIT_FAILURES, EXIT_USAGE = 0, 1, 2
_DOCUMENT_ERRORS = (DecodeError, ExtractError, InputTooLargeError)

DESCRIPTION = """\
Clean scraped web documents: strip boilerplate (menus, share prompts, comment forms, ad labels,
related links, credits), repair mojibake, and write tidy, normalised text.

  cleaner clean page.html notes.txt -o out/     clean files into out/
  cleaner clean scraped/ -o out/                clean a folder, recursively
  cleaner clean - < page.txt > clean.txt        read stdin, write stdout
  cleaner explain page.txt                      show what would be removed or repaired, and why
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cleaner", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"cleaner {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--format", choices=("auto", "text", "html"), default=None,
                        help="input format; 'auto' (the default) detects HTML by content, "
                             "and .html/.htm files are read as HTML")
    common.add_argument("--config", metavar="FILE",
                        help="settings from a TOML file (default: [tool.cleaner] in the nearest "
                             "pyproject.toml, if any)")
    common.add_argument("--rules", metavar="FILE", action="append", default=[],
                        help="an extra phrase file (TOML, as in cleaner/rules/); may be repeated")
    common.add_argument("--no-repair", action="store_true", help="do not repair mojibake")
    common.add_argument("--no-boilerplate", action="store_true", help="do not remove boilerplate")

    clean = commands.add_parser(
        "clean", parents=[common], help="clean files or folders into an output folder",
        description="Clean each INPUT (a file, a folder searched recursively, or - for stdin) and "
                    "write one cleaned .txt per input file under OUTDIR, at the same relative path.")
    clean.add_argument("inputs", nargs="+", metavar="INPUT", help="file, folder, or - for stdin")
    clean.add_argument("-o", "--output", metavar="OUTDIR",
                       help="output folder (required unless the input is -, which writes stdout)")
    clean.add_argument("--engine", choices=("local", "ray"), default="local",
                       help="where to run: this process (default) or Ray Data, for JSONL/Parquet records")
    clean.add_argument("--ray-address", metavar="ADDR",
                       help="with --engine ray: join this Ray cluster (default: start a local instance)")

    explain = commands.add_parser(
        "explain", parents=[common], help="show what would be removed or repaired, and why",
        description="Print every repair and removal cleaning FILE would make, naming the rule "
                    "or repair behind each, then the cleaned text.")
    explain.add_argument("file", metavar="FILE", help="the document to explain, or - for stdin")
    explain.add_argument("--trace-only", action="store_true", help="print the changes, not the text")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = _config(args)
        if args.command == "clean":
            return _clean(args, config)
        return _explain(args, config)
    except (UsageError, ConfigError, RuleError) as error:
        print(f"cleaner: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("cleaner: interrupted", file=sys.stderr)
        return 130


def _config(args: argparse.Namespace) -> CleanerConfig:
    config = load_config(args.config, search_from=Path.cwd())
    updates = {}
    if args.rules:
        updates["extra_rule_files"] = config.extra_rule_files + tuple(str(Path(r).resolve()) for r in args.rules)
    if args.no_repair:
        updates["repair"] = False
    if args.no_boilerplate:
        updates["boilerplate"] = False
    config = config._replace(**updates)
    # Fail early, as a usage error, on a rule file that cannot load.
    from .boilerplate import load_rules
    load_rules(config.languages, config.extra_rule_files)
    return config


def _read_stdin() -> bytes:
    return sys.stdin.buffer.read()


def _clean(args: argparse.Namespace, config: CleanerConfig) -> int:
    if args.inputs == ["-"]:
        if args.output not in (None, "-"):
            raise UsageError("with - as input the cleaned text goes to stdout; drop -o")
        try:
            result = clean_bytes(_read_stdin(), source="<stdin>", format=args.format or "auto", config=config)
        except _DOCUMENT_ERRORS as error:
            print(f"cleaner: {error}", file=sys.stderr)
            return EXIT_FAILURES
        sys.stdout.write(result.text)
        return EXIT_OK
    if "-" in args.inputs:
        raise UsageError("- (stdin) cannot be mixed with file inputs")
    if not args.output:
        raise UsageError("give an output folder with -o OUTDIR")
    output = Path(args.output)
    if output.exists() and not output.is_dir():
        raise UsageError(f"output {output} exists and is not a folder")
    missing = [i for i in args.inputs if not Path(i).exists()]
    if len(missing) == len(args.inputs):
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    if args.engine == "ray":
        from .integrations.ray_cli import run_ray
        return _finish(run_ray(args.inputs, output, config, format=args.format, address=args.ray_address,
                               text_field=getattr(args, "text_field", None) or "text"))
    if args.ray_address:
        raise UsageError("--ray-address needs --engine ray")
    summary = run_files(args.inputs, output, config, format=args.format)
    return _finish(summary)


def _finish(summary: Summary) -> int:
    for line in summary.lines():
        print(f"cleaner: {line}", file=sys.stderr)
    return EXIT_FAILURES if summary.failures else EXIT_OK


def _explain(args: argparse.Namespace, config: CleanerConfig) -> int:
    source = "<stdin>" if args.file == "-" else args.file
    try:
        data = _read_stdin() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as error:
        print(f"cleaner: {source}: cannot read: {error.strerror or error}", file=sys.stderr)
        return EXIT_FAILURES
    fmt = args.format or (format_for(Path(args.file)) if args.file != "-" else "auto")
    try:
        result = clean_bytes(data, source=source, format=fmt, config=config)
    except _DOCUMENT_ERRORS as error:
        print(f"cleaner: {error}", file=sys.stderr)
        return EXIT_FAILURES
    print(f"== {source}: {len(result.changes)} changes")
    print(result.report())
    if not args.trace_only:
        print("== cleaned text")
        sys.stdout.write(result.text)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

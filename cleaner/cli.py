"""The command line: a thin shell over the library.

Exit status: 0 all documents cleaned, 1 some failed (each listed on stderr), 2 usage error.
"""
from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from . import __version__
from .config import CleanerConfig, ConfigError, load_config

# The batch machinery and the stages are imported once the arguments are parsed, so that
# `--help`, `--version` and usage errors answer at once.

EXIT_OK, EXIT_FAILURES, EXIT_USAGE = 0, 1, 2


def _document_errors() -> tuple[type[Exception], ...]:
    """The errors that fail one document (reported, exit status 1) rather than the run."""
    from .decode import DecodeError
    from .extract import ExtractError
    from .pipeline import InputTooLargeError
    return DecodeError, ExtractError, InputTooLargeError

DESCRIPTION = """\
Clean scraped web documents: strip boilerplate (menus, share prompts, comment forms, ad labels,
related links, credits), repair mojibake, and write tidy, normalised text.

  cleaner clean page.html notes.txt -o out/     clean files into out/
  cleaner clean scraped/ -o out/                clean a folder, recursively
  cleaner clean - < page.txt > clean.txt        read stdin, write stdout
  cleaner clean corpus/ -o out/ --jobs 8 --report report.jsonl
                                                JSONL/Parquet shards (.gz/.zst too), in parallel
  zstdcat x.jsonl.zst | cleaner clean --jsonl - | zstd > clean.jsonl.zst
                                                JSON lines through a pipeline
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
                       help="output folder (required unless the input is -); - writes stdout "
                            "(JSON lines when the inputs are files)")
    clean.add_argument("-j", "--jobs", type=_positive_int, default=None, metavar="N",
                       help="worker processes (default: all cores)")
    clean.add_argument("--include", action="append", default=[], metavar="GLOB",
                       help="in folders, only files whose relative path or name matches; may be repeated")
    clean.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                       help="in folders, skip files whose relative path or name matches; may be repeated")
    clean.add_argument("--jsonl", action="store_true", help="stdin is JSON lines (one record per line)")
    clean.add_argument("--text-field", default="text", metavar="NAME",
                       help="the field of JSONL/Parquet records holding the text (default: text)")
    clean.add_argument("--id-field", default="id", metavar="NAME",
                       help="the records' id field (default: id); missing ids become PATH:LINE")
    clean.add_argument("--report", metavar="FILE",
                       help="write one JSON line per document: what was removed and repaired, and why")
    clean.add_argument("--report-field", metavar="NAME",
                       help="add a compact report (changes counted by rule) to each output record")
    clean.add_argument("--resume", action="store_true",
                       help="keep outputs that already exist (they are complete) and clean the rest")
    clean.add_argument("--site-lines", action="store_true",
                       help="also remove lines recurring across many documents of one site "
                            "(host of the url field, else the folder); two passes")
    clean.add_argument("--time-limit", type=float, default=None, metavar="SECONDS",
                       help="stop a document after this long and report it (default: config time_limit)")
    clean.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    clean.add_argument("--progress-every", type=float, default=10.0, metavar="SECONDS",
                       help="when stderr is not a terminal, print a progress line this often (default 10)")
    clean.add_argument("--engine", choices=("local", "ray"), default="local",
                       help="where to run: this machine's process pool (default) or Ray Data, "
                            "for JSONL/Parquet records (see Distributed runs in the README)")
    clean.add_argument("--ray-address", metavar="ADDR",
                       help="with --engine ray: join this Ray cluster (default: start a local instance)")

    explain = commands.add_parser(
        "explain", parents=[common], help="show what would be removed or repaired, and why",
        description="Print every repair and removal cleaning FILE would make, naming the rule "
                    "or repair behind each, then the cleaned text.")
    explain.add_argument("file", metavar="FILE", help="the document to explain, or - for stdin")
    explain.add_argument("--trace-only", action="store_true", help="print the changes, not the text")
    return parser


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def _terminate(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from .batch import UsageError
    from .boilerplate import RuleError

    previous_term = None
    if args.command == "clean":
        # `kill` stops a run the way Ctrl-C does: workers end, temporary files go.
        previous_term = signal.signal(signal.SIGTERM, _terminate)
    try:
        config = _config(args)
        if args.command == "clean":
            return _clean(args, config)
        return _explain(args, config)
    except (UsageError, ConfigError, RuleError) as error:
        print(f"cleaner: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("cleaner: interrupted; run again with --resume to finish", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of our stdout went away (e.g. `| head`): stop quietly
        sys.stderr.close()
        return EXIT_FAILURES
    finally:
        if previous_term is not None:
            signal.signal(signal.SIGTERM, previous_term)


def _config(args: argparse.Namespace) -> CleanerConfig:
    config = load_config(args.config, search_from=Path.cwd())
    updates = {}
    if args.rules:
        updates["extra_rule_files"] = config.extra_rule_files + tuple(str(Path(r).resolve()) for r in args.rules)
    if args.no_repair:
        updates["repair"] = False
    if args.no_boilerplate:
        updates["boilerplate"] = False
    if getattr(args, "site_lines", False):
        updates["site_lines"] = True
    if getattr(args, "time_limit", None) is not None:
        updates["time_limit"] = args.time_limit
    config = config._replace(**updates)
    # Fail early, as a usage error, on a rule file that cannot load.
    from .boilerplate import load_rules
    load_rules(config.languages, config.extra_rule_files)
    return config


def _read_stdin() -> bytes:
    return sys.stdin.buffer.read()


def _clean(args: argparse.Namespace, config: CleanerConfig) -> int:
    from .batch import Options, UsageError, clean_bytes, default_jobs, run, run_stdin_jsonl
    from .progress import Progress

    if args.ray_address and args.engine != "ray":
        raise UsageError("--ray-address needs --engine ray")
    jobs = args.jobs or default_jobs()
    options = Options(config=config, format=args.format, text_field=args.text_field, id_field=args.id_field,
                      report_field=args.report_field)
    progress = None if args.quiet else Progress(every=args.progress_every)
    if "-" in args.inputs and args.inputs != ["-"]:
        raise UsageError("- (stdin) cannot be mixed with file inputs")
    if args.engine == "ray" and (args.inputs == ["-"] or args.output == "-"):
        raise UsageError("--engine ray reads files and writes an output folder (not stdin or -o -)")
    if args.inputs == ["-"]:
        if args.output not in (None, "-"):
            raise UsageError("with - as input the cleaned text goes to stdout; drop -o")
        if config.site_lines:
            raise UsageError("--site-lines reads its inputs twice, so it needs files, not stdin")
        if args.resume or args.report:
            raise UsageError("--resume and --report need file inputs and an output folder")
        if args.jsonl:
            summary = run_stdin_jsonl(sys.stdin.buffer, sys.stdout.buffer, options, jobs=jobs,
                                      progress=None if args.quiet else Progress(every=args.progress_every))
            return _finish(summary)
        try:
            result = clean_bytes(_read_stdin(), source="<stdin>", format=args.format or "auto", config=config)
        except _document_errors() as error:
            print(f"cleaner: {error}", file=sys.stderr)
            return EXIT_FAILURES
        sys.stdout.write(result.text)
        return EXIT_OK
    if not args.output:
        raise UsageError("give an output folder with -o OUTDIR (or -o - for JSON lines on stdout)")
    missing = [i for i in args.inputs if not Path(i).exists()]
    if len(missing) == len(args.inputs):
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    if args.output == "-":
        if args.resume:
            raise UsageError("--resume needs an output folder, not -o -")
        summary = run(args.inputs, None, options, jobs=jobs, include=tuple(args.include),
                      exclude=tuple(args.exclude), report=args.report, progress=progress,
                      stdout=sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return _finish(summary)
    output = Path(args.output)
    if output.exists() and not output.is_dir():
        raise UsageError(f"output {output} exists and is not a folder")
    for given in args.inputs:
        if Path(given).is_dir() and Path(given).resolve() == output.resolve():
            raise UsageError(f"output folder {output} is the input folder {given}; choose another -o")
    if args.engine == "ray":
        return _finish(_clean_on_ray(args, output, config))
    summary = run(args.inputs, output, options, jobs=jobs, include=tuple(args.include),
                  exclude=tuple(args.exclude), resume=args.resume, report=args.report, progress=progress)
    return _finish(summary)


# Options of the local run that the Ray run does not implement: refused rather than ignored.
_LOCAL_ONLY = {"include": "--include", "exclude": "--exclude", "report": "--report",
               "report_field": "--report-field", "resume": "--resume", "time_limit": "--time-limit"}


def _clean_on_ray(args: argparse.Namespace, output: Path, config: CleanerConfig) -> Summary:
    from .batch import UsageError

    given = [flag for name, flag in _LOCAL_ONLY.items() if getattr(args, name)]
    if args.id_field != "id":
        given.append("--id-field")
    if given:
        raise UsageError(f"{', '.join(given)} not available with --engine ray")
    from .integrations.ray_cli import run_ray

    # --jobs sizes a local Ray instance; a cluster (--ray-address) has its own size.
    return run_ray(args.inputs, output, config, format=args.format, text_field=args.text_field,
                   address=args.ray_address, num_cpus=args.jobs)


def _finish(summary: Summary) -> int:
    for line in summary.lines():
        print(f"cleaner: {line}", file=sys.stderr)
    return EXIT_FAILURES if summary.failures else EXIT_OK


def _explain(args: argparse.Namespace, config: CleanerConfig) -> int:
    from .batch import clean_bytes, format_for

    source = "<stdin>" if args.file == "-" else args.file
    try:
        data = _read_stdin() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as error:
        print(f"cleaner: {source}: cannot read: {error.strerror or error}", file=sys.stderr)
        return EXIT_FAILURES
    fmt = args.format or (format_for(Path(args.file)) if args.file != "-" else "auto")
    try:
        result = clean_bytes(data, source=source, format=fmt, config=config)
    except _document_errors() as error:
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

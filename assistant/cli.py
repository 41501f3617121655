"""The `trials` command. Argument parsing only: each subcommand lives with the part it drives."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

# Nothing reaches the network at run time: set before any ML or UI library is imported.
for _name, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
}.items():
    os.environ.setdefault(_name, _value)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trials", description="Clinical-trial assistant.")
    sub = parser.add_subparsers(dest="command", required=True)

    p_index = sub.add_parser("index", help="index record files or folders (incremental)")
    p_index.add_argument("paths", nargs="*", default=["seeds"], help="files or folders (default: seeds/)")
    p_index.add_argument(
        "--check",
        action="store_true",
        help="check the index for damage (unreadable or missing vectors) and repair it; reads no files",
    )

    p_ask = sub.add_parser("ask", help="ask one question")
    p_ask.add_argument("question")
    p_ask.add_argument("--json", action="store_true", help="print the Answer JSON")
    paging = p_ask.add_mutually_exclusive_group()
    paging.add_argument(
        "--all", action="store_true", help="every result row and verdict, not only those shown"
    )
    paging.add_argument("--limit", type=_count(1), help="this many result rows and verdicts (a page)")
    p_ask.add_argument("--offset", type=_count(0), default=0, help="the first result of the page (0-based)")

    p_chat = sub.add_parser("chat", help="interactive conversation")
    p_chat.add_argument("--jsonl", action="store_true", help="one question per stdin line, JSON out")

    p_serve = sub.add_parser("serve", help="chat UI, widget and HTTP API")
    p_serve.add_argument("--host", default="127.0.0.1")
    p_serve.add_argument("--port", type=int, default=7860)

    p_eval = sub.add_parser("eval", help="run the eval suite; non-zero exit when a gate fails")
    p_eval.add_argument("--report", default=None, help="folder for the JSON/markdown/HTML report")
    return parser


def _count(least: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least `least` (argparse names the option in its error)."""

    def parse(text: str) -> int:
        if not text.strip().isdigit() or int(text) < least:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least {least}")
        return int(text)

    return parse


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from pydantic import ValidationError

    from index.settings import get_settings, settings_error_line

    try:
        get_settings()
    except ValidationError as exc:  # a bad environment variable: one line, not a traceback
        print(f"trials {args.command}: {settings_error_line(exc)}", file=sys.stderr)
        return 2
    if args.command == "index":
        from index.pipeline import check_command, index_command

        return check_command() if args.check else index_command(args.paths)
    if args.command == "ask":
        from assistant.commands import Paging, ask_command

        return ask_command(args.question, as_json=args.json, page=Paging(args.offset, args.limit, args.all))
    if args.command == "chat":
        from assistant.commands import chat_command

        return chat_command(jsonl=args.jsonl)
    if args.command == "serve":
        from ui.server import serve_command

        return serve_command(host=args.host, port=args.port)
    if args.command == "eval":
        from evals.runner import eval_command

        return eval_command(report_dir=args.report)
    return 2


if __name__ == "__main__":
    sys.exit(main())

"""Reading one cell's step declaration, from a `%%mlstep` line or from cell tags.

Both forms go through the same option parser, so `%%mlstep train --after prep --retries 2`
and the tags `mlstep:train`, `after:prep`, `retries:2` mean exactly the same thing.
`%%mlcheck NAME` (tag `mlcheck:NAME`) declares a step of kind "check": a safeguard whose
failed assertion ends the run as `check_failed` rather than `failed`.
"""

from __future__ import annotations

import argparse
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

MAGIC = "%%mlstep"
CHECK_MAGIC = "%%mlcheck"
#: magic (and, without its "%%", tag key) → the kind of step it declares
KINDS = {MAGIC: "step", CHECK_MAGIC: "check"}
TAG_PREFIX = "mlstep:"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MEMORY = re.compile(r"^\d+(\.\d+)?[kmgKMG]?[bB]?$")
_POOL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$")  # a Kubernetes label value


class OptionError(ValueError):
    """A malformed option; the caller adds the cell and step to the message."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would print and exit the process
        raise OptionError(message)


def _names(value: str) -> list[str]:
    names = [n.strip() for n in value.split(",") if n.strip()]
    for n in names:
        if not _NAME.match(n):
            raise argparse.ArgumentTypeError(f"{n!r} is not a valid step name")
    return names


def _paths(value: str) -> list[str]:
    return [p.strip() for p in value.split(",") if p.strip()]


def _memory(value: str) -> str:
    if not _MEMORY.match(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a memory size like 512m or 4g")
    return value.lower()


def _pool(value: str) -> str:
    if not _POOL.match(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a node pool name (letters, digits, -, _, .; at most 63)")
    return value


def _number(value: str, kind: type) -> float:
    try:
        return kind(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not {'an integer' if kind is int else 'a number'}") from None


def _non_negative_int(value: str) -> int:
    number = _number(value, int)
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value!r} must be 0 or more")
    return number


def _positive_float(value: str) -> float:
    number = _number(value, float)
    if number <= 0:
        raise argparse.ArgumentTypeError(f"{value!r} must be greater than 0")
    return number


def _build_parser() -> _Parser:
    parser = _Parser(prog=MAGIC, add_help=False, allow_abbrev=False)
    parser.add_argument("name")
    parser.add_argument("--after", type=_names, action="extend", default=None,
                        help="steps this one depends on (comma-separated)")
    parser.add_argument("--retries", type=_non_negative_int, default=0,
                        help="re-execute the step's cells this many times on failure")
    parser.add_argument("--timeout", type=_positive_float, default=None, help="seconds for the whole step")
    parser.add_argument("--image", default=None, help="container image for this step")
    parser.add_argument("--cpus", type=_positive_float, default=None)
    parser.add_argument("--memory", type=_memory, default=None)
    parser.add_argument("--gpus", type=_non_negative_int, default=None)
    parser.add_argument("--pool", type=_pool, default=None,
                        help="node pool for this step when exported (jupyter-mlops export)")
    parser.add_argument("--inputs", type=_paths, action="extend", default=None, help="files the step reads")
    parser.add_argument("--outputs", type=_paths, action="extend", default=None, help="files the step writes")
    return parser


PARSER = _build_parser()
OPTION_NAMES = tuple(a.dest for a in PARSER._actions if a.option_strings)  # for tags and help


@dataclass
class Declaration:
    """A step declared on one cell."""

    name: str
    after: list[str] | None  # None: depends on the step before it
    options: dict[str, Any] = field(default_factory=dict)
    kind: str = "step"  # "check" for %%mlcheck


def parse_option_line(line: str, kind: str = "step") -> Declaration:
    """Parse what follows `%%mlstep` (or `%%mlcheck`, kind "check") on a cell's first line."""
    try:
        args = PARSER.parse_args(shlex.split(line))
    except ValueError as exc:  # shlex: unbalanced quotes
        raise OptionError(str(exc)) from None
    if not _NAME.match(args.name):
        raise OptionError(f"{args.name!r} is not a valid step name (letters, digits, _; not starting with a digit)")
    values = vars(args)
    name, after = values.pop("name"), values.pop("after")
    options = {k: v for k, v in values.items() if v is not None}
    return Declaration(name=name, after=after, options=options, kind=kind)


def magic_declaration(source: str) -> tuple[str, str] | None:
    """(kind, option text) of a cell starting with `%%mlstep` or `%%mlcheck`, or None."""
    first = source.lstrip("\n").split("\n", 1)[0].strip()
    for magic, kind in KINDS.items():
        if first == magic or first.startswith(magic + " "):
            return kind, first[len(magic):].strip()
    return None


def magic_line(source: str) -> str | None:
    """The option text of a cell starting with `%%mlstep` or `%%mlcheck`, or None."""
    declared = magic_declaration(source)
    return declared[1] if declared else None


def tags_to_line(tags: list[str]) -> tuple[str, str] | None:
    """Turn `mlstep:NAME` (or `mlcheck:NAME`), `after:A,B` and option tags into (kind, option line), or None."""
    name = None
    kind = "step"
    words: list[str] = []
    tag_kinds = {magic.lstrip("%"): k for magic, k in KINDS.items()}
    for tag in tags:
        key, sep, value = tag.partition(":")
        if not sep:
            continue
        if key in tag_kinds:
            name, kind = value, tag_kinds[key]
        elif key in OPTION_NAMES:
            words += [f"--{key}", value]
    if name is None:
        if words:
            raise OptionError(f"option tags {' '.join(words[::2])} without an 'mlstep:NAME' tag")
        return None
    return kind, shlex.join([name, *words])

"""drillsim's command line in the language in force: its help pages, click's own words and its usage errors.

click reads a command's help and its options' help at import, before `--lang`
is known, and says its own words ("Usage:", "Options:", "Missing argument")
through the standard library's gettext. So drillsim's help texts are marked
with `N_` where they are written and translated here when a page is rendered
(`Command`, `Group`, `HelpFormatter`), and a usage error is said again from
its attributes (`problem`); English is click's output unchanged. Chinese is
wrapped by terminal cells, since a Chinese character takes two.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable, Sequence

import click
from rich.cells import cell_len

from drillsim import i18n
from drillsim.i18n import N_, _, ngettext

_METAVARS = (N_("[OPTIONS]"), N_("COMMAND [ARGS]..."), N_("INTEGER RANGE"), N_("FLOAT RANGE"), N_("INTEGER"),
             N_("FLOAT"), N_("TEXT"), N_("DIRECTORY"), N_("FILE"), N_("PATH"))
"""click's placeholders in a usage line and after an option: the type of value it takes (drillsim's own metavars,
SCENARIO, RULE=RATE, are names used in the help texts and stay as written)."""
_COMMANDS = N_("Commands")
"""click's heading of a group's commands; the formatter translates every heading (a command may add its own)."""
HELP = N_("Show this message and exit.")
VERSION = N_("Show the version and exit.")


def english() -> bool:
    return i18n.language() == i18n.SOURCE


_PIECE = re.compile(r"\s+|[（「『“《]*(?:[!-~]+|\S)[、，。；：！？）」』”》]*")
"""What a Chinese line may break between: spaces, or a run of Latin letters, digits and signs (never split) or one
other character, with the opening punctuation that must not end a line and the closing one that must not begin it."""


def wrap(text: str, width: int, initial: str = "", subsequent: str = "") -> list[str]:
    """One paragraph in lines of at most `width` terminal cells (a piece wider than the line is left whole)."""
    lines: list[str] = []
    line, indent = initial, initial
    for piece in _PIECE.findall(" ".join(text.split())):
        if line != indent and cell_len(line) + cell_len(piece) > width:
            lines.append(line.rstrip())
            line = indent = subsequent
            if piece.isspace():
                continue
        line += piece
    return [*lines, line.rstrip()]


def _paragraphs(text: str, width: int, indent: str = "") -> list[str]:
    """click's paragraphs (blank lines between; `\\b` first: kept as written), each wrapped by cells."""
    out: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text.strip("\n")):
        kept = paragraph.splitlines()
        if kept and kept[0].strip() == "\b":
            block = [indent + line for line in kept[1:]]
        else:
            block = wrap(paragraph, width, indent, indent)
        out += [*([""] if out else []), *block]
    return out


class HelpFormatter(click.HelpFormatter):
    """click's formatter, its headings and usage prefix from drillsim's catalog, Chinese wrapped by terminal cells."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, _("Usage:") + " " if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        said = _("{heading}:").format(heading=i18n.gettext(heading))
        self.write(f"{'':>{self.current_indent}}{said}\n")

    def write_text(self, text: str) -> None:
        if english():
            super().write_text(text)
            return
        self.write("\n".join(_paragraphs(text, self.width, " " * self.current_indent)) + "\n")

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        """click's definition list, measured in terminal cells in Chinese."""
        if english():
            super().write_dl(rows, col_max, col_spacing)
            return
        rows = list(rows)
        first = min(max(cell_len(term) for term, _text in rows), col_max) + col_spacing
        indent = " " * self.current_indent
        for term, text in rows:
            self.write(f"{indent}{term}")
            if not text:
                self.write("\n")
                continue
            if cell_len(term) <= first - col_spacing:
                self.write(" " * (first - cell_len(term)))
            else:
                self.write("\n" + " " * (first + self.current_indent))
            lines = _paragraphs(text, max(self.width - first - 2, 10))
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(f"{'':>{first + self.current_indent}}{line}\n")


class Context(click.Context):
    formatter_class = HelpFormatter


def _metavar(option: click.Option, ctx: click.Context) -> tuple[str, str]:
    """An option's metavar as click shows it, and as the language in force does."""
    shown = option.make_metavar(ctx)
    return shown, (i18n.gettext(shown) if option.metavar is None and shown in _METAVARS else shown)


def option_record(option: click.Option, ctx: click.Context) -> tuple[str, str] | None:
    """An option's line of the help page: its names and value, its help and click's bracket (default, range)."""
    record = option.get_help_record(ctx)
    if english() or record is None:
        return record
    spec = record[0]
    if not option.is_flag and not option.count:
        shown, said = _metavar(option, ctx)
        spec = spec.replace(f" {shown}", f" {said}")
    text = i18n.gettext(option.help) if option.help else ""
    extra = option.get_help_extra(ctx)
    items = [*([_("default: {default}").format(default=extra["default"])] if "default" in extra else []),
             *([extra["range"]] if "range" in extra else []), *([_("required")] if "required" in extra else [])]
    if items:
        joined = _("; ").join(items)
        text = f"{text}  [{joined}]" if text else f"[{joined}]"
    return spec, text


class Command(click.Command):
    """A drillsim command: its help page in the language in force (help texts marked with `N_`)."""

    context_class = Context

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        text = inspect.cleandoc(i18n.gettext(self.help)).partition("\f")[0] if self.help else ""
        if text:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(text)

    def get_short_help_str(self, limit: int = 45) -> str:
        """In Chinese: the help's first sentence, cut to `limit` terminal cells."""
        if english():
            return super().get_short_help_str(limit)
        written = self.short_help or self.help
        text = " ".join(i18n.gettext(written).partition("\n\n")[0].split()) if written else ""
        sentence = text.partition("。")[0]
        if cell_len(sentence) <= limit:
            return sentence
        while cell_len(sentence) > limit - 3:
            sentence = sentence[:-1]
        return sentence + "..."

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        return [i18n.gettext(piece) if piece in _METAVARS else piece for piece in super().collect_usage_pieces(ctx)]

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP
        return option

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        records = [record for param in self.get_params(ctx) if isinstance(param, click.Option)
                   if (record := option_record(param, ctx)) is not None]
        if records:
            with formatter.section(N_("Options")):
                formatter.write_dl(records)


class Group(Command, click.Group):
    """A drillsim group of commands: its help page, and the list of its commands, in the language in force."""

    command_class = Command

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_options(ctx, formatter)
        self.format_commands(ctx, formatter)


Group.group_class = Group
"""A group's groups are drillsim groups (not the class of the group above, which may be the `drillsim` command's)."""


def _quoted(names: Iterable[str]) -> str:
    return _(", ").join(repr(name) for name in names)


def _unknown(said: str, name: str, possibilities: Sequence[str] | None) -> str:
    """An option or command click does not know, with the names it would have taken (click's "did you mean")."""
    if not possibilities:
        return said.format(name=repr(name))
    return ngettext("{unknown}, did you mean {names}", "{unknown}, did you mean one of {names}",
                    len(possibilities)).format(unknown=said.format(name=repr(name)),
                                               names=_quoted(sorted(possibilities)))


def _hint(exc: click.BadParameter) -> str:
    if exc.param_hint is not None:
        return exc.param_hint if isinstance(exc.param_hint, str) else " / ".join(map(repr, exc.param_hint))
    return exc.param.get_error_hint(exc.ctx) if exc.param is not None and exc.ctx is not None else ""


_PATH_PROBLEMS = {"does not exist": N_("{kind} {value} does not exist"), "is a file": N_("{kind} {value} is a file"),
                  "is a directory": N_("{kind} {value} is a directory"),
                  "is not readable": N_("{kind} {value} is not readable"),
                  "is not writable": N_("{kind} {value} is not writable")}
_PATH_KINDS = {"File": N_("File"), "Directory": N_("Directory"), "Path": N_("Path")}
_NUMBERS = {"integer": N_("a whole number"), "integer range": N_("a whole number"), "float": N_("a number"),
            "float range": N_("a number")}


def _value_problem(message: str, param: click.Parameter | None) -> str:
    """What click's type said of a bad value, in the language in force (as said when it is none of these)."""
    kind = param.type if param is not None else None
    if isinstance(kind, click.Choice) and (found := re.match(r"(.+) is not (?:one of )?.+\.$", message)):
        return _("{value} is not one of {choices}").format(value=found[1], choices=_quoted(map(str, kind.choices)))
    if found := re.match(r"(.+) is not a valid (integer range|float range|integer|float)\.$", message):
        return _("{value} is not {number}").format(value=found[1], number=i18n.gettext(_NUMBERS[found[2]]))
    if found := re.match(r"(.+) is not in the range (.+)\.$", message):
        return _("{value} is not in the range {range}").format(value=found[1], range=found[2])
    if found := re.match(r"(File|Directory|Path) (.+) (" + "|".join(_PATH_PROBLEMS) + r")\.$", message):
        return i18n.gettext(_PATH_PROBLEMS[found[3]]).format(kind=i18n.gettext(_PATH_KINDS[found[1]]), value=found[2])
    return message.rstrip(".")


def problem(exc: click.UsageError) -> str:
    """A usage error's sentence without its full stop: click's in English, said again from its attributes in
    another language (an unknown option or command, a missing or bad value, an extra argument, no command)."""
    if english():
        return exc.format_message().rstrip(".")
    if isinstance(exc, click.NoSuchOption):
        return _unknown(_("no such option {name}"), exc.option_name, exc.possibilities)
    if isinstance(exc, click.exceptions.NoSuchCommand):
        return _unknown(_("no such command {name}"), exc.command_name, exc.possibilities)
    if isinstance(exc, click.MissingParameter):
        what = exc.param_type or (exc.param.param_type_name if exc.param is not None else "parameter")
        said = _("missing argument {name}") if what == "argument" else _("missing option {name}")
        return said.format(name=_hint(exc))
    if isinstance(exc, click.BadParameter):
        return _("invalid value for {name}: {problem}").format(name=_hint(exc),
                                                               problem=_value_problem(exc.message, exc.param))
    if isinstance(exc, click.BadOptionUsage):
        if exc.message.endswith("does not take a value."):
            return _("option {option} takes no value").format(option=repr(exc.option_name))
        if " requires " in exc.message:
            return _("option {option} needs a value").format(option=repr(exc.option_name))
    if found := re.match(r"Got unexpected extra arguments? \((.*)\)$", exc.message):
        return _("unexpected extra arguments: {arguments}").format(arguments=found[1])
    if exc.message == "Missing command.":
        return _("missing command")
    return exc.format_message().rstrip(".")


def lang_in(args: Sequence[str]) -> str | None:
    """The value of `--lang` anywhere on a command line (before `--`; the last one given, as click takes it): read
    before click parses the line, so that help and errors speak it wherever it is written (`drillsim run --help
    --lang zh`)."""
    found = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            found = args[i + 1]
        elif arg.startswith("--lang="):
            found = arg.partition("=")[2]
    return found


__all__ = ["VERSION", "Command", "Context", "Group", "HelpFormatter", "lang_in", "problem"]

"""The facilitator's console: a full-screen terminal view of a running drill (textual).

It only shows what the DrillBoard and DrillClock compute and passes key
presses to them; every record reaches the drill log (synced to disk) before
the screen changes, so quitting, Ctrl-C or a crash loses nothing. Its words
are drillsim's messages in the language in force (drillsim.i18n); the plan's
entries are named by drillsim.scenario.names, and widths count terminal
cells, a Chinese character taking two. In a terminal narrower than WIDE the
open deadlines take the whole width, the injects below them, so the
countdowns stay visible at 80 columns.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Label, OptionList, Static
from textual.widgets.option_list import Option

from drillsim.exercise.board import Countdown, DrillBoard, DrillClock, Task
from drillsim.i18n import _
from drillsim.scenario.names import colour_name, scenario_name, title_of
from drillsim.scenario.schema import Scenario
from drillsim.scenario.units import format_duration, format_offset
from drillsim.text import visible

STATE_STYLE = {"ok": "green", "amber": "bold dark_orange", "red": "bold white on red"}
TASK_COLUMNS = {"incident": 11, "chg": 3, "milestone": 28, "who: step": 26, "recorded": 11, "level": 5,
                "verdict": 20}
"""The chain table's columns and their fixed widths in terminal cells (wider where a heading needs it): a record
never makes the table jump."""
COUNTDOWN_COLUMNS = {"incident": 11, "deadline": 21, "due": 9, "left": 9, "state": 6}
"""The open deadlines' columns and their widths in terminal cells."""
WIDE = 100
"""Below this many columns the open deadlines are not beside the injects but above them, at full width."""


def _task_heads() -> dict[str, str]:
    """The chain table's column headings in the language in force, by column."""
    return {"incident": _("incident"), "chg": _("chg"), "milestone": _("milestone"), "who: step": _("who: step"),
            "recorded": _("recorded"), "level": _("level"), "verdict": _("verdict")}


def _countdown_heads() -> dict[str, str]:
    """The open deadlines' column headings in the language in force, by column."""
    return {"incident": _("incident"), "deadline": _("deadline"), "due": _("due"), "left": _("left"),
            "state": _("state")}


def _state_names() -> dict[str, str]:
    """A deadline's state as the console shows it."""
    return {"ok": _("OK"), "amber": _("AMBER"), "red": _("RED")}


def _clock(seconds: float) -> str:
    """`0d 09:31:05`: with seconds always, so the clock does not jump in width as it runs."""
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{days}d {hours:02d}:{minutes:02d}:{secs:02d}"


def _short(text: str, width: int) -> str:
    """`text` in at most `width` terminal cells, cut with an ellipsis (a wide character is not cut in half)."""
    return text if cell_len(text) <= width else set_cell_size(text, width - 1).rstrip() + "…"


def _plain(text: str) -> Text:
    """Scenario text as a cell shows it: Textual reads a str as Rich markup (`[link=...]`, a stray `[/]` crashes)."""
    return Text(visible(text))


class FacilitatorConsole(App[None]):
    """Drill clock, injects as they fall due, open deadlines counting down, and the chain to record."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE, "-wide")]  # noqa: RUF012 (textual annotates it as it reads it)
    CSS = """
    #status { height: 2; padding: 0 1; background: $boost; }
    #chain { height: 1fr; border: round $primary; }
    #carries { height: auto; padding: 0 1; color: $text-muted; }
    #bottom { height: 14; }
    #deadlines { width: 3fr; border: round $warning; }
    #injects { width: 2fr; border: round $secondary; }
    Label.title { text-style: bold; padding: 0 1; }
    Screen.-narrow #bottom { layout: vertical; }
    Screen.-narrow #deadlines { width: 1fr; height: 1fr; }
    Screen.-narrow #injects { width: 1fr; height: 5; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+c", "quit", show=False, priority=True)]

    def __init__(self, board: DrillBoard, clock: DrillClock, *, step: int = 60, log_name: str = "") -> None:
        super().__init__()
        self.title = _("drillsim facilitator console")
        # bound here, not in BINDINGS: the footer's words are those of the language in force when the console starts
        for keys, action, description in (
                ("space", "toggle_clock", _("Run/pause")), ("n", "step", _("Step")), ("r", "record", _("Record now")),
                ("l", "record_level", _("Record with level")), ("u", "withdraw", _("Withdraw")),
                ("plus,equals_sign", "faster", _("Faster")), ("minus", "slower", _("Slower")),
                ("q", "quit", _("Quit"))):
            self.bind(keys, action, description=description)
        self.board = board
        self.clock = clock
        self.step_seconds = step
        self.log_name = log_name
        self.injects_seen: list[str] = []
        self._tasks: list[Task] = []

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        with Vertical(id="chain"):
            yield Label(_("Chain: select a step, Enter records it now, l with a level (u withdraws)"), classes="title")
            yield DataTable(id="tasks", cursor_type="row", zebra_stripes=True)
            yield Static(id="carries")
        with Horizontal(id="bottom"):
            with Vertical(id="deadlines"):
                yield Label(_("Open deadlines"), classes="title")
                yield DataTable(id="countdowns", cursor_type="none", show_cursor=False)
            with VerticalScroll(id="injects"):
                yield Label(_("Injects, newest first"), classes="title")
                yield Static(id="inject-log", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = scenario_name(self.board.scenario)
        tasks = self.query_one("#tasks", DataTable)
        heads = _task_heads()
        for name, width in TASK_COLUMNS.items():
            tasks.add_column(heads[name], key=name, width=max(width, cell_len(heads[name])))
        countdowns = self.query_one("#countdowns", DataTable)
        heads = _countdown_heads()
        for name, width in COUNTDOWN_COLUMNS.items():
            countdowns.add_column(heads[name], key=name, width=max(width, cell_len(heads[name])))
        tasks.focus()
        self.tick()
        self.set_interval(0.25, self.tick)

    # --- refreshing ---------------------------------------------------------------------

    def tick(self) -> None:
        now = self.clock.time
        delivered = self.board.deliver(now)
        for row in delivered:
            self.injects_seen.append(_("{time}  Inject {number} -> {receiver}: {what}. Expected: {action}.").format(
                time=format_offset(row.time), number=row.number, receiver=row.delivered_to, what=row.what_happens,
                action=row.expected_action))
        if delivered:
            self.query_one("#inject-log", Static).update(visible("\n".join(reversed(self.injects_seen))))
        self._status(now)
        self._show_tasks(self.board.tasks(now))
        self._show_carries()
        self._show_countdowns(self.board.countdowns(now))

    def _status(self, now: float) -> None:
        upcoming = self.board.next_inject(now)
        nxt = _("next inject {number} at {time} (in {wait})").format(
            number=upcoming.number, time=format_offset(upcoming.time), wait=format_duration(upcoming.time - now)) \
            if upcoming else _("no more injects")
        state = _("PAUSED") if self.clock.paused else _("RUNNING")
        self.query_one("#status", Static).update(_plain(
            _("Drill time {clock}   x{speed}   {state}   {next}").format(
                clock=_clock(now), speed=f"{self.clock.speed:g}", state=state, next=nxt) + "\n"
            + _("Log: {log}   space run/pause, n step {step}, Enter record, l with level, u withdraw, +/- speed, "
                "q quit").format(log=self.log_name, step=format_duration(self.step_seconds))))

    def _show_tasks(self, tasks: list[Task]) -> None:
        table = self.query_one("#tasks", DataTable)
        if [t.key for t in tasks] != [t.key for t in self._tasks]:
            selected = self.selected_task()
            table.clear()
            for task in tasks:
                table.add_row(*self._cells(task), key="|".join(task.key))
            if selected is not None and selected.key in [t.key for t in tasks]:
                table.move_cursor(row=[t.key for t in tasks].index(selected.key))
        else:
            for old, new in zip(self._tasks, tasks, strict=True):
                if old != new:
                    for name, cell in zip(TASK_COLUMNS, self._cells(new), strict=True):
                        table.update_cell("|".join(new.key), name, cell)
        self._tasks = tasks

    def _show_carries(self) -> None:
        """What the selected step's report must carry (Art. 8.4): a line of its own, wrapped, so that the table
        keeps its width."""
        task = self.selected_task()
        text = "" if task is None else \
            _("{milestone}: its report must carry {carries}").format(milestone=task.milestone, carries=task.carries) \
            if task.carries else _("{milestone}: no report of core elements").format(milestone=task.milestone)
        self.query_one("#carries", Static).update(_plain(text))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "tasks":
            self._show_carries()

    def _cells(self, task: Task) -> tuple[str | Text, ...]:
        verdict: str | Text = task.verdict
        if task.missed:
            verdict = Text(task.verdict, style="bold red")
        elif task.verdict:
            verdict = Text(task.verdict, style="green")
        return (_plain(task.incident), "" if task.change is None else str(task.change), _plain(task.milestone),
                _plain(_short(f"{task.who}: {task.title}", TASK_COLUMNS["who: step"])),
                "" if task.time is None else format_offset(task.time),
                _plain(task.level or ""), verdict)

    def _show_countdowns(self, countdowns: list[Countdown]) -> None:
        table = self.query_one("#countdowns", DataTable)
        table.clear()
        for c in countdowns:
            style = STATE_STYLE[c.state]
            left = format_duration(c.remaining) if c.remaining >= 0 \
                else _("{late} over").format(late=format_duration(-c.remaining))
            name = c.rule if c.change is None else f"{c.rule} ({c.change})"
            table.add_row(_plain(c.incident), _plain(name), format_offset(c.due), Text(left, style=style),
                          Text(_state_names()[c.state], style=style))

    # --- actions ------------------------------------------------------------------------

    def selected_task(self) -> Task | None:
        table = self.query_one("#tasks", DataTable)
        if not self._tasks or table.cursor_row < 0 or table.cursor_row >= len(self._tasks):
            return None
        return self._tasks[table.cursor_row]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter: record the row Enter was pressed on, even if keys typed after it moved the cursor on."""
        if event.data_table.id == "tasks":
            self._record(next((t for t in self._tasks if "|".join(t.key) == event.row_key.value), None))

    def action_record(self) -> None:
        self._record(self.selected_task())

    def action_record_level(self) -> None:
        """Record the selected milestone now, with the level the players gave (a judgement or a change's)."""
        task = self.selected_task()
        if task is None:
            return
        if task.msel_level is None:
            self.notify(_("{milestone} carries no level: only the judgement and continuation reports do.").format(
                milestone=task.milestone), severity="warning")
            return
        now = self.clock.time  # the time of the key press, not of the choice
        default = task.level or task.msel_level
        self.push_screen(LevelPicker(self.board.scenario, default),
                         lambda level: self._record(task, now, level) if level is not None else None)

    def _record(self, task: Task | None, now: float | None = None, level: str | None = None) -> None:
        if task is not None:
            self.board.record(task, self.clock.time if now is None else now, level)
            self.tick()

    def action_withdraw(self) -> None:
        task = self.selected_task()
        if task is not None and self.board.withdraw(task) is not None:
            self.tick()

    def action_toggle_clock(self) -> None:
        self.clock.toggle()
        self.tick()

    def action_step(self) -> None:
        self.clock.step(self.step_seconds)
        self.tick()

    def action_faster(self) -> None:
        self.clock.set_speed(self.clock.speed * 2)
        self.tick()

    def action_slower(self) -> None:
        self.clock.set_speed(self.clock.speed / 2)
        self.tick()


class LevelPicker(ModalScreen[str | None]):
    """The plan's levels, most serious first; Enter picks one, Escape records nothing."""

    CSS = """
    LevelPicker { align: center middle; }
    #levels { width: 50; height: auto; max-height: 12; border: round $accent; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", show=False)]

    def __init__(self, scenario: Scenario, default: str) -> None:
        super().__init__()
        self.scenario = scenario
        self.default = default

    def compose(self) -> ComposeResult:
        levels = self.scenario.levels
        options = [Option(_plain(_("{level}  {colour}, {title}").format(
            level=name, colour=colour_name(levels[name].colour), title=title_of(levels[name]))), id=name)
            for name in self.scenario.level_order]
        picker = OptionList(*options, id="levels")
        picker.border_title = _("Level in force from this milestone")
        yield picker

    def on_mount(self) -> None:
        picker = self.query_one(OptionList)
        picker.highlighted = self.scenario.level_order.index(self.default)
        picker.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)

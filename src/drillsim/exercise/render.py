"""The Jinja2 environment of the exercise documents: HTML autoescaped, Markdown not; in the language in force
(drillsim.i18n), as the run report is (drillsim.report.html.with_i18n)."""

from __future__ import annotations

from functools import cache

import jinja2

from drillsim.i18n import language
from drillsim.report.html import with_i18n
from drillsim.text import finalize


def capitalize_first(text: str) -> str:
    """Upper-case the first letter only (Jinja's `capitalize` lowers the rest, and the rest holds names); Chinese
    has no capitals, so there a leading id (`grid_2 的网格员`) stays as written."""
    return text if language() == "zh" else text[:1].upper() + text[1:]


def markdown_cell(text: object) -> str:
    """Text safe inside a Markdown table cell: pipes escaped, on one line."""
    return str(text).replace("|", "\\|").replace("\n", " ")


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("drillsim.exercise", "templates"),
                             autoescape=jinja2.select_autoescape(["html"], default_for_string=False),
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
                             finalize=finalize)
    env.filters["capitalize_first"] = capitalize_first
    env.filters["cell"] = markdown_cell
    return with_i18n(env)

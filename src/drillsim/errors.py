"""The package's base error: what a user did wrong, said as one clear message (exit status 2), never a traceback.

On the ground floor, beside drillsim.files, so that every room can raise it
without importing another: the scenario's problems (ScenarioError), a file that
cannot be read or written, a cluster that cannot run drillsim's tasks.
"""

from __future__ import annotations


class DrillsimError(Exception):
    """Bad input from a user: reported as a clear message, exit status 2, never a traceback."""


__all__ = ["DrillsimError"]

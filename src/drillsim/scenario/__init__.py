"""Plans and scenarios: the input side of drillsim, validated once into immutable objects."""

from drillsim.scenario.errors import DrillsimError, Problem, ScenarioError
from drillsim.scenario.loader import BUILTIN_PLAN, builtin_plans, load, loads
from drillsim.scenario.schema import Scenario

__all__ = ["BUILTIN_PLAN", "DrillsimError", "Problem", "Scenario", "ScenarioError", "builtin_plans", "load",
           "loads"]

"""The channels reports travel over: which one a sender gets through on, and how long the report takes.

A channel's state is a function of time alone, so every transmission is
known when the report leaves: the chain asks for the transit times once and
waits them out.
"""

from __future__ import annotations

from drillsim.model.incidents import ReportFate
from drillsim.scenario.schema import Channels as ChannelPlan


class Channels:
    """The plan's channels, in the order a sender tries them."""

    def __init__(self, plan: ChannelPlan) -> None:
        self._plan = plan
        first = plan.order[0]
        failing = any(medium.failures for medium in plan.media.values())
        self.steady: tuple[int, str] | None = None if failing else (plan.media[first].delay, first)
        """(delay, channel) of every transmission when no channel ever fails: the first one, always up."""

    def transmission(self, time: float) -> tuple[int, str]:
        """Delay of a report sent at `time` over the first channel found up, and that channel.

        The sender tries the channels in the plan's order, losing each failed
        one's fallback delay, and keeps cycling through them while all are down
        (every failure window ends, so it gets through eventually).
        """
        if self.steady is not None:
            return self.steady
        plan = self._plan
        lost = 0
        while True:
            cycle_start = lost
            for name in plan.order:
                medium = plan.media[name]
                if medium.up(time + lost):
                    return lost + medium.delay, name
                lost += medium.fallback_delay
            if lost == cycle_start:
                lost = min(w.end for name in plan.order for w in plan.media[name].failures
                           if w.end > time + lost) - int(time)

    def send(self, now: float, receivers: int, fate: ReportFate) -> tuple[list[int], list[str]]:
        """The transit time to each of `receivers` receivers in turn, and the channel each went over.

        An incomplete report costs each receiver a follow-up call and a second transmission; a step's own transit
        time comes on top of every transmission.
        """
        delays, channels = [], []
        transit = fate.transit
        for _ in range(receivers):
            delay, channel = self.transmission(now)
            delay += transit
            if fate.incomplete:
                second, _ = self.transmission(now + delay + fate.follow_up)
                delay += fate.follow_up + second + transit
            delays.append(delay)
            channels.append(channel)
            now += delay
        return delays, channels


__all__ = ["Channels"]

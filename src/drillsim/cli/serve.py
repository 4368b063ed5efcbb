"""`drillsim exercise serve`: the drill room in a browser (wall screen, controller, players' report form)."""

from __future__ import annotations

import asyncio
import ipaddress
import secrets
import socket
from pathlib import Path

import click

from drillsim.cli import FiniteRange, echo, user_errors
from drillsim.cli.exercise import _duration, _incident_options, _offset, drill_about, exercise, played_drill, start_of
from drillsim.i18n import N_, _

LOOPBACK = ("localhost", "127.0.0.1", "::1")


def _local(host: str) -> bool:
    """Whether only this machine can reach `host` (then the pages need no token)."""
    return host in LOOPBACK


@exercise.command("serve", help=N_(
    "The drill room in a browser: a wall screen (/), the controller's page (/control) and the players' report "
    "form (/report), all showing one drill.\n\nThe controller's page takes the console's keys (see `drillsim "
    "exercise run`); a report filed on the form is recorded at the drill time it is filed, with the core elements "
    "it carried. Every record is in the drill log on disk before any page shows it; an existing log is continued. "
    "Served on this machine only unless --host says otherwise; then the controller's and players' addresses carry a "
    "token, and without it nothing changes."))
@click.argument("scenario", type=click.Path())
@click.option("--log", "log_path", type=click.Path(dir_okay=False, path_type=Path), default=Path("drill-log.csv"),
              show_default=True, help=N_("The drill log; an existing one is continued."))
@_incident_options
@click.option("--host", default="127.0.0.1", show_default=True,
              help=N_("Address to serve on (0.0.0.0: the room's network; the pages that change the drill then need "
                      "the token printed in their address)."))
@click.option("--port", type=click.IntRange(0, 65535), default=8022, show_default=True,
              help=N_("Port to serve on (0: any free one, printed)."))
@click.option("--speed", type=FiniteRange(min=0, min_open=True), default=1.0, show_default=True,
              help=N_("Drill seconds per real second (60: a drill minute each second)."))
@click.option("--start", callback=_offset, metavar="TIME",
              help=N_("Drill time to start the clock at (default: 5m before the first inject, or the last "
                      "record of a continued log)."))
@click.option("--step", callback=_duration, default="1m", show_default=True, metavar="DURATION",
              help=N_("How far the n key moves the clock."))
@click.option("--forecast/--no-forecast", default=True, show_default=True,
              help=N_("Show each open deadline's chance of still being met, simulated forward after each record."))
def serve(scenario: str, log_path: Path, seed: int | None, scripted: bool, host: str, port: int, speed: float,
          start: int | None, step: int, forecast: bool) -> None:
    import uvicorn

    from drillsim.exercise.board import DrillBoard, DrillClock
    from drillsim.exercise.drilllog import KNOWN, DrillLogWriter
    from drillsim.i18n import language
    from drillsim.room import forecasting
    from drillsim.room.app import create_app
    from drillsim.room.state import Room
    with user_errors():
        loaded, incidents, rows, entries = played_drill(scenario, seed, scripted, start, log_path)
        listening = _listen(host, port)
        port = listening.getsockname()[1]
        writer = DrillLogWriter(log_path, drill_about(loaded, seed, scripted), columns=KNOWN)
    token = None if _local(host) else secrets.token_urlsafe(16)
    with writer:
        board = DrillBoard(loaded, incidents, rows, writer.append, entries)
        room = Room(board, DrillClock(start_of(board, rows, start), speed), step=step, log_name=str(log_path),
                    lang=language())
        background = None
        if forecast and forecasting.available():
            live = forecasting.Forecasting(room, incidents, seed=loaded.seed)
            room.on_record = live.wanted
            background = live.run
        app = create_app(room, token, background)
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
        server = uvicorn.Server(config)
        shown = f"[{host}]" if _is_v6(host) else host
        query = "" if token is None else f"?token={token}"
        echo(_("wall screen:  http://{host}:{port}/").format(host=shown, port=port))
        echo(_("controller:   http://{host}:{port}/control{query}").format(host=shown, port=port, query=query))
        echo(_("report form:  http://{host}:{port}/report{query}").format(host=shown, port=port, query=query))
        echo(_("drill log: {path}; Ctrl-C stops the server (every record is already on disk)").format(path=log_path))
        asyncio.run(server.serve(sockets=[listening]))
    echo(_("drill log: {path}").format(path=log_path))


def _listen(host: str, port: int) -> socket.socket:
    """The server's socket, bound before any address is printed: a port in use is said at once, exit 2."""
    from drillsim.scenario.errors import DrillsimError
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        listening = socket.socket(family, kind, proto)
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind(address)
        listening.listen()  # a browser opened at once waits for the server instead of being refused
    except OSError as exc:
        raise DrillsimError(_("cannot serve on {host} port {port}: {reason}").format(
            host=host, port=port, reason=exc.strerror or exc)) from None
    return listening


def _is_v6(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).version == 6
    except ValueError:
        return False

"""The room's web server: three pages, one stream of the drill's state, and the keys and reports that change it.

Starlette serves the pages (Jinja templates, autoescaped, so scenario text
is text), their script and style from this package (no build step, no
network) and one server-sent-events stream, `/events`, that sends every page
the room's snapshot whenever it changes; the pages' script writes it with
`textContent` only. A change is a POST of JSON to `/api/key` or
`/api/report`: with a token (a room served beyond this machine), one
without it is refused (403) and changes nothing. A POST must be JSON, which a
page of another site cannot send without asking first, and a room without a
token answers only requests made to this machine's own names, so it takes
no change from another site's page either.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from sse_starlette.sse import EventSourceResponse
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from drillsim.exercise.drilllog import DrillLogError
from drillsim.i18n import _, speaking
from drillsim.room.state import Room, RoomError

LOCAL_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")
"""The names this machine's own browser gives the server in the Host header."""
TICK = 0.25
"""Real seconds between the server's looks at the clock: injects falling due, the countdowns while it runs."""


class Waiter:
    """Wakes every page's stream when the room changes."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def wake(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self) -> None:
        await self._event.wait()


def create_app(room: Room, token: str | None = None,
               background: Callable[[], Coroutine[Any, Any, None]] | None = None) -> Starlette:
    """The server of `room`; `token`: what the controller's and players' pages and every POST must carry;
    `background`: a task run as long as the server (the live forecast)."""
    templates = Environment(loader=PackageLoader("drillsim.room", "templates"), autoescape=select_autoescape(
        default=True, default_for_string=True))
    templates.globals["_"] = _
    waiter = Waiter()
    room.listeners.append(waiter.wake)

    def allowed(request: Request, given: str | None) -> bool:
        return token is None or (given is not None and secrets.compare_digest(given, token))

    def page(name: str, needs_token: bool) -> Callable[[Request], Awaitable[Response]]:
        async def show(request: Request) -> Response:
            given = request.query_params.get("token")
            with speaking(room.lang):
                if needs_token and not allowed(request, given):
                    return HTMLResponse(templates.get_template("refused.html").render(lang=room.lang),
                                        status_code=403)
                html = templates.get_template(f"{name}.html").render(
                    lang=room.lang, scenario=room.snapshot()["scenario"], token=given or "",
                    levels=room.levels(), elements=room.elements(), log=room.log_name)
            return HTMLResponse(html, headers={"Cache-Control": "no-store"})
        return show

    async def events(request: Request) -> EventSourceResponse:
        async def stream() -> AsyncIterator[dict[str, Any]]:
            seen = -1
            while True:
                snapshot = room.snapshot()
                if snapshot["version"] != seen:
                    seen = snapshot["version"]
                    yield {"event": "state", "data": json.dumps(snapshot, ensure_ascii=False)}
                await waiter.wait()
        return EventSourceResponse(stream(), ping=15)

    async def change(request: Request, act: Callable[[dict[str, Any]], Any]) -> Response:
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return JSONResponse({"error": "expected JSON"}, status_code=415)
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "expected JSON"}, status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"error": "expected a JSON object"}, status_code=400)
        with speaking(room.lang):
            if not allowed(request, body.get("token")):
                return JSONResponse({"error": _("refused: this page needs the room's token in its address")},
                                    status_code=403)
            try:
                answer = act(body)
            except (RoomError, DrillLogError) as exc:
                return JSONResponse({"error": str(exc), "state": room.snapshot()}, status_code=409)
            return JSONResponse({"answer": answer, "state": room.snapshot()})

    async def key(request: Request) -> Response:
        def act(body: dict[str, Any]) -> Any:
            at = body.get("at")
            return room.press(str(body.get("key")), _text_or_none(body.get("row")), _text_or_none(body.get("level")),
                              float(at) if isinstance(at, int | float) else None)
        return await change(request, act)

    async def report(request: Request) -> Response:
        def act(body: dict[str, Any]) -> Any:
            elements = body.get("elements")
            if not isinstance(elements, list) or not all(isinstance(e, str) for e in elements):
                raise RoomError(_("a report's core elements are a list of their names"))
            entry = room.report(str(body.get("row")), elements)
            return {"time": entry.time, "elements": list(entry.elements or ())}
        return await change(request, act)

    async def ticking() -> None:
        while True:
            room.tick()
            await asyncio.sleep(TICK)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(ticking())]
        if background is not None:
            tasks.append(asyncio.create_task(background()))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    return Starlette(routes=[
        Route("/", page("wall", needs_token=False)),
        Route("/control", page("control", needs_token=True)),
        Route("/report", page("report", needs_token=True)),
        Route("/events", events),
        Route("/api/key", key, methods=["POST"]),
        Route("/api/report", report, methods=["POST"]),
        Mount("/static", StaticFiles(packages=[("drillsim.room", "static")]), name="static"),
    ], lifespan=lifespan, middleware=[] if token is not None else [
        # served without a token, to this machine alone: a page of another site whose name was made to point
        # here (DNS rebinding) names its own host, and is refused
        Middleware(TrustedHostMiddleware, allowed_hosts=list(LOCAL_NAMES))])


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None

"""create_app(settings) -> the ASGI application: Starlette, wrapped by the Socket.IO server."""

from __future__ import annotations

import contextlib
import logging
import weakref
from collections.abc import AsyncIterator
from typing import Any

import socketio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from agora.db import Database
from agora.realtime.server import Realtime
from agora.settings import PROJECT_ROOT, Settings, load_settings
from agora.web import errors
from agora.web.middleware import BodySizeLimit, SecurityHeaders
from agora.web.ratelimit import make_limiter
from agora.web.routing import SegmentRouter

STATIC_DIR = PROJECT_ROOT / "agora" / "static"
log = logging.getLogger("agora")


def routes() -> list[BaseRoute]:
    from agora.accounts.views import routes as account_routes
    from agora.admin.views import routes as admin_routes
    from agora.api.routes import routes as api_routes
    from agora.consultations.views import routes as consultation_routes
    from agora.ethics_committee.views import routes as ethics_routes
    from agora.forums.views import routes as forum_routes
    from agora.home.views import routes as home_routes
    from agora.meetings.views import routes as meeting_routes
    from agora.moderation.views import routes as moderation_routes
    from agora.notifications.views import routes as notification_routes
    from agora.proposals.views import routes as proposal_routes
    from agora.reports.views import routes as report_routes

    return [
        *home_routes,
        *account_routes,
        *notification_routes,
        *admin_routes,
        *proposal_routes,
        *forum_routes,
        *moderation_routes,
        *consultation_routes,
        *meeting_routes,
        *ethics_routes,
        *report_routes,
        Mount("/api/v1", app=SegmentRouter(api_routes)),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
    ]


def create_app(settings: Settings | None = None, database: Database | None = None) -> Any:
    settings = settings or load_settings()
    database = database or Database(settings.database_url)
    realtime = Realtime(settings, database)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        from agora.consultations import schedule
        from agora.meetings import reminders
        from agora.notifications import digest

        async with (
            schedule.running(database, realtime),  # opens and closes consultations on time
            digest.running(settings, database),  # the email digests, when SMTP is configured
            reminders.running(database, realtime),  # meeting reminders the day before
            realtime.sweeping(settings.socket_sweep_seconds),  # cuts sockets of sessions ended elsewhere
        ):
            yield
        _app.state.limiter.close()
        database.dispose()

    app = Starlette(
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(BodySizeLimit, limit=settings.max_body_bytes, upload_limit=settings.max_upload_bytes),
        ],
        exception_handlers=errors.handlers(),
    )
    app.router = SegmentRouter(routes(), lifespan=lifespan)
    app.state.settings = settings
    app.state.db = database
    app.state.realtime = realtime
    app.state.limiter = make_limiter(settings.redis_url)
    app.state.read_limiters = weakref.WeakKeyDictionary()  # agora.web.endpoint.read_limiter, one per event loop
    return socketio.ASGIApp(realtime.sio, other_asgi_app=app, socketio_path="socket.io")


def starlette_app(asgi: Any) -> Starlette:
    """The Starlette application inside the Socket.IO wrapper (tests and tools reach state through it)."""
    return asgi.other_asgi_app  # type: ignore[no-any-return]



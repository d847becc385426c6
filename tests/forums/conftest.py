"""Live-update fixtures (a real uvicorn server, browsers, Socket.IO clients) shared with tests/realtime."""

from tests.realtime.conftest import browsers, live_server, sockets  # noqa: F401

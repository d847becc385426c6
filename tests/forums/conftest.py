"""Live-update fixtures (a real uvicorn server, browsers, Socket.IO clients) shared with tests/realtime, and
the Chromium fixtures of tests/browser (whose hook runs browser tests last)."""

from tests.browser.conftest import (  # noqa: F401
    chromium,
    playwright,
    pytest_collection_modifyitems,
    watched_page,
)
from tests.realtime.conftest import browsers, live_server, sockets  # noqa: F401

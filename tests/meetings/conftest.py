from tests.realtime.conftest import browsers, live_server, sockets  # noqa: F401

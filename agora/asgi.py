"""The application object uvicorn serves: `agora.asgi:application`."""

from agora.app import create_app

application = create_app()

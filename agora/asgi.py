"""The application object uvicorn serves: `agora.asgi:application`."""

from agora import gc_tuning
from agora.app import create_app

application = create_app()
gc_tuning.settle_after_start()  # only where agora is served: see agora/gc_tuning.py

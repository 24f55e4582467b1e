"""The ASGI entry point (uvicorn ``pauschale.config.asgi:application``).

Meant for the waiting room's polls on launch day: an event loop keeps many
polls in flight while they wait for Redis. Polls and the health check are
answered by the asynchronous front; everything else goes to Django's ASGI
handler, which works but serves pages more slowly than gunicorn's sync workers
(``pauschale.config.wsgi``), so pages are best routed there (README,
"Configuration for production").
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pauschale.config.settings.dev")
django_application = get_asgi_application()

from pauschale.waitingroom.front import AsyncWaitingRoomFront  # noqa: E402 - after setup

application = AsyncWaitingRoomFront(django_application)

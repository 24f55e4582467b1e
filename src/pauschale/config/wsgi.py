"""The WSGI entry point (gunicorn ``pauschale.config.wsgi``).

Polls of the waiting room and the health check are answered by a small front
before Django's middleware; everything else is Django.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pauschale.config.settings.dev")
django_application = get_wsgi_application()

from pauschale.waitingroom.front import WaitingRoomFront  # noqa: E402 - after setup

application = WaitingRoomFront(django_application)

"""WSGI entry point (gunicorn portal.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

application = get_wsgi_application()

from django.conf import settings  # noqa: E402  (settings are configured by the line above)

if not settings.DEBUG and settings.SECRET_KEY == settings.DEV_SECRET_KEY:
    raise RuntimeError("SECRET_KEY не задан: в рабочем режиме (DEBUG=false) Опора не запускается без него.")

"""Settings for the test suite: the production settings with fast hashing and plain static files."""

import tempfile
from pathlib import Path

from portal.settings import *  # noqa: F403
from portal.settings import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
WHITENOISE_AUTOREFRESH = True  # serve from the finders; no collectstatic before tests
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
OPORA_JOBS_MODE = "inline"
# Generated demo passwords of a test run go to a temporary directory, never to the worktree's var/.
OPORA_DEMO_PASSWORDS_FILE = Path(tempfile.gettempdir()) / "opora-test-demo-passwords.json"

"""Settings of the Опора portal: one file, every deployment value from the environment.

Variables (see README «Настройка»; every one is listed with a comment in deploy/env.example, which a test keeps
complete): DEBUG, SECRET_KEY, DATABASE_URL, ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS, TIME_ZONE, MEDIA_ROOT, STATIC_ROOT,
CACHE_DIR, OPORA_HTTPS and the SECURE_* / SESSION_* overrides, OPORA_* limits.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

from portal.lib.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DEBUG", False)

# Without SECRET_KEY a development key is used; portal.wsgi refuses to serve with it when DEBUG is off,
# and the deploy check (portal.checks) reports it.
DEV_SECRET_KEY = "opora-development-only-key-never-use-in-production-0123456789"
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "portal",
    "portal.accounts",
    "portal.audit",
    "portal.schools",
    "portal.results",
    "portal.identification",
    "portal.monitoring",
    "portal.staff",
    "portal.roadmap",
    "portal.programs",
    "portal.public",
    "portal.documents",
    "portal.jobs",
    "portal.reports",
    "portal.ops",
    "portal.synthetic",
    "portal.api",
    "portal.overview",
    "portal.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.lib.errors.FriendlyErrorsMiddleware",  # Russian 404/500 pages also with DEBUG on (make run)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.lib.security.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "portal" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.accounts.context_processors.navigation",
            ],
            # Filters every template has without {% load %}: Russian plurals (portal/lib/ru.py).
            "builtins": ["portal.lib.ru"],
        },
    },
]

if "DATABASE_URL" not in os.environ:
    VAR_DIR.mkdir(exist_ok=True)  # the embedded SQLite database lives in var/

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Password policy (portal/accounts/validators.py): at least OPORA_PASSWORD_MIN_LENGTH characters, not like the login,
# not a common password, not only digits, and both letters and digits.
OPORA_PASSWORD_MIN_LENGTH = env_int("OPORA_PASSWORD_MIN_LENGTH", 10)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": OPORA_PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "portal.accounts.validators.LettersAndDigitsValidator"},
]

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский")]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Krasnoyarsk")
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "portal" / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploaded documents (e.g. roadmap evidence): size cap in MB; «due soon» window of the roadmap in days.
OPORA_UPLOAD_MAX_MB = env_int("OPORA_UPLOAD_MAX_MB", 20)
# Data imports (results, context, staff, monitoring: xlsx/csv): size caps in MB, and the ZIP-bomb guard for xlsx/docx
# packages (portal/lib/uploads.py): most unpacked MB, most members, highest compression ratio.
OPORA_IMPORT_MAX_MB = env_int("OPORA_IMPORT_MAX_MB", 100)
OPORA_IMPORT_CSV_MAX_MB = env_int("OPORA_IMPORT_CSV_MAX_MB", 1024)  # CSV is streamed (student results)
OPORA_ZIP_MAX_UNPACKED_MB = env_int("OPORA_ZIP_MAX_UNPACKED_MB", 200)
OPORA_ZIP_MAX_MEMBERS = env_int("OPORA_ZIP_MAX_MEMBERS", 1000)
OPORA_ZIP_MAX_RATIO = env_int("OPORA_ZIP_MAX_RATIO", 100)
# Backups (manage.py backup / restore, portal/ops): where archives are written.
OPORA_BACKUP_DIR = Path(env_str("OPORA_BACKUP_DIR", str(VAR_DIR / "backups")))
OPORA_DUE_SOON_DAYS = env_int("OPORA_DUE_SOON_DAYS", 30)
# One cache shared by every web worker of the host (gunicorn runs several processes): files under CACHE_DIR.
# What is cached is keyed by a revision that every write bumps (monitoring dashboard), so it is never stale.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": env_str("CACHE_DIR", str(VAR_DIR / "cache")),
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 2000},
    }
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files in production (collectstatic); plain files while developing.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Security (docs/decisions/0007): OPORA_HTTPS=true (the default when DEBUG is off) means the site is served over
# HTTPS by nginx, which sets X-Forwarded-Proto: cookies are then sent only over HTTPS, http is redirected and HSTS is
# announced. `make run` (DEBUG=true, http://127.0.0.1) turns all of it off.
OPORA_HTTPS = env_bool("OPORA_HTTPS", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", OPORA_HTTPS)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", OPORA_HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", OPORA_HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if OPORA_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", OPORA_HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", OPORA_HTTPS)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = env_str("SECURE_REFERRER_POLICY", "same-origin")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # no script reads the token: forms carry it
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)  # one working day
X_FRAME_OPTIONS = "DENY"

# Login throttling (portal/accounts/throttle.py): failures allowed per login name (an address gets four times as
# many) and how long the lock lasts.
OPORA_LOGIN_MAX_FAILURES = env_int("OPORA_LOGIN_MAX_FAILURES", 5)
OPORA_LOGIN_LOCK_MINUTES = env_int("OPORA_LOGIN_LOCK_MINUTES", 15)
# Content-Security-Policy (portal/lib/security.py): scripts only from this site, never inline.
OPORA_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)

# Background jobs (docs/decisions/0005): "thread" runs a job in the web process after its request commits (one
# process: `make run`, a small server); "worker" leaves it to `manage.py run_jobs` processes (production with several
# gunicorn workers); "inline" runs it at once (tests).
OPORA_JOBS_MODE = env_str("OPORA_JOBS_MODE", "thread")

# Integration API (portal/api, docs/decisions/0006): requests a minute per token — reads (GET) and writes; failed
# authentications from one address are limited to the write rate.
OPORA_API_RATE_READ = env_int("OPORA_API_RATE_READ", 120)
OPORA_API_RATE_WRITE = env_int("OPORA_API_RATE_WRITE", 20)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # WeasyPrint reports every layout step at INFO; documents are many, so only its warnings are kept.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

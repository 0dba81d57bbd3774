"""``python -m portal.jobs.tests.worker [run_jobs options]``: a worker process for the crash test.

It knows the test's slow job kind as well as the product's; DATABASE_URL and MEDIA_ROOT come from the test.
"""

from __future__ import annotations

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")
django.setup()

from django.core.management import call_command  # noqa: E402

from portal.jobs.tests import slow_job  # noqa: E402, F401  (registers «tests.slow»)

call_command("run_jobs", *sys.argv[1:])

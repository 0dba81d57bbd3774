"""The analytics core (opora) must stay importable and usable without Django (brief; style rule 1)."""

import subprocess
import sys


def test_it_imports_every_core_module_without_django() -> None:
    code = (
        "import importlib, pkgutil, sys, opora\n"
        "mods = [m.name for m in pkgutil.walk_packages(opora.__path__, 'opora.')]\n"
        "for name in mods:\n"
        "    importlib.import_module(name)\n"
        "print(len(mods))\n"
        "print(sorted(n for n in sys.modules if n == 'django' or n.startswith('django.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    count, django_modules = out.stdout.strip().splitlines()
    assert int(count) >= 1  # the walk saw the core's modules (opora.schema at least)
    assert django_modules == "[]"

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    """Result files go to a temporary MEDIA_ROOT, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"

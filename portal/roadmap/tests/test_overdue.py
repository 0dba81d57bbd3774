"""One «просрочено» (issue #17): the municipality page, the roadmap page, the region dashboard and the reports count
the same entries by the same rule and say what they count; the entry form refuses a stale save; registry documents
are shown as evidence of the entries they support."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.test import Client
from django.urls import reverse

from portal.roadmap import overdue, services
from portal.roadmap.models import RoadmapEntry, Status
from portal.roadmap.services import SchoolItem
from portal.roadmap.tests.conftest import PDF  # noqa: F401  (the MEDIA_ROOT fixture of this package)


def _some_overdue(world: dict[str, Any]) -> int:
    """Leave every entry of 2023–2025 of year 2023 not done (all overdue after 31.12.2023), mark the rest done, and
    add a school roadmap with one overdue item. Returns the number of overdue entries by hand."""
    RoadmapEntry.objects.filter(item__municipality=world["M"]).update(status=Status.DONE)
    RoadmapEntry.objects.filter(
        item__municipality=world["M"], item__source="minusinsk_2023_2025", year=2023
    ).update(status=Status.IN_PROGRESS)
    past = services.today() - datetime.timedelta(days=40)
    services.upsert_school_items(
        world["S1"], "shppko:1", [SchoolItem("Педсовет", 1, "Зам. директора", past.year, past)], by=None
    )
    return 18 + 1  # 18 items of 2023–2025 in 2023 (due 31.12.2023) + the school's item


def _number(page: str, marker: str) -> int:
    found = re.search(marker + r"\D*(\d+)", page)
    assert found is not None, marker
    return int(found.group(1))


def test_every_page_counts_the_same_overdue_entries_and_says_what_it_counts(
    client: Client, roadmaps: dict[str, Any], user_with_role: Any
) -> None:
    expected = _some_overdue(roadmaps)
    scope = overdue.DEFAULT.describe(services.today())
    assert scope.startswith("муниципальная дорожная карта и дорожные карты школ; все годы; на ")
    client.force_login(user_with_role("coordinator", "M"))
    # the municipality page's block
    page = client.get(reverse("schools:municipality", args=[roadmaps["M"].pk])).content.decode()
    assert _number(page, "просрочено — ") == expected and f"Считаются: {scope}." in page
    # the roadmap page, by default
    page = client.get(reverse("roadmap:municipal", args=[roadmaps["M"].pk])).content.decode()
    assert _number(page, "Просрочено \\(") == expected and scope[0].upper() + scope[1:] in page
    # the region dashboard
    client.force_login(user_with_role("region_viewer", "R"))
    page = client.get(reverse("schools:region", args=[roadmaps["R"].pk])).content.decode()
    assert f'{reverse("roadmap:municipal", args=[roadmaps["M"].pk])}">{expected}<' in page
    assert f"«Просрочено пунктов»: {scope}" in page
    # the reports' facts (entries of years up to the report's year: all of them here)
    from portal.reports.facts import load_year

    data = load_year(roadmaps["M"], services.today().year)
    assert sum(len(v) for v in data.overdue.values()) == expected
    assert data.overdue_scope.startswith(
        f"муниципальная дорожная карта и дорожные карты школ; годы по {services.today().year}"
    )


def test_the_roadmap_page_counts_what_its_filters_show_and_writes_them_out(
    client: Client, roadmaps: dict[str, Any], user_with_role: Any
) -> None:
    _some_overdue(roadmaps)
    client.force_login(user_with_role("coordinator", "M"))
    url = reverse("roadmap:municipal", args=[roadmaps["M"].pk])
    page = client.get(
        url, {"scope": "municipal", "direction": "minusinsk_2023_2025:3", "year": "2023"}
    ).content.decode()
    assert _number(page, "Просрочено \\(") == 7  # direction 3 of 2023–2025 has 7 items
    assert "муниципальная дорожная карта (Дорожная карта по реализации муниципальной программы" in page
    assert "направление 3" in page and "2023 год" in page


def test_a_stale_mark_is_refused_with_the_change(
    client: Client, roadmaps: dict[str, Any], user_with_role: Any
) -> None:
    entry = RoadmapEntry.objects.get(
        item__municipality=roadmaps["M"], item__source="minusinsk_2023_2025", item__code="1.4", year=2024
    )
    client.force_login(user_with_role("coordinator", "M"))
    url = reverse("roadmap:entry", args=[entry.pk])
    page = client.get(url).content.decode()
    marker = 'name="loaded_state" value="'
    loaded = page[page.index(marker) + len(marker) :].split('"', 1)[0]
    services.set_status(entry, Status.IN_PROGRESS, by=None)  # someone else, meanwhile
    response = client.post(url, {"status": "done", "comment": "Готово", "loaded_state": loaded})
    assert response.status_code == 409
    text = response.content.decode()
    assert "Статус: было «запланировано», теперь «выполняется»" in text and "Готово" in text
    entry.refresh_from_db()
    assert entry.status == Status.IN_PROGRESS


def test_a_registry_document_is_evidence_of_the_entries_it_supports(
    client: Client, roadmaps: dict[str, Any], user_with_role: Any
) -> None:
    from portal.documents.models import ProgramDocument

    entry = RoadmapEntry.objects.get(
        item__municipality=roadmaps["M"], item__source="minusinsk_2023_2025", item__code="1.4", year=2023
    )
    doc = ProgramDocument.objects.create(
        municipality=roadmaps["M"], kind="monitoring_regulation", title="Положение о мониторинге", number="3"
    )
    doc.roadmap_entries.add(entry)
    client.force_login(user_with_role("region_viewer", "R"))
    page = client.get(reverse("roadmap:entry", args=[entry.pk])).content.decode()
    assert 'data-testid="registry-evidence"' in page and "Положение о мониторинге № 3" in page
    table = client.get(
        reverse("roadmap:municipal", args=[roadmaps["M"].pk]), {"year": "2023"}
    ).content.decode()
    row = table[table.index(f'id="entry-{entry.pk}"') :]
    assert '<td class="num">1</td>' in row[: row.index("</tr>")]
    # an entry a registry document supports is kept when the roadmap is synced again (it is «tracked»)
    assert services._is_tracked(entry)

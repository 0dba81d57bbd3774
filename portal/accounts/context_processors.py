"""Navigation by role: the links each user sees in the header."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from portal.accounts.models import Role
from portal.accounts.permissions import assignments, has_perm
from portal.schools.models import Municipality


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    links: list[tuple[str, str]] = []
    if user.is_authenticated:
        for a in assignments(user):
            if a.role in (Role.REGION_VIEWER, Role.REGION_COORDINATOR) and a.region is not None:
                links.append((reverse("schools:region", args=[a.region_id]), f"Регион: {a.region}"))
                links.append(
                    (reverse("identification:region_runs", args=[a.region_id]), "Идентификация по региону")
                )
                if has_perm(user, "imports.run", a.region):
                    links.append((reverse("results:region_data", args=[a.region_id]), "Данные региона"))
                if has_perm(user, "audit.view", a.region):
                    links.append((reverse("audit:region_log", args=[a.region_id]), "Журнал изменений"))
            elif a.municipality is not None:
                links.append((reverse("schools:municipality", args=[a.municipality_id]), f"{a.municipality}"))
                if has_perm(user, "identification.view", a.municipality):
                    links.append((reverse("identification:runs", args=[a.municipality_id]), "Идентификация"))
                if has_perm(user, "monitoring.view", a.municipality):
                    links.append((reverse("monitoring:periods", args=[a.municipality_id]), "Мониторинг"))
                if has_perm(user, "roadmap.view", a.municipality):
                    links.append((reverse("roadmap:municipal", args=[a.municipality_id]), "Дорожная карта"))
                if has_perm(user, "staff.aggregate", a.municipality):
                    links.append((reverse("staff:municipal", args=[a.municipality_id]), "Педагоги"))
                if has_perm(user, "programs.view", a.municipality):
                    links.append((reverse("programs:municipal", args=[a.municipality_id]), "Программы ШППКО"))
                if has_perm(user, "public.manage", a.municipality):
                    links.append(
                        (reverse("public:municipal", args=[a.municipality_id]), "Публичная страница")
                    )
                if has_perm(user, "documents.view", a.municipality):
                    links.append(
                        (reverse("documents:municipal", args=[a.municipality_id]), "Документы программы")
                    )
                if has_perm(user, "reports.view", a.municipality):
                    links.append((reverse("reports:index", args=[a.municipality_id]), "Отчёты"))
                if has_perm(user, "recommendations.edit", a.municipality):
                    links.append((reverse("reports:rules", args=[a.municipality_id]), "Правила рекомендаций"))
                if has_perm(user, "imports.run", a.municipality):
                    links.append((reverse("results:data", args=[a.municipality_id]), "Данные"))
                if has_perm(user, "audit.view", a.municipality):
                    links.append((reverse("audit:log", args=[a.municipality_id]), "Журнал изменений"))
            elif a.school is not None:
                links.append((reverse("schools:school", args=[a.school_id]), f"Моя школа: {a.school}"))
                if has_perm(user, "monitoring.view", a.school):
                    links.append((reverse("monitoring:school_entry", args=[a.school_id]), "Мониторинг"))
                if has_perm(user, "programs.view", a.school):
                    links.append((reverse("programs:school", args=[a.school_id]), "Программа школы"))
                if has_perm(user, "staff.view", a.school):
                    links.append((reverse("staff:school", args=[a.school_id]), "Педагоги"))
                if has_perm(user, "roadmap.view", a.school):
                    links.append((reverse("roadmap:school", args=[a.school_id]), "Дорожная карта"))
                if has_perm(user, "public.submit", a.school):
                    links.append((reverse("public:school", args=[a.school_id]), "Публичная страница"))
                if has_perm(user, "documents.view", a.school):
                    links.append((reverse("documents:school", args=[a.school_id]), "Документы школы"))
                links.append((reverse("reports:card", args=[a.school_id]), "Рекомендации"))
        if user.is_staff:
            links.append((reverse("admin:index"), "Администрирование"))
    # A user with two roles in one municipality would get its links twice: keep the first of each.
    unique = list(dict.fromkeys(links))
    demo = (
        any(
            getattr(a.scope, "is_demo", False)
            or getattr(getattr(a.scope, "municipality", None), "is_demo", False)
            for a in assignments(user)
        )
        if user.is_authenticated
        else False
    )
    if user.is_authenticated and user.is_superuser:
        demo = Municipality.objects.filter(is_demo=True).exists()
    roles = sorted({a.get_role_display() for a in assignments(user)}) if user.is_authenticated else []
    return {"nav_links": unique, "nav_roles": roles, "demo": demo}

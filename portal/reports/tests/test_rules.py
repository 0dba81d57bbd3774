"""Recommendation rules per region, edited as forms: examples checked on save, stale saves refused, other regions
untouched, every change in the region's logs; the YAML file for power users; the role × URL matrix."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml
from django.test import Client
from django.urls import reverse

from opora.recommendations import builtin_rules, load_rules
from opora.rule_editing import conditions, placeholders_to_labels, value_text
from portal.audit.models import AuditEntry
from portal.identification.models import IdentificationRun
from portal.reports import services
from portal.reports.models import RuleBookVersion
from portal.reports.registry import school_card
from tests.permissions import role_url_matrix

R01 = builtin_rules().rule("R01")


def rows(prefix: str, rule_rows: list[Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i, c in enumerate(rule_rows):
        out[f"{prefix}-{i}-join"] = c.join
        out[f"{prefix}-{i}-fact"] = c.fact
        out[f"{prefix}-{i}-op"] = c.op
        if isinstance(c.value, bool):
            out[f"{prefix}-{i}-choice"] = "true" if c.value else "false"
        elif c.fact.startswith("risk_") and c.fact != "risk_high_count":
            out[f"{prefix}-{i}-choice"] = str(int(c.value))
        else:
            out[f"{prefix}-{i}-value"] = value_text(c.fact, c.value)
    return out


def post_of(rule: Any, **changes: Any) -> dict[str, Any]:
    """What the rule's form posts when the methodist changes only ``changes`` (as the browser sends it)."""
    data: dict[str, Any] = {
        "title": rule.title,
        "scope": rule.scope,
        "importance": str(rule.importance),
        "text": placeholders_to_labels(rule.text),
        "measures": list(rule.measures),
        "evidence": list(rule.evidence),
        "action": "save",
        **rows("t", conditions(rule.trigger, rule.params)),
        **rows("s", conditions(rule.significant_if, rule.params)),
    }
    names = list(dict.fromkeys([*rule.example.fires, *rule.example.near_miss]))
    for i, n in enumerate(names):
        data[f"e-{i}-fact"] = n
        data[f"e-{i}-fires"] = value_text(n, rule.example.fires.get(n))
        data[f"e-{i}-near"] = value_text(n, rule.example.near_miss.get(n))
    data.update(changes)
    return data


def rule_url(world: dict[str, Any], m: str = "M", code: str = "R01") -> str:
    return reverse("reports:rule", args=[world[m].pk, code])


def test_a_region_starts_with_the_shipped_rules_and_keeps_its_own_version(world: dict[str, Any]) -> None:
    assert services.active_version(world["R"]) is None
    assert services.active_rules(world["R"]).rule("R01").importance == 1
    raw = dict(yaml.safe_load(services.active_text(world["R"]))["rules"][0])
    assert raw["code"] == "R01"
    services.save_rule(world["R"], "R01", {**raw, "importance": 3}, by=None)
    assert services.active_rules(world["R"]).rule("R01").importance == 3
    # the other region and the shipped rules are untouched
    assert services.active_rules(world["R2"]).rule("R01").importance == 1
    assert builtin_rules().rule("R01").importance == 1
    version = services.active_version(world["R"])
    assert version is not None and version.region == world["R"] and version.rules == 35
    assert version.comment == "Правило R01 «Школа в категории ШНОР» изменено: важность"
    assert services.active_version(world["R2"]) is None


def test_reports_of_a_region_follow_its_rules_only(
    world: dict[str, Any], runs: dict[int, IdentificationRun]
) -> None:
    raw = dict(yaml.safe_load(services.active_text(world["R2"]))["rules"][0])
    services.save_rule(world["R2"], "R01", {**raw, "importance": 3}, by=None)
    _report, found = school_card(world["S1"], 2024)  # S1 is in region R
    assert [r.rule for r in found] == ["R01", "R03"]  # R01 (importance 1 in R) before R03 (importance 2)
    services.save_rule(world["R"], "R01", {**raw, "importance": 3}, by=None)
    _report, found = school_card(world["S1"], 2024)
    assert [r.rule for r in found] == ["R03", "R01"]


def test_the_methodist_edits_a_rule_in_the_form_and_sees_its_examples_checked(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("method_centre", "M"))
    page = client.get(rule_url(world))
    html = page.content.decode()
    assert "Проверка примеров" in html and "Правило срабатывает (находка не значимая" in html
    assert "{Лет подряд в категории ШНОР}" in html and "{years_low_results}" not in html
    # significant from 3 years in ШНОР instead of 2: the example (1 year) still fires, the near miss (3 years) not
    data = post_of(R01, **{"s-0-value": "3", "comment": "значимо с трёх лет"})
    response = client.post(rule_url(world), data)
    assert response.status_code == 302 and response["Location"] == rule_url(world)
    rule = services.active_rules(world["R"]).rule("R01")
    assert rule.significant_if is not None and rule.significant_if.text == "years_low_results >= 3"
    assert rule.text == R01.text  # the placeholders typed as names are stored as before
    after = client.get(rule_url(world)).content.decode()
    assert "Правило R01 сохранено и проверено на примерах" in after
    assert "Лет подряд в категории ШНОР: 1 — условие «≥ 3» не выполнено" in after
    assert services.active_version(world["R"]).comment == "значимо с трёх лет"


def test_a_rule_whose_near_miss_fires_is_not_saved_and_the_outcome_says_why(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("method_centre", "M"))
    # near miss: in ШНОР → the rule fires on it
    data = post_of(R01, **{"e-0-near": "да"})
    page = client.post(rule_url(world), data).content.decode()
    assert "Правило не сохранено: на своих примерах оно ведёт себя не так, как должно" in page
    assert "Правило срабатывает (значимая находка) — а должно наоборот" in page
    assert 'value="да"' in page  # the typed example is still in the form
    assert not RuleBookVersion.objects.exists()
    # «Проверить на примерах» checks without saving, even when everything is right
    fine = client.post(rule_url(world), post_of(R01, action="check")).content.decode()
    assert "Правило не срабатывает — как и должно" in fine and not RuleBookVersion.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"t-0-op": "<"}, "«Да / нет» сравнивается только через «равно» или «не равно»."),
        ({"s-0-value": "два"}, "«Лет подряд в категории ШНОР»: ожидается число, а не «два»."),
        ({"text": "Остаток {Индекс счастья}"}, "В тексте неизвестные показатели: {Индекс счастья}."),
        ({"e-0-near": "", "e-1-near": ""}, "Заполните близкий пример"),
        ({"t-0-fact": ""}, "Добавьте хотя бы одно условие, при котором правило срабатывает."),
        (
            {"scope": "authority"},
            "относится к уровню «школа», а правило — к уровню «муниципалитет в целом»",
        ),
    ],
)
def test_a_wrong_row_is_named_in_russian_and_nothing_is_saved(
    client: Client,
    world: dict[str, Any],
    user_with_role: Callable[..., Any],
    changes: dict[str, str],
    message: str,
) -> None:
    client.force_login(user_with_role("method_centre", "M"))
    response = client.post(rule_url(world), post_of(R01, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not RuleBookVersion.objects.exists()


def test_a_new_rule_gets_the_next_code_and_its_placeholders_from_the_list(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("method_centre", "M"))
    url = reverse("reports:rule_new", args=[world["M"].pk])
    assert client.get(url).status_code == 200
    data = {
        "title": "Мало педагогов с диагностикой и нет наставничества",
        "scope": "school",
        "importance": "2",
        "text": "Диагностику прошли {Доля педагогов, прошедших профессиональную диагностику} педагогов.",
        "measures": ["M13"],
        "t-0-fact": "share_teachers_diagnosed",
        "t-0-op": "<",
        "t-0-value": "60,5",
        "t-1-join": "and",
        "t-1-fact": "has_mentoring",
        "t-1-op": "==",
        "t-1-choice": "false",
        "e-0-fact": "share_teachers_diagnosed",
        "e-0-fires": "40",
        "e-0-near": "40",
        "e-1-fact": "has_mentoring",
        "e-1-fires": "нет",
        "e-1-near": "да",
        "action": "save",
    }
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == rule_url(world, code="R48")
    rule = services.active_rules(world["R"]).rule("R48")
    assert rule.trigger.text == "share_teachers_diagnosed < 60.5 and has_mentoring == false"
    assert rule.text == "Диагностику прошли {share_teachers_diagnosed} педагогов."
    assert rule.evidence == (
        "share_teachers_diagnosed",
        "has_mentoring",
    )  # none chosen: the conditions' facts
    entry = AuditEntry.objects.get(action="reports.rulebookversion.created")
    assert entry.after["Условие срабатывания"] == (
        "Доля педагогов, прошедших профессиональную диагностику < 60,5 и в школе действует наставничество = нет"
    )


def test_a_stale_rule_form_is_refused_with_the_changes_and_keeps_what_was_typed(
    world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    first, second = Client(), Client()
    first.force_login(user_with_role("method_centre", "M"))
    second.force_login(user_with_role("method_centre", "M"))
    token_first = first.get(rule_url(world)).context["loaded_state"]
    token_second = second.get(rule_url(world)).context["loaded_state"]
    assert (
        first.post(rule_url(world), post_of(R01, importance="3", loaded_state=token_first)).status_code == 302
    )
    refused = second.post(
        rule_url(world), post_of(R01, title="Школа в списке ШНОР", loaded_state=token_second)
    )
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "Важность: было «высокая», теперь «низкая»" in page
    assert 'value="Школа в списке ШНОР"' in page
    assert services.active_rules(world["R"]).rule("R01").title == "Школа в категории ШНОР"
    # another rule saved meanwhile does not make this form stale
    again = second.post(
        rule_url(world),
        post_of(
            R01, title="Школа в списке ШНОР", importance="3", loaded_state=refused.context["loaded_state"]
        ),
    )
    assert again.status_code == 302
    assert services.active_rules(world["R"]).rule("R01").title == "Школа в списке ШНОР"


def test_correcting_a_mistake_keeps_the_snapshot_so_a_change_made_meanwhile_is_still_caught(
    world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    mine, other = Client(), Client()
    mine.force_login(user_with_role("method_centre", "M"))
    other.force_login(user_with_role("method_centre", "M"))
    token = mine.get(rule_url(world)).context["loaded_state"]
    assert other.post(rule_url(world), post_of(R01, importance="3")).status_code == 302
    wrong = mine.post(rule_url(world), post_of(R01, loaded_state=token, **{"s-0-value": "два"}))
    assert wrong.status_code == 200 and wrong.context["loaded_state"] == token
    fixed = mine.post(rule_url(world), post_of(R01, loaded_state=token, **{"s-0-value": "3"}))
    assert fixed.status_code == 200 and "Важность: было «высокая», теперь «низкая»" in fixed.content.decode()
    kept = services.active_rules(world["R"]).rule("R01").significant_if
    assert kept is not None and kept.text == "years_low_results >= 2"  # the other's save, not this form's 3


def test_a_method_centre_of_another_region_changes_nothing_its_neighbours_see(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("method_centre", "M2"))
    # through region R's URLs: 404 and nothing saved
    assert client.post(rule_url(world), post_of(R01, importance="3")).status_code == 404
    assert client.post(reverse("reports:rule_new", args=[world["M"].pk]), post_of(R01)).status_code == 404
    assert (
        client.post(
            reverse("reports:rule_delete", args=[world["M"].pk, "R01"]), {"confirmed": "1"}
        ).status_code
        == 404
    )
    imp = reverse("reports:rules_import", args=[world["M"].pk])
    assert client.post(imp, {"text": "rules: []", "comment": "x"}).status_code == 404
    assert not RuleBookVersion.objects.exists()
    # through its own: only region R2 changes
    assert client.post(rule_url(world, "M2"), post_of(R01, importance="3")).status_code == 302
    assert services.active_rules(world["R2"]).rule("R01").importance == 3
    assert services.active_rules(world["R"]).rule("R01").importance == 1
    client.force_login(user_with_role("coordinator", "M"))
    assert "низкая" not in client.get(rule_url(world)).content.decode()
    log = client.get(reverse("audit:log", args=[world["M"].pk])).content.decode()
    assert "Правила рекомендаций" not in log  # A's coordinator sees nothing of B's edits
    client.force_login(user_with_role("coordinator", "M2"))
    log = client.get(reverse("audit:log", args=[world["M2"].pk])).content.decode()
    assert "Правило R01 «Школа в категории ШНОР» изменено: важность" in log
    assert "Важность: «высокая» → «низкая»" in log


def test_a_rule_is_removed_after_a_page_that_says_what_changes(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("method_centre", "M"))
    url = reverse("reports:rule_delete", args=[world["M"].pk, "R05"])
    page = client.post(url).content.decode()
    assert "Удалить правило R05?" in page and "перестанет действовать во всех муниципалитетах региона" in page
    assert not RuleBookVersion.objects.exists()
    assert client.post(url, {"confirmed": "1"}).status_code == 302
    codes = [r.code for r in services.active_rules(world["R"]).rules]
    assert "R05" not in codes and len(codes) == 34
    assert client.get(rule_url(world, code="R05")).status_code == 404


def test_power_users_download_and_load_the_whole_file(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("method_centre", "M"))
    text = client.get(reverse("reports:rules_export", args=[world["M"].pk])).content.decode()
    assert text.startswith("# Правила адресных рекомендаций (Опора)")
    assert len(load_rules(text=text).rules) == 35
    url = reverse("reports:rules_import", args=[world["M"].pk])
    loaded = client.get(url).context["loaded_state"]
    # a near miss that fires is refused, naming the rule and the field; nothing is saved
    broken = text.replace("near_miss: {std_residual: -1}", "near_miss: {std_residual: -1.5}")
    assert broken != text
    page = client.post(url, {"text": broken, "comment": "порог R03", "loaded_state": loaded}).content.decode()
    assert (
        "правило «R03», поле «example.near_miss» (близкий пример, на котором правило не срабатывает)" in page
    )
    assert not RuleBookVersion.objects.exists()
    changed = text.replace(
        "- code: R05\n    title: 'Резильентная школа: опыт для распространения'\n",
        "- code: R05\n    title: Опыт резильентной школы\n",
    )
    assert changed != text
    form = {"text": changed, "comment": "R05 переименовано", "loaded_state": loaded}
    confirm = client.post(
        url, form
    ).content.decode()  # replacing every rule is confirmed after seeing what changes
    assert "Заменить правила региона?" in confirm and "R05 «Опыт резильентной школы»: название" in confirm
    assert "Без изменений: 34 правила." in confirm and not RuleBookVersion.objects.exists()
    response = client.post(url, {**form, "confirmed": "1"})
    assert response.status_code == 302
    assert services.active_rules(world["R"]).rule("R05").title == "Опыт резильентной школы"
    # a second load from the page opened before the first is refused (the rules changed meanwhile)
    stale = client.post(
        url, {"text": text, "comment": "старый файл", "loaded_state": loaded, "confirmed": "1"}
    ).content.decode()
    assert "Действующие правила: было «правила, поставляемые с системой», теперь «версия от" in stale
    assert RuleBookVersion.objects.count() == 1


def test_the_method_centre_finds_the_rules_from_the_navigation_and_forms_start_on_a_published_year(
    client: Client,
    world: dict[str, Any],
    runs: dict[int, IdentificationRun],
    user_with_role: Callable[..., Any],
) -> None:
    from portal.results.models import AssessmentResult, ImportBatch

    batch = ImportBatch.objects.create(
        municipality=world["M"], kind="results", filename="r.csv", sha256="2" * 64, status="imported"
    )
    AssessmentResult.objects.create(
        school=world["S1"], batch=batch, procedure="vpr", subject="math", grade=5, grade_program=4, year=2025,
        n=10, n_2=1, n_3=9, n_4=0, n_5=0,
    )  # fmt: skip
    client.force_login(user_with_role("method_centre", "M"))
    home = client.get(reverse("reports:index", args=[world["M"].pk]))
    assert (
        reverse("reports:rules", args=[world["M"].pk]),
        "Правила рекомендаций",
    ) in home.context["nav_links"]
    # results of 2025 are loaded, but the latest published identification run is of 2024
    assert home.context["reports"][0]["form"]["year"].initial == 2024 and home.context["year"] == 2024
    card = client.get(reverse("reports:card", args=[world["S1"].pk]))
    assert card.context["year"] == 2024
    client.force_login(user_with_role("coordinator", "M"))
    links = client.get(reverse("reports:index", args=[world["M"].pk])).context["nav_links"]
    assert all(label != "Правила рекомендаций" for _url, label in links)


def test_no_rule_page_points_to_a_code_file_or_shows_variable_names(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    import re

    client.force_login(user_with_role("method_centre", "M"))
    for url in (
        reverse("reports:rules", args=[world["M"].pk]),
        rule_url(world, code="R24"),
        reverse("reports:rule_new", args=[world["M"].pk]),
        reverse("reports:rules_import", args=[world["M"].pk]),
    ):
        html = client.get(url).content.decode()
        visible = re.sub(r"<(script|style|template)[^>]*>.*?</\1>|<[^>]*>", " ", html, flags=re.S)
        assert "opora/" not in visible and ".py" not in visible, url
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", visible), (
            url,
            re.findall(r"\b[a-z]+_[a-z_]+\b", visible),
        )


# ------------------------------------------------------------------------------------------ role × URL matrix

URLS: dict[str, Callable[[dict[str, Any]], str]] = {
    "rules M": lambda w: reverse("reports:rules", args=[w["M"].pk]),
    "rules M2": lambda w: reverse("reports:rules", args=[w["M2"].pk]),
    "rule M": lambda w: rule_url(w, "M"),
    "rule M2": lambda w: rule_url(w, "M2"),
    "export M": lambda w: reverse("reports:rules_export", args=[w["M"].pk]),
    "export M2": lambda w: reverse("reports:rules_export", args=[w["M2"].pk]),
    "new M": lambda w: reverse("reports:rule_new", args=[w["M"].pk]),
    "new M2": lambda w: reverse("reports:rule_new", args=[w["M2"].pk]),
    "import M": lambda w: reverse("reports:rules_import", args=[w["M"].pk]),
    "import M2": lambda w: reverse("reports:rules_import", args=[w["M2"].pk]),
}
_READ_M = {"rules M", "rule M", "export M"}
_READ_M2 = {"rules M2", "rule M2", "export M2"}
ALLOWED: dict[tuple[str, str], set[str]] = {
    ("coordinator", "M"): _READ_M,
    ("method_centre", "M"): _READ_M | {"new M", "import M"},
    # the second region: its method centre edits its own rules only
    ("method_centre", "M2"): _READ_M2 | {"new M2", "import M2"},
    ("coordinator", "M2"): _READ_M2,
    ("school_team", "S1"): set(),
    ("region_viewer", "R"): _READ_M,
    ("region_coordinator", "R"): _READ_M,
    ("region_coordinator", "R2"): _READ_M2,
}


@pytest.mark.parametrize(("role", "scope", "name", "status"), role_url_matrix(ALLOWED, URLS))
def test_each_role_reads_the_rules_of_its_region_and_only_its_method_centre_edits(
    client: Client,
    world: dict[str, Any],
    user_with_role: Callable[..., Any],
    role: str,
    scope: str,
    name: str,
    status: int,
) -> None:
    client.force_login(user_with_role(role, scope))
    assert client.get(URLS[name](world)).status_code == status


@pytest.mark.parametrize(
    ("role", "scope", "status"),
    [
        ("method_centre", "M", 302),
        ("method_centre", "M2", 404),
        ("coordinator", "M", 404),
        ("region_coordinator", "R", 404),
        ("region_viewer", "R", 404),
        ("school_team", "S1", 404),
    ],
)
def test_only_the_regions_method_centre_saves_a_rule(
    client: Client,
    world: dict[str, Any],
    user_with_role: Callable[..., Any],
    role: str,
    scope: str,
    status: int,
) -> None:
    client.force_login(user_with_role(role, scope))
    assert client.post(rule_url(world), post_of(R01, importance="2")).status_code == status
    assert (services.active_rules(world["R"]).rule("R01").importance == 2) is (status == 302)


def test_anonymous_visitors_are_sent_to_login(client: Client, world: dict[str, Any]) -> None:
    for name, url in URLS.items():
        response = client.get(url(world))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name


def test_recommendations_name_the_measures_of_the_regions_library(
    client: Client,
    world: dict[str, Any],
    runs: dict[int, IdentificationRun],
    user_with_role: Callable[..., Any],
) -> None:
    from portal.programs import library

    library.sync_library(by=None)
    library.save_measure(world["R"], "M25", {"title": "Разбор затруднений (редакция региона)"}, by=None)
    client.force_login(user_with_role("coordinator", "M"))
    card = client.get(reverse("reports:card", args=[world["S1"].pk]) + "?year=2024").content.decode()
    assert "M25 — Разбор затруднений (редакция региона)" in card  # R03 points to M25
    _report, found = school_card(world["S1"], 2024)
    r03 = next(r for r in found if r.rule == "R03")
    assert (
        dict(zip(r03.measures, r03.measure_titles, strict=True))["M25"]
        == "Разбор затруднений (редакция региона)"
    )

"""Pages of the recommendation rules of a region: the list, one rule per page as a form with its examples checked,
removal with confirmation, and the YAML file for power users (download and load).

Everyone with ``reports.view`` on the municipality reads its region's rules; the region's method centre
(``recommendations.edit``) changes them, and only them (portal.reports.services).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from opora.indicator_catalogue import CatalogueError
from opora.recommendations import FACTS, SCOPE_NAMES, RecommendationRule, build_rule
from opora.rule_editing import OPERATORS, check_examples, describe, placeholders_to_labels
from portal.accounts.permissions import has_perm
from portal.lib import stale
from portal.lib.access import get_for
from portal.reports import rule_forms, services
from portal.reports.models import RuleBookVersion
from portal.schools.models import Municipality

DENIED = "Нет доступа или объект не найден."


def _rules(municipality: Municipality) -> list[RecommendationRule]:
    return sorted(
        services.active_rules(municipality.region_id).rules, key=lambda r: (r.scope != "school", r.code)
    )


def _find(municipality: Municipality, code: str) -> RecommendationRule:
    for rule in services.active_rules(municipality.region_id).rules:
        if rule.code == code:
            return rule
    raise Http404("Такого правила нет в правилах региона.")


def _measures(municipality: Municipality) -> list[tuple[str, str]]:
    return sorted(services.known_measures(municipality.region_id).items())


@login_required
@require_safe
def rules(request: HttpRequest, pk: int) -> HttpResponse:
    """The region's rules as a list: what each one looks at, how important it is, how many measures it names."""
    municipality = get_for(request, Municipality, "reports.view", pk=pk)
    region = municipality.region
    version = services.active_version(region)
    items = [
        {
            "rule": r,
            "scope": SCOPE_NAMES[r.scope],
            "importance": services.IMPORTANCE[r.importance],
            "when": describe(r.trigger, r.params),
        }
        for r in _rules(municipality)
    ]
    return render(
        request,
        "reports/rules.html",
        {
            "municipality": municipality,
            "region": region,
            "items": items,
            "version": version,
            "version_label": services.version_label(version),
            "versions": RuleBookVersion.objects.filter(region=region).select_related("created_by")[:20],
            "can_edit": has_perm(request.user, "recommendations.edit", municipality),
        },
    )


def _page(
    request: HttpRequest,
    municipality: Municipality,
    editor: rule_forms.Editor,
    *,
    rule: RecommendationRule | None,
    can_edit: bool,
    outcomes: Any = None,
    refused: stale.StaleEdit | None = None,
) -> HttpResponse:
    current = _find(municipality, rule.code) if rule is not None else None
    chosen = set(editor.form["measures"].value() or [])
    field = editor.form.fields["measures"]
    field.choices = sorted(field.choices, key=lambda c: (c[0] not in chosen, c[0]))  # type: ignore[attr-defined]
    return render(
        request,
        "reports/rule_form.html",
        {
            "municipality": municipality,
            "region": municipality.region,
            "own": services.active_version(municipality.region_id) is not None,
            "rule": rule,
            "editor": editor,
            "form": editor.form,
            "trigger_rows": rule_forms.padded(editor.trigger, rule_forms.Row, 1 if editor.trigger else 2),
            "significance_rows": rule_forms.padded(editor.significance, rule_forms.Row, 1),
            "example_rows": rule_forms.padded(
                editor.examples, rule_forms.ExampleRow, 1 if editor.examples else 3
            ),
            "evidence_items": _evidence(editor.form),
            "blank_row": rule_forms.Row(0),
            "blank_example": rule_forms.ExampleRow(0),
            "comparable_facts": rule_forms.fact_options(comparable=True),
            "all_facts": rule_forms.fact_options(comparable=False),
            "operators": OPERATORS.items(),
            "joins": rule_forms.JOINS,
            "outcomes": outcomes,
            "can_edit": can_edit,
            "loaded_state": _snapshot(request, refused, services.rule_state(current)),
            "stale": refused,
            "shown": _shown(rule) if rule is not None and not can_edit else None,
        },
    )


def _snapshot(request: HttpRequest, refused: stale.StaleEdit | None, state: dict[str, Any]) -> str:
    """The form's snapshot: the one it was loaded with while the user corrects errors (a change made meanwhile is
    still caught), a fresh one on first load and after a refused stale save (the user has read the changes)."""
    loaded = stale.expected(request.POST) if request.method == "POST" else None
    return loaded if loaded is not None and refused is None else stale.seal(state)


def _evidence(form: rule_forms.RuleForm) -> list[dict[str, Any]]:
    """The facts to choose the evidence from, with their scope and whether they are chosen."""
    chosen = set(form["evidence"].value() or [])
    return [{"name": n, "label": f.label, "scope": f.scope, "checked": n in chosen} for n, f in FACTS.items()]


def _shown(rule: RecommendationRule) -> dict[str, Any]:
    """A rule in words, for those who read it without editing."""
    return {
        "when": describe(rule.trigger, rule.params),
        "significant": describe(rule.significant_if, rule.params) if rule.significant_if else "",
        "text": placeholders_to_labels(rule.text),
        "evidence": [FACTS[e].label for e in rule.evidence],
    }


def _edit(request: HttpRequest, municipality: Municipality, rule: RecommendationRule | None) -> HttpResponse:
    """Check (and with «Сохранить» save) a posted rule; the page comes back with the outcome of its examples."""
    editor = rule_forms.from_post(request.POST, _measures(municipality))
    outcomes = None
    refused = None
    if editor.raw is not None:
        raw = {**editor.raw, "code": rule.code if rule else "R999"}
        try:
            checked = build_rule(raw, measures=set(dict(_measures(municipality))), check_examples=False)
        except CatalogueError as exc:
            editor.errors.append(str(exc).replace("Правило «R999»", "Правило"))
        else:
            outcomes = check_examples(checked)
            if request.POST.get("action") == "save":
                if not all(o.ok for o in outcomes):
                    editor.errors.append(
                        "Правило не сохранено: на своих примерах оно ведёт себя не так, как должно (см. «Проверка "
                        "примеров» ниже). Исправьте условие или примеры."
                    )
                else:
                    try:
                        _version, saved = services.save_rule(
                            municipality.region,
                            rule.code if rule else None,
                            editor.raw,
                            by=request.user,
                            expected=stale.expected(request.POST),
                            municipality=municipality,
                            comment=editor.form.cleaned_data.get("comment", ""),
                        )
                    except stale.StaleEdit as exc:
                        refused = exc
                    except (services.RulesError, CatalogueError) as exc:
                        editor.errors.append(str(exc))
                    else:
                        messages.success(
                            request,
                            f"Правило {saved.code} сохранено и проверено на примерах. Оно действует для новых "
                            f"отчётов и карточек школ во всех муниципалитетах региона «{municipality.region}».",
                        )
                        return redirect("reports:rule", municipality.pk, saved.code)
    return _page(request, municipality, editor, rule=rule, can_edit=True, outcomes=outcomes, refused=refused)


@login_required
def rule(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """One rule: its form (method centre) or its description (others), with its examples checked."""
    municipality = get_for(request, Municipality, "reports.view", pk=pk)
    can_edit = has_perm(request.user, "recommendations.edit", municipality)
    found = _find(municipality, code)
    if request.method == "POST":
        if not can_edit:
            raise Http404(DENIED)
        return _edit(request, municipality, found)
    editor = rule_forms.from_rule(found, _measures(municipality))
    return _page(request, municipality, editor, rule=found, can_edit=can_edit, outcomes=check_examples(found))


@login_required
def rule_new(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = get_for(request, Municipality, "recommendations.edit", pk=pk)
    if request.method == "POST":
        return _edit(request, municipality, None)
    return _page(
        request, municipality, rule_forms.from_rule(None, _measures(municipality)), rule=None, can_edit=True
    )


@login_required
@require_POST
def rule_delete(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Remove a rule, after a page that says what it changes (the action runs with ``confirmed=1``)."""
    municipality = get_for(request, Municipality, "recommendations.edit", pk=pk)
    found = _find(municipality, code)
    region = municipality.region
    if request.POST.get("confirmed") != "1":
        return render(
            request,
            "includes/confirm.html",
            {
                "title": f"Удалить правило {found.code}?",
                "lead": f"«{found.title}»",
                "impact": [
                    f"Правило перестанет действовать во всех муниципалитетах региона «{region}»: новые отчёты и "
                    "карточки школ не будут содержать его рекомендацию.",
                    "Отчёты, сформированные раньше, не изменятся; прежняя версия правил сохранится в списке версий.",
                ],
                "action": reverse("reports:rule_delete", args=[municipality.pk, found.code]),
                "fields": {},
                "confirm_label": "Удалить правило",
                "cancel_url": reverse("reports:rule", args=[municipality.pk, found.code]),
            },
        )
    try:
        services.delete_rule(region, found.code, by=request.user, municipality=municipality)
    except (services.RulesError, CatalogueError) as exc:
        messages.error(request, str(exc))
        return redirect("reports:rule", municipality.pk, found.code)
    messages.success(request, f"Правило {found.code} «{found.title}» удалено.")
    return redirect("reports:rules", municipality.pk)


@login_required
@require_safe
def rules_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The region's rules as a YAML file with Russian comments (for power users)."""
    municipality = get_for(request, Municipality, "reports.view", pk=pk)
    text = services.active_text(municipality.region_id)
    response = HttpResponse(text.encode("utf-8"), content_type="application/x-yaml; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="recommendation-rules-{municipality.region.code}.yaml"'
    )
    return response


class ImportForm(forms.Form):
    file = forms.FileField(label="Файл правил (.yaml)", required=False)
    text = forms.CharField(
        label="или текст правил",
        required=False,
        widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "false", "class": "code"}),
    )
    comment = forms.CharField(label="Что изменено (для журнала)", max_length=300)


@login_required
def rules_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Load a whole rules file: checked as a whole (every rule on its examples), then a page lists what it changes
    and the load runs only when confirmed (``confirmed=1``)."""
    municipality = get_for(request, Municipality, "recommendations.edit", pk=pk)
    region = municipality.region
    form = ImportForm(request.POST or None, request.FILES or None)
    refused = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        name = upload.name if upload else "правила.yaml"
        try:
            text = upload.read().decode("utf-8") if upload else form.cleaned_data["text"]
        except UnicodeDecodeError:
            form.add_error("file", f"Файл {name}: не удалось прочитать как текст в кодировке UTF-8.")
            text = ""
        if form.is_valid() and not text.strip():
            form.add_error(None, "Выберите файл правил или вставьте их текст.")
        elif form.is_valid():
            try:
                if request.POST.get("confirmed") != "1":
                    impact = services.compare(region, text, name=name)
                    return render(
                        request,
                        "includes/confirm.html",
                        {
                            "title": "Заменить правила региона?",
                            "lead": f"{f'Файл {name}' if upload else 'Текст правил'} проверен: ошибок нет. "
                            "Правила заменят действующие во всех "
                            f"муниципалитетах региона «{region}» (для новых отчётов и карточек школ).",
                            "impact": impact,
                            "action": request.path,
                            "fields": {
                                "text": text,
                                "comment": form.cleaned_data["comment"],
                                stale.FIELD: request.POST.get(stale.FIELD, ""),
                            },
                            "confirm_label": "Заменить правила",
                            "cancel_url": reverse("reports:rules", args=[municipality.pk]),
                        },
                    )
                version = services.save_rules(
                    region,
                    text,
                    comment=form.cleaned_data["comment"],
                    by=request.user,
                    expected=stale.expected(request.POST),
                    municipality=municipality,
                    name=name,
                )
            except stale.StaleEdit as exc:
                refused = exc
            except CatalogueError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    f"Правила загружены ({version.rules}) и действуют во всех муниципалитетах региона «{region}».",
                )
                return redirect("reports:rules", municipality.pk)
    return render(
        request,
        "reports/rules_import.html",
        {
            "municipality": municipality,
            "region": region,
            "form": form,
            "version_label": services.version_label(services.active_version(region)),
            "loaded_state": _snapshot(request, refused, services.book_state(region)),
            "stale": refused,
        },
    )

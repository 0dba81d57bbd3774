"""The methodology settings pages of a municipality and of a region: the Russian form, its stale-save guard, and
the parameters file (download, upload) for power users."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from opora.config import IdentificationConfig
from opora.errors import ConfigError
from portal.identification import impact, services
from portal.identification.models import IdentificationSettings, RegionIdentificationSettings
from portal.identification.settings_form import MethodologyForm, russian_config_error
from portal.lib import stale
from portal.lib.access import get_for
from portal.schools.models import Municipality, Region

#: Largest parameters file accepted (the full file is about 3 KB).
MAX_FILE = 200_000


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = get_for(request, Municipality, "identification.run", pk=pk)
    return _edit(
        request,
        owner={"municipality": municipality},
        model=IdentificationSettings,
        save=lambda mapping, expected: services.save_config(
            municipality, mapping, by=request.user, expected=expected
        ),
        variables=impact.context_variables(school__municipality=municipality),
        saved="Параметры методики сохранены; они применяются к новым расчётам.",
        done=("identification:runs", pk),
        template="identification/settings.html",
        context={"municipality": municipality, "file_url": ("identification:settings_file", pk)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def region_settings(request: HttpRequest, pk: int) -> HttpResponse:
    region = get_for(request, Region, "region.identification.run", pk=pk)
    return _edit(
        request,
        owner={"region": region},
        model=RegionIdentificationSettings,
        save=lambda mapping, expected: services.save_region_config(
            region, mapping, by=request.user, expected=expected
        ),
        variables=impact.context_variables(school__municipality__region=region),
        saved="Параметры региональной методики сохранены; они применяются к новым расчётам.",
        done=("identification:region_runs", pk),
        template="identification/region_settings.html",
        context={"region": region, "file_url": ("identification:region_settings_file", pk)},
    )


def _edit(
    request: HttpRequest,
    *,
    owner: dict[str, Any],
    model: Any,
    save: Callable[[dict[str, Any], str | None], object],
    variables: list[str],
    saved: str,
    done: tuple[str, int],
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """The settings form of a municipality or a region; a save over someone else's newer save is refused and the
    form comes back with what was typed, the list of changes and a fresh snapshot (portal.lib.stale)."""
    stored = services.saved_mapping(model, **owner)
    current = IdentificationConfig.from_mapping(stored)
    refused: stale.StaleEdit | None = None
    if request.method == "POST":
        form = MethodologyForm(request.POST, current=current, variables=variables)
        if form.is_valid():
            try:
                save(form.mapping, stale.expected(request.POST))
            except stale.StaleEdit as error:
                refused = error
                stored = services.saved_mapping(model, **owner)
            else:
                messages.success(request, saved)
                return redirect(done[0], pk=done[1])
    else:
        form = MethodologyForm(current=current, variables=variables)
    return render(
        request,
        template,
        {
            **context,
            "form": form,
            "stale": refused,
            "loaded_state": stale.seal(services.config_state(stored)),
            "is_default": not stored,
        },
        status=409 if refused else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_file(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = get_for(request, Municipality, "identification.run", pk=pk)
    return _file(
        request,
        owner={"municipality": municipality},
        model=IdentificationSettings,
        save=lambda mapping, expected: services.save_config(
            municipality, mapping, by=request.user, expected=expected
        ),
        name=f"parametry-metodiki-{municipality.code}",
        back=("identification:settings", pk),
    )


@login_required
@require_http_methods(["GET", "POST"])
def region_settings_file(request: HttpRequest, pk: int) -> HttpResponse:
    region = get_for(request, Region, "region.identification.run", pk=pk)
    return _file(
        request,
        owner={"region": region},
        model=RegionIdentificationSettings,
        save=lambda mapping, expected: services.save_region_config(
            region, mapping, by=request.user, expected=expected
        ),
        name=f"parametry-metodiki-region-{region.pk}",
        back=("identification:region_settings", pk),
    )


def _file(
    request: HttpRequest,
    *,
    owner: dict[str, Any],
    model: Any,
    save: Callable[[dict[str, Any], str | None], object],
    name: str,
    back: tuple[str, int],
) -> HttpResponse:
    """GET: the effective parameters as a YAML file; POST: a .yaml/.json/.toml file replaces them (validated)."""
    if request.method == "GET":
        import yaml

        mapping = IdentificationConfig.from_mapping(services.saved_mapping(model, **owner)).to_mapping()
        text = (
            "# Параметры методики идентификации «Опоры». Описание каждого параметра — на странице «Параметры "
            "методики»;\n# файл можно изменить и загрузить там же («Для опытных пользователей»).\n"
            + yaml.safe_dump(mapping, allow_unicode=True, sort_keys=False)
        )
        response = HttpResponse(text.encode("utf-8"), content_type="application/x-yaml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.yaml"'
        return response
    upload = request.FILES.get("file")
    try:
        mapping = _parse_upload(upload)
        save(mapping, stale.expected(request.POST))
    except (ConfigError, ValueError) as error:
        messages.error(
            request, f"Файл параметров не принят: {russian_config_error(str(error))} Ничего не изменено."
        )
    except stale.StaleEdit as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, "Параметры методики заменены содержимым файла; они применяются к новым расчётам."
        )
    return redirect(back[0], pk=back[1])


def _parse_upload(upload: Any) -> dict[str, Any]:
    if upload is None:
        raise ValueError("выберите файл .yaml, .json или .toml.")
    if upload.size > MAX_FILE:
        raise ValueError(f"файл «{upload.name}» слишком большой (параметры занимают несколько килобайт).")
    raw = upload.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"файл «{upload.name}» не в кодировке UTF-8.") from None
    suffix = upload.name.lower().rsplit(".", 1)[-1] if "." in upload.name else ""
    if suffix not in ("json", "yaml", "yml", "toml"):
        raise ValueError(f"файл «{upload.name}»: поддерживаются .yaml, .json и .toml.")
    try:
        if suffix == "json":
            data = json.loads(text)
        elif suffix == "toml":
            data = tomllib.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text) or {}
    except json.JSONDecodeError as error:
        raise ValueError(
            f"файл «{upload.name}» не разобран: строка {error.lineno}, позиция {error.colno}."
        ) from None
    except Exception:  # the YAML and TOML parsers' errors: where, not their English wording
        raise ValueError(f"файл «{upload.name}» не разобран: проверьте отступы и двоеточия.") from None
    if not isinstance(data, dict):
        raise ValueError(f"файл «{upload.name}»: ожидается набор разделов «results», «context» и т. д.")
    IdentificationConfig.from_mapping(data)
    return data

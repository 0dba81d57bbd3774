"""Administrators' tokens of the integration API (region-scoped tokens are issued only here).

manage.py api_token create --municipality <код> | --region <код> --name "КИАСУО" [--write] [--no-read] [--expires ДД.ММ.ГГГГ]
manage.py api_token list [--municipality <код> | --region <код>]
manage.py api_token revoke <начало токена или id>
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from portal.api import services
from portal.api.models import READ, WRITE, ApiToken
from portal.schools.models import Municipality, Region


class Command(BaseCommand):
    help = "Токены API: выдать (create), показать (list), отозвать (revoke)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="выдать токен (секрет печатается один раз)")
        scope = create.add_mutually_exclusive_group(required=True)
        scope.add_argument("--municipality", help="код муниципалитета")
        scope.add_argument("--region", help="код региона")
        create.add_argument("--name", required=True, help="для какой системы выдан")
        create.add_argument("--write", action="store_true", help="разрешить запись (загрузку данных)")
        create.add_argument("--no-read", action="store_true", help="без права чтения")
        create.add_argument("--expires", help="действует до ДД.ММ.ГГГГ (включительно)")
        listing = sub.add_parser("list", help="выданные токены")
        listing.add_argument("--municipality")
        listing.add_argument("--region")
        revoke = sub.add_parser("revoke", help="отозвать токен")
        revoke.add_argument("token", help="начало токена (opora_…) или id")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _create(self, options: dict[str, Any]) -> None:
        municipality = region = None
        if options["municipality"]:
            municipality = Municipality.objects.filter(code=options["municipality"]).first()
            if municipality is None:
                raise CommandError(f"Муниципалитет с кодом «{options['municipality']}» не найден.")
        else:
            region = Region.objects.filter(code=options["region"]).first()
            if region is None:
                raise CommandError(f"Регион с кодом «{options['region']}» не найден.")
        permissions = ([] if options["no_read"] else [READ]) + ([WRITE] if options["write"] else [])
        expires = None
        if options["expires"]:
            try:
                day = datetime.datetime.strptime(options["expires"], "%d.%m.%Y").date()
            except ValueError:
                raise CommandError("Дата окончания — в виде ДД.ММ.ГГГГ.") from None
            expires = timezone.make_aware(
                datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())
            )
        try:
            issued = services.issue(
                name=options["name"],
                municipality=municipality,
                region=region,
                permissions=permissions,
                expires_at=expires,
                by=None,
            )
        except services.TokenError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Токен «{issued.token.name}» (id {issued.token.pk}) для {issued.token.scope}:")
        self.stdout.write(issued.secret)
        self.stdout.write("Сохраните его сейчас: он не хранится и больше не будет показан.")

    def _list(self, options: dict[str, Any]) -> None:
        tokens = ApiToken.objects.select_related("municipality", "region")
        if options.get("municipality"):
            tokens = tokens.filter(municipality__code=options["municipality"])
        if options.get("region"):
            tokens = tokens.filter(region__code=options["region"])
        for t in tokens:
            until = timezone.localtime(t.expires_at).strftime("%d.%m.%Y") if t.expires_at else "бессрочно"
            self.stdout.write(
                f"{t.pk}\t{t.prefix}…\t{t.name}\t{t.scope}\t{t.permissions_label}\tдо {until}\t{t.state_label}"
            )

    def _revoke(self, options: dict[str, Any]) -> None:
        key = options["token"]
        tokens = (
            ApiToken.objects.filter(pk=int(key))
            if key.isdigit()
            else ApiToken.objects.filter(prefix=key[: services.PREFIX_LENGTH])
        )
        found = list(tokens[:2])
        if len(found) != 1:
            raise CommandError("Токен не найден (или начало подходит к нескольким: укажите id).")
        services.revoke(found[0], by=None)
        self.stdout.write(f"Токен «{found[0].name}» ({found[0].prefix}…) отозван.")

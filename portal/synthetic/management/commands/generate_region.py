from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.synthetic.services import DEFAULT_PASSWORD, GenerationError, generate_region


class Command(BaseCommand):
    help = (
        "Создаёт синтетический регион для бенчмарков и нагрузочных тестов: муниципалитеты, школы, результаты "
        "оценочных процедур, контекст (КИАСУО), факторы риска, пользователей всех ролей, открытые периоды "
        "мониторинга со значениями и (по желанию) файлы результатов обучающихся. Все данные вымышлены."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--code", default="synth-region", help="код региона (synth-region)")
        parser.add_argument("--name", default="Синтетический регион", help="название региона")
        parser.add_argument("--municipalities", type=int, default=60, help="число муниципалитетов (60)")
        parser.add_argument("--schools", type=int, default=17, help="школ в муниципалитете в среднем (17)")
        parser.add_argument(
            "--years", type=int, nargs="+", default=[2022, 2023, 2024], help="годы данных (2022 2023 2024)"
        )
        parser.add_argument("--seed", type=int, default=1, help="зерно генератора (1)")
        parser.add_argument("--prefix", default="SR", help="префикс кодов школ и логинов (SR → sr-coord-01)")
        parser.add_argument(
            "--school-teams", type=int, default=2, help="школьных команд на муниципалитет (2)"
        )
        parser.add_argument(
            "--password", default=DEFAULT_PASSWORD, help=f"пароль всех пользователей ({DEFAULT_PASSWORD})"
        )
        parser.add_argument(
            "--replace", action="store_true", help="удалить регион с этим кодом и создать заново"
        )
        parser.add_argument("--no-monitoring", action="store_true", help="без периодов мониторинга")
        parser.add_argument(
            "--identify",
            action="store_true",
            help="рассчитать и опубликовать идентификацию последнего года (цели мониторинга — из неё)",
        )
        parser.add_argument(
            "--students", type=int, default=0, help="строк результатов обучающихся всего, например 10000000"
        )
        parser.add_argument(
            "--students-dir", help="каталог для CSV-файлов обучающихся (по файлу на муниципалитет)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            made = generate_region(
                code=options["code"],
                name=options["name"],
                municipalities=options["municipalities"],
                schools=options["schools"],
                years=tuple(options["years"]),
                seed=options["seed"],
                prefix=options["prefix"],
                school_teams=options["school_teams"],
                password=options["password"],
                replace=options["replace"],
                monitoring=not options["no_monitoring"],
                identify=options["identify"],
                students=options["students"],
                students_dir=options["students_dir"],
                write=self.stdout.write,
            )
        except GenerationError as error:
            raise CommandError(str(error)) from error
        counts = ", ".join(f"{k}={v}" for k, v in made.counts.items())
        timings = ", ".join(f"{k} {v:.1f} с" for k, v in made.timings.items())
        self.stdout.write(
            self.style.SUCCESS(f"Регион «{made.region.name}» (id {made.region.pk}) создан: {counts}.")
        )
        self.stdout.write(f"Время: {timings}.")
        self.stdout.write(f"Пользователи (пароль у всех: {made.password}; только для синтетических данных):")
        for role, names in made.accounts.items():
            shown = ", ".join(names[:3]) + (f" … всего {len(names)}" if len(names) > 3 else "")
            self.stdout.write(f"  {role}: {shown}")
        if made.files:
            self.stdout.write(f"Файлы: {len(made.files)} в {options['students_dir']}")

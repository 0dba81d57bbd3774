"""Audit log: who changed what, when, with the values before and after."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models


class AuditEntry(models.Model):
    class Source(models.TextChoices):
        SERVICE = "service", "Приложение"
        ADMIN = "admin", "Администрирование"
        SYSTEM = "system", "Система"

    at = models.DateTimeField("когда", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="кто",
    )
    actor_repr = models.CharField("кто (на момент записи)", max_length=200)
    source = models.CharField("источник", max_length=10, choices=Source.choices, default=Source.SERVICE)
    action = models.CharField("действие", max_length=100, db_index=True)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, verbose_name="тип объекта"
    )
    object_id = models.CharField("id объекта", max_length=64, blank=True)
    object_repr = models.CharField("объект", max_length=300)
    # Scope columns let coordinators see only their municipality's (region's) log without joins through every model.
    region = models.ForeignKey(
        "schools.Region",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="регион",
    )
    municipality = models.ForeignKey(
        "schools.Municipality",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="муниципалитет",
    )
    school = models.ForeignKey(
        "schools.School",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="школа",
    )
    #: A write to something the whole region uses (its measure library, its recommendation rules): the entry is
    #: shown in the log of every municipality of ``region``, not only in the one it was made from.
    region_wide = models.BooleanField("касается всего региона", default=False)
    before = models.JSONField("до", null=True, blank=True)
    after = models.JSONField("после", null=True, blank=True)
    data = models.JSONField("подробности", null=True, blank=True)

    class Meta:
        verbose_name = "запись журнала"
        verbose_name_plural = "журнал изменений"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%d.%m.%Y %H:%M} {self.actor_repr}: {self.action} {self.object_repr}"

    def changes(self) -> list[tuple[str, Any, Any]]:
        """(field, before, after) for every field whose value differs."""
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]

    @property
    def verb(self) -> str:
        return self.action.rsplit(".", 1)[-1]

    @property
    def action_label(self) -> str:
        """The action in Russian: «Изменение: школа», «Назначение роли: роль пользователя»… never its code."""
        if self.action in ACTION_LABELS:
            return ACTION_LABELS[self.action]
        model = self.content_type.model_class() if self.content_type else None
        if model is not None:
            noun = str(model._meta.verbose_name)
        else:
            noun = _app_label(self.action.split(".", 1)[0])
        verb = verb_label(self.verb)
        return f"{verb}: {noun}" if noun else verb

    def labelled_changes(self) -> list[tuple[str, Any, Any]]:
        """Changed fields with their Russian names and values as people read them (a status's label, not its
        code; «да»/«нет»), only for changes of an existing object."""
        if self.before is None or self.after is None:
            return []
        model = self.content_type.model_class() if self.content_type else None
        labels: dict[str, str] = {}
        choices: dict[str, dict[Any, str]] = {}
        if model is not None:
            for f in model._meta.concrete_fields:
                labels[f.attname] = str(f.verbose_name)
                if f.choices:
                    choices[f.attname] = {k: str(v) for k, v in f.flatchoices}
        return [
            (labels.get(k, k), _shown(old, choices.get(k)), _shown(new, choices.get(k)))
            for k, old, new in self.changes()
        ]


def _shown(value: Any, choices: dict[Any, str] | None) -> Any:
    if choices and value in choices:
        return choices[value]
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


#: Russian names of the last part of an action code (``monitoring.period.opened`` → «opened»). Every verb the code
#: records has one: ``portal/audit/tests/test_labels.py`` reads the sources and fails on a verb without a label.
VERB_LABELS = {
    "created": "Создание",
    "changed": "Изменение",
    "deleted": "Удаление",
    "granted": "Назначение роли",
    "revoked": "Отзыв",
    "published": "Публикация",
    "withdrawn": "Снятие с публикации",
    "imported": "Загрузка данных",
    "import": "Загрузка данных через API",
    "rejected": "Отклонённая загрузка",
    "logged_in": "Вход",
    "logged_out": "Выход",
    "login_failed": "Неудачный вход",
    "password_changed": "Смена пароля",
    "exported": "Выгрузка",
    "queued": "Постановка в очередь",
    "requeued": "Повторный запуск после сбоя",
    "done": "Задача выполнена",
    "failed": "Задача не выполнена",
    "finished": "Расчёт выполнен",
    "opened": "Открытие периода",
    "closed": "Закрытие периода",
    "reopened": "Повторное открытие периода",
    "computed_refreshed": "Пересчёт значений",
    "targets_from_identification": "Целевые школы по идентификации",
    "targets_set": "Выбор целевых школ",
    "totals": "Численность работников и обучающихся",
    "draft": "Возврат в черновик",
    "submitted": "Отправка анкеты",
    "accepted": "Приёмка анкеты",
    "returned": "Возврат на доработку",
    "saved": "Сохранение",
    "approved": "Утверждение",
    "retired": "Вывод из дорожной карты",
    "status_changed": "Смена статуса",
    "comment_added": "Комментарий",
    "evidence_added": "Добавление документа",
    "evidence_removed": "Удаление документа",
    "loaded": "Загрузка демо-данных",
    "fed": "Передача значений в мониторинг",
    "typed_value_replaced": "Замена введённого значения",
    "resubmitted": "Повторная отправка",
    "reviewed": "Рассмотрение",
    "derived": "Расчёт по записям учёта",
    "generated": "Создание синтетического региона",
}

#: Whole actions whose verb + object would read badly.
ACTION_LABELS = {
    "api.import": "Загрузка данных через API",
    "api.staff.import": "Загрузка педагогов через API",
    "audit.log.exported": "Выгрузка журнала изменений",
    "monitoring.submission.totals": "Численность работников и обучающихся в анкете",
    "staff.demo.loaded": "Загрузка демо-данных педагогов",
    "staff.monitoring.fed": "Значения мониторинга из учёта педагогов",
    "staff.monitoring.typed_value_replaced": "Значение мониторинга заменено расчётом по учёту педагогов",
    "synthetic.region.generated": "Создание синтетического региона",
    "documents.status.added": "Добавление статуса школы в историю",
    "monitoring.value.from_records": "Ответ мониторинга из записей системы",
    "programs.program.submitted": "Отправка программы на утверждение",
    "programs.program.withdrawn": "Возврат программы в работу",
    "programs.program.returned": "Возврат программы на доработку",
    "programs.program.approved": "Утверждение программы",
}


def verb_label(verb: str) -> str:
    """The Russian name of a verb; an unknown one (a newer version's) reads «Другое действие», never as a code."""
    return VERB_LABELS.get(verb, "Другое действие")


def _app_label(label: str) -> str:
    from django.apps import apps

    try:
        return str(apps.get_app_config(label).verbose_name)
    except LookupError:
        return ""

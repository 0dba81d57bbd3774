"""Generate a synthetic region in the database: municipalities, schools, results, context, risk inputs, users,
monitoring periods with values (issue 8: benchmarks and load tests at the scale of a region).

The numbers come from the analytics core (:mod:`opora.synthetic_region`, the same latent model as the demo);
this module only writes them, fast: rows are built from the frames and written with ``bulk_create`` in batches,
one transaction per municipality. Nothing here is real data; every name says «синтетический».

Accounts (one password for all, ``DEFAULT_PASSWORD`` unless given; hashed once, so creating hundreds of users
costs one hash): ``{p}-region`` (наблюдатель региона), ``{p}-coord-NN`` (координатор муниципалитета NN),
``{p}-method-NN`` (методист), ``{p}-school-NN-K`` (школьная команда K-й школы муниципалитета NN), where ``{p}`` is
the lower-case school code prefix (``sr`` by default).
"""

from __future__ import annotations

import datetime
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q

from opora.synthetic_region import (
    REGION_YEARS,
    SyntheticRegion,
    synthetic_municipal_region,
    write_municipal_region_files,
)
from portal.accounts.models import ROLE_SCOPE, Role, RoleAssignment, User
from portal.audit.services import record
from portal.results.models import AssessmentResult, ContextValue, ImportBatch, RiskInput
from portal.results.services import RESULT_FIELDS, RISK_FIELDS
from portal.schools.models import AcademicYear, Municipality, Region, School

DEFAULT_PASSWORD = "opora-synth-2024"
BATCH = 5000
MONITORING_SET = "order_2023_41"

_KIND_LABEL = {
    "sosh": ("Средняя общеобразовательная школа", "СОШ"),
    "oosh": ("Основная общеобразовательная школа", "ООШ"),
    "evening": ("Открытая (сменная) общеобразовательная школа", "О(С)ОШ"),
    "gymnasium": ("Гимназия", "Гимназия"),
    "lyceum": ("Лицей", "Лицей"),
}


class GenerationError(Exception):
    """The region cannot be generated as asked; the message is Russian."""


@dataclass
class GeneratedRegion:
    region: Region
    municipalities: list[Municipality]
    accounts: dict[str, list[str]] = field(default_factory=dict)  # role → usernames
    password: str = DEFAULT_PASSWORD
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)


def user_prefix(prefix: str) -> str:
    return prefix.lower()


def delete_region(region: Region) -> None:
    """Remove a generated region with everything attached to it (schools, data, periods, its users)."""
    from portal.public.models import PublicDocument

    municipalities = list(region.municipalities.all())
    with transaction.atomic():
        users = User.objects.filter(
            Q(roles__region=region)
            | Q(roles__municipality__region=region)
            | Q(roles__school__municipality__region=region)
        ).distinct()
        # Only the generator's own accounts go (a real account that also holds a role here keeps existing).
        pattern = re.compile(r"^[a-z0-9]+-(region|regcoord|coord-\d+|method-\d+|school-\d+-\d+)$")
        User.objects.filter(pk__in=[u.pk for u in users if pattern.match(u.username)]).delete()
        PublicDocument.objects.filter(municipality__in=municipalities).delete()
        School.objects.filter(municipality__in=municipalities).delete()
        Municipality.objects.filter(pk__in=[m.pk for m in municipalities]).delete()
        region.delete()


def generate_region(
    *,
    code: str = "synth-region",
    name: str = "Синтетический регион",
    municipalities: int = 60,
    schools: int = 17,
    years: tuple[int, ...] = REGION_YEARS,
    seed: int = 1,
    prefix: str = "SR",
    school_teams: int = 2,
    password: str = DEFAULT_PASSWORD,
    replace: bool = False,
    monitoring: bool = True,
    identify: bool = False,
    students: int = 0,
    students_dir: str | Path | None = None,
    write: Callable[[str], Any] = print,
) -> GeneratedRegion:
    """Create the region ``code`` with ``municipalities`` × ~``schools`` schools and their data; see the module.

    Refuses when the region exists unless ``replace``. ``identify``: run the identification of the last year
    (region-wide when the portal has it, else per municipality on the region's data) and publish it, so the
    monitoring periods take their target schools from it; otherwise targets follow the latent quality.
    ``students`` > 0 with ``students_dir``: student-level CSV files (one per municipality) are written there.
    """
    if municipalities < 1 or schools < 1:
        raise GenerationError("Число муниципалитетов и школ должно быть не меньше 1.")
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,9}", prefix):
        raise GenerationError("Префикс кодов школ: латинские буквы и цифры, до 10 знаков, начиная с буквы.")
    if students and students_dir is None:
        raise GenerationError("Для результатов обучающихся укажите каталог (--students-dir).")
    years = tuple(sorted(set(years)))
    existing = Region.objects.filter(code=code).first()
    timings: dict[str, float] = {}
    start = time.perf_counter()
    if existing is not None:
        if not replace:
            raise GenerationError(
                f"Регион с кодом «{code}» уже есть. Чтобы создать его заново, добавьте --replace "
                "(все данные этого региона будут удалены)."
            )
        write(f"Удаляю прежний регион «{existing.name}» …")
        delete_region(existing)
        timings["delete"] = time.perf_counter() - start
    plan = synthetic_municipal_region(
        municipalities, schools, years, seed=seed, prefix=prefix, municipality_prefix=user_prefix(prefix)
    )
    codes = plan.data.schools["school_id"].to_list()
    clash = School.objects.filter(code__in=codes).values_list("code", flat=True)[:5]
    if clash:
        raise GenerationError(
            f"Школы с кодами {', '.join(clash)} уже есть в другом регионе: выберите другой префикс (--prefix)."
        )
    if Municipality.objects.filter(code__in=plan.municipalities).exists():
        raise GenerationError(
            f"Муниципалитеты с кодами {plan.municipalities[0]}… уже есть: выберите другой префикс (--prefix)."
        )
    timings["plan"] = time.perf_counter() - start

    t = time.perf_counter()
    with transaction.atomic():
        region, munis, school_objs = _registry(plan, code=code, name=name)
        _academic_years(years)
    timings["registry"] = time.perf_counter() - t
    write(f"Регион «{name}»: {len(munis)} муниципалитетов, {len(school_objs)} школ.")

    t = time.perf_counter()
    counts = _data(plan, munis, school_objs, write=write)
    timings["data"] = time.perf_counter() - t

    t = time.perf_counter()
    accounts = _users(plan, region, munis, school_objs, school_teams=school_teams, password=password)
    timings["users"] = time.perf_counter() - t
    counts["users"] = sum(len(v) for v in accounts.values())

    year = years[-1]
    if identify:
        t = time.perf_counter()
        counts["identification_runs"] = _identify(region, munis, plan, year, write=write)
        timings["identification"] = time.perf_counter() - t
    if monitoring:
        t = time.perf_counter()
        counts["indicator_values"] = _monitoring(
            plan, munis, school_objs, year, school_teams=school_teams, write=write
        )
        timings["monitoring"] = time.perf_counter() - t
    files: dict[str, Path] = {}
    if students_dir is not None and students > 0:
        t = time.perf_counter()
        write(f"Результаты обучающихся: около {students} строк в {students_dir} …")
        files = write_municipal_region_files(students_dir, plan, students=students)
        timings["students"] = time.perf_counter() - t
    record(
        region,
        "synthetic.region.generated",
        by=None,
        data={"municipalities": len(munis), "schools": len(school_objs), "years": list(years), "seed": seed},
    )
    timings["total"] = time.perf_counter() - start
    return GeneratedRegion(
        region=region,
        municipalities=munis,
        accounts=accounts,
        password=password,
        counts=counts,
        timings=timings,
        files=files,
    )


# --------------------------------------------------------------------------------------------- registry


def _registry(
    plan: SyntheticRegion, *, code: str, name: str
) -> tuple[Region, list[Municipality], dict[str, School]]:
    region = Region.objects.create(code=code, name=name, is_demo=True)
    Municipality.objects.bulk_create(
        [
            Municipality(
                region=region,
                code=mcode,
                name=f"Муниципалитет № {j + 1} (синтетический)",
                authority_name=f"Управление образования муниципалитета № {j + 1} (синтетические данные)",
                is_demo=True,
            )
            for j, mcode in enumerate(plan.municipalities)
        ]
    )
    munis = list(Municipality.objects.filter(region=region).order_by("code"))
    by_index = {m.code: m for m in munis}
    rows = []
    numbers: dict[tuple[int, str], int] = {}
    for school_id, kind, rural, size, owner in plan.data.schools.select(
        "school_id", "kind", "rural", "students", "municipality"
    ).iter_rows():
        full, short = _KIND_LABEL.get(kind, ("Общеобразовательная организация", "ОО"))
        number = numbers[(owner, kind)] = numbers.get((owner, kind), 0) + 1
        muni = by_index[plan.municipalities[owner]]
        rows.append(
            School(
                municipality=muni,
                code=school_id,
                name=f"{full} № {number} муниципалитета № {owner + 1} (синтетическая)",
                short_name=f"{short} № {number}",
                kind=kind,
                locality=School.Locality.RURAL if rural else School.Locality.URBAN,
                students=int(size),
                sort_key=len(rows) + 1,
            )
        )
    School.objects.bulk_create(rows, batch_size=BATCH)
    schools = {s.code: s for s in School.objects.filter(municipality__region=region)}
    return region, munis, schools


def _academic_years(years: tuple[int, ...]) -> None:
    for y in range(years[0] - 1, years[-1] + 1):
        AcademicYear.objects.get_or_create(start_year=y)
    if not AcademicYear.objects.filter(is_current=True).exists():
        AcademicYear.objects.filter(start_year=years[-1]).update(is_current=True)


# --------------------------------------------------------------------------------------------- data


def _data(
    plan: SyntheticRegion,
    munis: list[Municipality],
    schools: dict[str, School],
    *,
    write: Callable[[str], Any],
) -> dict[str, int]:
    """Results, context (long) and risk inputs, one import batch of each kind and one transaction per municipality."""
    owner = plan.data.schools.select("school_id", "municipality")
    results = plan.data.results.join(owner, on="school_id")
    context_vars = [c for c in plan.data.context.columns if c not in ("school_id", "year")]
    context = plan.data.context.join(owner, on="school_id")
    risk = plan.data.risk.join(owner, on="school_id")
    counts = {"results": 0, "context": 0, "risk": 0}
    years = sorted({int(y) for y in plan.data.results["year"].unique()})
    for j, muni in enumerate(munis):
        mine = pl.col("municipality") == j
        with transaction.atomic():
            batches = {
                kind: ImportBatch.objects.create(
                    municipality=muni,
                    kind=kind,
                    filename=f"synthetic_{kind}.csv",
                    sha256="0" * 64,
                    status=ImportBatch.Status.IMPORTED,
                    years=years,
                    layout="synthetic",
                )
                for kind in (ImportBatch.Kind.RESULTS, ImportBatch.Kind.CONTEXT, ImportBatch.Kind.RISK)
            }
            res_rows = [
                AssessmentResult(
                    batch=batches[ImportBatch.Kind.RESULTS],
                    school=schools[row["school_id"]],
                    **{k: row[k] for k in RESULT_FIELDS},
                )
                for row in results.filter(mine).iter_rows(named=True)
            ]
            AssessmentResult.objects.bulk_create(res_rows, batch_size=BATCH)
            ctx_rows = [
                ContextValue(
                    batch=batches[ImportBatch.Kind.CONTEXT],
                    school=schools[row["school_id"]],
                    year=row["year"],
                    variable=v,
                    value=float(row[v]),
                )
                for row in context.filter(mine).iter_rows(named=True)
                for v in context_vars
                if row[v] is not None
            ]
            ContextValue.objects.bulk_create(ctx_rows, batch_size=BATCH)
            risk_rows = [
                RiskInput(
                    batch=batches[ImportBatch.Kind.RISK],
                    school=schools[row["school_id"]],
                    year=row["year"],
                    **{k: row[k] for k in RISK_FIELDS},
                )
                for row in risk.filter(mine).iter_rows(named=True)
            ]
            RiskInput.objects.bulk_create(risk_rows, batch_size=BATCH)
            for kind, n in (
                (ImportBatch.Kind.RESULTS, len(res_rows)),
                (ImportBatch.Kind.CONTEXT, len(ctx_rows)),
                (ImportBatch.Kind.RISK, len(risk_rows)),
            ):
                ImportBatch.objects.filter(pk=batches[kind].pk).update(rows=n)
        counts["results"] += len(res_rows)
        counts["context"] += len(ctx_rows)
        counts["risk"] += len(risk_rows)
        if (j + 1) % 10 == 0 or j + 1 == len(munis):
            write(f"  данные: {j + 1}/{len(munis)} муниципалитетов, {counts['results']} результатов")
    return counts


# --------------------------------------------------------------------------------------------- users


def _users(
    plan: SyntheticRegion,
    region: Region,
    munis: list[Municipality],
    schools: dict[str, School],
    *,
    school_teams: int,
    password: str,
) -> dict[str, list[str]]:
    """Accounts for every role; the password is hashed once and shared (synthetic accounts only)."""
    p = user_prefix(plan.prefix)
    hashed = make_password(password)
    specs: list[tuple[str, str, str, str, Any]] = [
        (f"{p}-region", "Наблюдатель региона", "(синт.)", Role.REGION_VIEWER, region)
    ]
    regional_coordinator = getattr(Role, "REGION_COORDINATOR", None)
    if regional_coordinator is not None and ROLE_SCOPE.get(regional_coordinator) == "region":
        specs.append((f"{p}-regcoord", "Региональный координатор", "(синт.)", regional_coordinator, region))
    by_muni: dict[int, list[School]] = {}
    for s in sorted(schools.values(), key=lambda s: s.sort_key):
        by_muni.setdefault(s.municipality_id, []).append(s)
    for j, muni in enumerate(munis):
        nn = f"{j + 1:02d}"
        specs.append((f"{p}-coord-{nn}", "Координатор", f"муниципалитета № {j + 1}", Role.COORDINATOR, muni))
        specs.append((f"{p}-method-{nn}", "Методист", f"муниципалитета № {j + 1}", Role.METHOD_CENTRE, muni))
        for k, school in enumerate(by_muni.get(muni.pk, [])[:school_teams], start=1):
            specs.append(
                (f"{p}-school-{nn}-{k}", "Школьная команда", f"{school.short_name}", Role.SCHOOL_TEAM, school)
            )
    with transaction.atomic():
        User.objects.bulk_create(
            [
                User(username=u, first_name=first, last_name=last, password=hashed)
                for u, first, last, _, _ in specs
            ],
            batch_size=BATCH,
        )
        ids = dict(User.objects.filter(username__in=[s[0] for s in specs]).values_list("username", "pk"))
        RoleAssignment.objects.bulk_create(
            [
                RoleAssignment(user_id=ids[u], role=role, **{ROLE_SCOPE[role]: scope})
                for u, _, _, role, scope in specs
            ],
            batch_size=BATCH,
        )
    accounts: dict[str, list[str]] = {}
    for u, _, _, role, _ in specs:
        accounts.setdefault(str(role), []).append(u)
    return accounts


# --------------------------------------------------------------------------------------------- identification


def _identify(
    region: Region,
    munis: list[Municipality],
    plan: SyntheticRegion,
    year: int,
    *,
    write: Callable[[str], Any],
) -> int:
    """Run and publish the identification of ``year``; returns the number of municipal runs published.

    Region-wide (one model for all schools, ``run_region_identification``) when the portal has it; otherwise one
    run per municipality, each fitted on the region's data stored as a regional reference set."""
    from portal.identification import services as ident

    regional = getattr(ident, "run_region_identification", None)
    if regional is not None:
        region_run = regional(region, year, by=None)
        if getattr(region_run, "error", ""):
            raise GenerationError(f"Идентификация {year} не рассчитана: {region_run.error}")
        ident.publish_region_run(region_run, by=None)
        published = region_run.runs.count()
        write(
            f"Идентификация {year} по региону: модель на {region_run.n_fit} школах, расчётов — {published}."
        )
        return int(published)
    reference = region_reference(munis[0], plan)
    for m in munis:
        ident.publish_run(ident.run_identification(m, year, by=None, reference=reference), by=None)
    write(f"Идентификация {year}: опубликовано расчётов — {len(munis)}.")
    return len(munis)


def region_reference(municipality: Municipality, plan: SyntheticRegion) -> Any:
    """The region's results and context as a regional reference set of ``municipality`` (the import path)."""
    from portal.results import services as imports

    def csv(frame: pl.DataFrame) -> bytes:
        out = frame
        for col, dtype in frame.schema.items():
            if dtype == pl.Date:
                out = out.with_columns(pl.col(col).dt.strftime("%Y-%m-%d"))
        return out.write_csv().encode()

    report = imports.import_reference(
        municipality,
        name="Синтетический регион (все школы)",
        results=("region_results.csv", csv(plan.data.results)),
        context=("region_context.csv", csv(plan.data.context)),
        by=None,
    )
    if not report.ok:
        raise GenerationError(f"Региональный набор не загружен: {report.errors[:3]}")
    return report.batch.reference


# --------------------------------------------------------------------------------------------- monitoring


def _monitoring(
    plan: SyntheticRegion,
    munis: list[Municipality],
    schools: dict[str, School],
    year: int,
    *,
    school_teams: int,
    write: Callable[[str], Any],
) -> int:
    """An open period of ``year`` per municipality: targets, school forms with values (submitted or draft)."""
    from portal.monitoring import derive, services
    from portal.monitoring.excel import slots_for_school
    from portal.monitoring.models import IndicatorSet, IndicatorValue, SchoolSubmission, TargetSchool
    from portal.monitoring.values import clean

    services.sync_builtin_sets(by=None)
    indicator_set = IndicatorSet.objects.get(code=MONITORING_SET)
    rng = random.Random(plan.data.schools.height * 7 + year)
    # Latent quality of the last year: mean % of the maximum score over the school's results.
    quality = dict(
        plan.data.results.filter(pl.col("year") == year)
        .group_by("school_id")
        .agg(pl.col("mean_pct").mean())
        .iter_rows()
    )
    total = 0
    deadline = datetime.date(year, 12, 15)
    by_muni: dict[int, list[School]] = {}
    for s in sorted(schools.values(), key=lambda s: s.sort_key):
        by_muni.setdefault(s.municipality_id, []).append(s)
    for j, muni in enumerate(munis):
        mine = by_muni.get(muni.pk, [])
        team_schools = {s.pk for s in mine[:school_teams]}
        with transaction.atomic():
            period = services.open_period(muni, indicator_set, year, by=None, deadline=deadline)
            if not period.target_schools.exists():
                ranked = sorted(mine, key=lambda s: quality.get(s.code, 50.0))
                n_shnor = max(1, round(0.15 * len(ranked)))
                n_risk = max(1, round(0.10 * len(ranked)))
                shnor = [s.pk for s in ranked[:n_shnor]]
                risk = [s.pk for s in ranked[n_shnor : n_shnor + n_risk]]
                # The school teams' schools are in the program, so their forms can be filled in.
                risk += [pk for pk in team_schools if pk not in shnor and pk not in risk]
                services.set_target_schools(period, shnor=shnor, at_risk=risk, by=None)
                period.refresh_from_db()
            else:
                # Targets from the published identification; the school teams' schools join the program too.
                listed = set(period.target_schools.values_list("school_id", flat=True))
                TargetSchool.objects.bulk_create(
                    [
                        TargetSchool(
                            period=period,
                            school_id=pk,
                            is_at_risk=True,
                            source=TargetSchool.Source.MANUAL,
                            source_note="школа с синтетической школьной командой",
                        )
                        for pk in sorted(team_schools - listed)
                    ]
                )
            data = derive.load(period)
            indicators = data.indicators
            rows = []
            for school in mine:
                slots = slots_for_school(period, indicators, school.pk, data)
                if not slots:
                    continue
                staff = rng.randint(14, 62)
                good = rng.uniform(0.45, 0.9)
                totals = {"staff_total": staff, "students_total": school.students}
                for slot in slots:
                    # The form's own validation makes the stored payload exactly what a saved form would store.
                    payload = clean(
                        slot,
                        _value(slot, rng, staff, good),
                        denominator=totals.get(slot.denominator_field or ""),
                    )
                    rows.append(
                        IndicatorValue(
                            period=period,
                            school=school,
                            indicator=slot.indicator,
                            subitem=slot.subitem,
                            origin=IndicatorValue.Origin.FORM,
                            **payload,
                        )
                    )
                status = (
                    SchoolSubmission.Status.DRAFT
                    if school.pk in team_schools
                    else rng.choice([SchoolSubmission.Status.SUBMITTED, SchoolSubmission.Status.ACCEPTED])
                )
                SchoolSubmission.objects.filter(period=period, school=school).update(
                    status=status, staff_total=staff, students_total=school.students
                )
            IndicatorValue.objects.bulk_create(rows, batch_size=BATCH)
            services.touch(period.pk)
        total += len(rows)
        if (j + 1) % 10 == 0 or j + 1 == len(munis):
            write(f"  мониторинг {year}: {j + 1}/{len(munis)} муниципалитетов, {total} значений")
    return total


def _value(slot: Any, rng: random.Random, staff: int, good: float) -> dict[str, Any]:
    """A plausible value for one slot of a school's form (same kinds as the monitoring demo)."""
    kind = slot.kind
    if kind == "bool":
        yes = rng.random() < good
        links = (
            [f"https://school.example.ru/docs/{slot.indicator.code.replace('.', '-')}.pdf"]
            if yes and slot.needs_links
            else []
        )
        return {"bool_value": yes, "links": links}
    if kind == "people":
        return {"numerator": float(round(staff * min(1.0, max(0.05, rng.gauss(good, 0.15)))))}
    if kind == "pct":
        return {"number": round(rng.uniform(85.0, 100.0), 1)}
    if kind == "count":
        return {"number": float(rng.randint(0, 6))}
    if kind == "status3":
        return {"status3": rng.choice(["present", "emerging", "present"])}
    return {"text": "синтетические данные"}

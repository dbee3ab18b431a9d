"""Load a fresh registry bench database with a county's worth of synthetic people and their history.

`python -m bench.generate_registry [--people 100000] [--seed 20261129]` drops and recreates the database
(`qihang_bench_volume_registry` on BENCH_DATABASE_URL / DATABASE_URL, else the embedded server under
.data/pg-bench), migrates it with `shared.migrations.upgrade` and fills it with asyncpg COPY.

What one run loads for N people (N = 100,000 by default; per person on average):

- person: spread over the 14 jurisdictions (bigger towns weigh more), Guangxi surnames and given names, ages
  18-65 (most 25-45), 85 % men, valid GB 11643 ID numbers (area code mostly 450222, the birth date and the
  sex inside the number match the record, check character computed) encrypted and keyed-hashed exactly as the
  service does (registry.persons.crypto with registry.config.Settings' keys), work ability 70 / 20 / 10 %,
  5 % archived (each with its off-register change), on the register from their first measure, one work-ability
  change each;
- control_measure: 1.45 (the measure in force, plus an earlier ended one for 45 %);
- drug_test: 4 (urine or hair, 3 % positive, each positive one with its relapse row);
- support_member: 2.3 and support_visit: 1.5; welfare_record for half the people, welfare_relief for 5 %;
- outbox_event: what the service would have emitted for the rows above (person.created / .archived,
  measure.created / .ended, relapse.recorded).

"Events" (the issue's 1,000,000) are the rows of control_measure + drug_test + relapse + support_visit +
outbox_event: about 10.2 per person. The data depend only on the seed and the day it is generated (dates are
relative to today so that ages and "in force" stay meaningful); ciphertexts differ run to run (random nonces,
as in the service).

Speed: rows are built in Python per chunk of people and streamed with copy_records_to_table; the secondary
indexes are dropped before the load and rebuilt from their own definitions afterwards (the schema ends up
exactly as migrated), then VACUUM ANALYZE.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg

from registry.config import Settings
from registry.persons.crypto import IdNumberCipher, decode_key
from registry.persons.national_id import check_char, mask
from scripts.localdb import DATA_DIR, asyncpg_dsn, ensure_database, start_embedded
from shared.config import database_url_for
from shared.migrations import upgrade

DATABASE = "qihang_bench_volume_registry"
DEFAULT_PEOPLE = 100_000
DEFAULT_SEED = 20261129
CHUNK = 5_000
EVENT_TABLES = ("control_measure", "drug_test", "relapse", "support_visit", "outbox_event")
CREATED_BY = "bench-generator"

JURISDICTION_WEIGHTS = {
    "dapu": 14,
    "dongquan": 9,
    "shapu": 8,
    "taiping": 8,
    "liutang": 7,
    "fengshan": 7,
    "longtou": 6,
    "zhailong": 7,
    "chongmai": 6,
    "mashan": 5,
    "shechong": 5,
    "guzhai": 6,
    "liucheng_ocez": 4,
    "fuhu_ocez": 3,
}
TOWN_ZH = {
    "dapu": "大埔镇",
    "dongquan": "东泉镇",
    "shapu": "沙埔镇",
    "taiping": "太平镇",
    "liutang": "六塘镇",
    "fengshan": "凤山镇",
    "longtou": "龙头镇",
    "zhailong": "寨隆镇",
    "chongmai": "冲脉镇",
    "mashan": "马山乡",
    "shechong": "社冲乡",
    "guzhai": "古砦仫佬族乡",
    "liucheng_ocez": "柳城华侨经济管理区",
    "fuhu_ocez": "伏虎华侨经济管理区",
}
# Surnames common in Liuzhou (Zhuang and Han), most frequent first, with rough weights.
SURNAMES = "韦覃黄蓝莫梁罗廖吴李王张陈刘杨周谢何潘卢蒙谭陆曾龙石邓赵欧胡唐徐朱林冯马苏宋郭钟银农甘"
SURNAME_WEIGHTS = [30, 22, 20, 10, 12, 10, 9, 8, 9, 12, 10, 9, 8, 8, 6, 5, 5, 5, 4, 4, 5, 4, 3, 4, 3, 3, 3, 3]
SURNAME_WEIGHTS += [2] * (len(SURNAMES) - len(SURNAME_WEIGHTS))
MALE_CHARS = "伟强军勇杰涛明华斌超辉刚平鹏健波宁峰磊海东林文国志建兵荣春德成福贵庆祥金宏龙飞鑫俊浩宇新光永"
FEMALE_CHARS = "芳丽娟敏静燕玲艳红霞梅萍琳婷秀英兰凤娜莉雪慧玉琴洁桂珍美丹"
ETHNICITIES = (("汉族", 50), ("壮族", 40), ("仫佬族", 5), ("瑶族", 3), ("苗族", 2))
EDUCATION = (
    ("none", 3),
    ("primary", 20),
    ("junior_high", 45),
    ("senior_high", 15),
    ("vocational", 10),
    ("college", 5),
    ("bachelor_or_above", 2),
)
SKILLS = ("电焊", "驾驶", "种植", "养殖", "厨师", "缫丝", "砌墙", "电工", "缝纫", "快递分拣", "木工", "修车")
VILLAGES = ("新村", "石塘村", "龙美村", "古德村", "大村", "江湾村", "上雷村", "马山村", "沙洲村", "凤凰村")
ABILITY_REASONS = {"partly": "慢性病，只能从事轻体力劳动", "unable": "严重肢体残疾，丧失劳动能力"}
AREA_CODES = (("450222", 85), ("450221", 4), ("450223", 3), ("450202", 3), ("450205", 2), ("452402", 3))
SUBSTANCES = ("甲基苯丙胺", "海洛因", "氯胺酮")
MEMBER_ROLES = ("drug_control_worker", "community_police", "guardian", "volunteer")
VISIT_KINDS = (("home_visit", 45), ("talk", 30), ("phone_call", 20), ("counselling", 5))
VISIT_NOTES = (
    "入户走访，本人在家，情绪稳定。",
    "谈话教育，了解近期就业意向。",
    "电话联系，告知尿检时间。",
    "心理疏导一次。",
)


@dataclass
class Stats:
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    """Seconds spent building rows in Python, in COPY, rebuilding indexes, and in VACUUM ANALYZE."""

    @property
    def events(self) -> int:
        return sum(self.rows.get(t, 0) for t in EVENT_TABLES)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def summary(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "people": self.rows.get("person", 0),
            "events": self.events,
            "total_rows": self.total_rows,
            "seconds": round(self.seconds, 1),
            "rows_per_second": round(self.total_rows / self.seconds) if self.seconds else None,
            "phases_seconds": {k: round(v, 1) for k, v in self.phases.items()},
        }


def _cum(weighted: list[tuple]) -> tuple[list, list[float]]:
    values, weights = zip(*weighted, strict=True)
    total, cum = 0.0, []
    for w in weights:
        total += w
        cum.append(total)
    return list(values), cum


class Generator:
    """Rows for each table, person by person, from one seeded random.Random (deterministic for a seed and day)."""

    def __init__(self, seed: int, cipher: IdNumberCipher, today: date) -> None:
        self.rng = random.Random(seed)
        self.cipher = cipher
        self.today = today
        self.now = datetime.combine(today, datetime.min.time(), UTC) + timedelta(hours=9)
        self.jur, self.jur_cum = _cum(list(JURISDICTION_WEIGHTS.items()))
        self.surnames, self.surname_cum = list(SURNAMES), _cum(list(zip(SURNAMES, SURNAME_WEIGHTS, strict=True)))[1]
        self.eth, self.eth_cum = _cum(ETHNICITIES)
        self.edu, self.edu_cum = _cum(EDUCATION)
        self.areas, self.area_cum = _cum(AREA_CODES)
        self.visit_kinds, self.visit_cum = _cum(VISIT_KINDS)
        self.used_numbers: set[str] = set()

    # --- small helpers ---------------------------------------------------------------------------------------------

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def pick(self, values: list, cum: list[float]):
        return self.rng.choices(values, cum_weights=cum)[0]

    def day_between(self, start: date, end: date) -> date:
        span = (end - start).days
        return start + timedelta(days=self.rng.randint(0, max(span, 0)))

    def at(self, day: date) -> datetime:
        return datetime.combine(day, datetime.min.time(), UTC) + timedelta(
            seconds=self.rng.randint(8 * 3600, 18 * 3600)
        )

    def phone(self) -> str:
        return f"1{self.rng.choice('3578')}{self.rng.randint(0, 999_999_999):09d}"

    def birth_date(self) -> date:
        age = min(65.0, max(18.0, self.rng.gauss(37, 9.5)))
        return self.today - timedelta(days=int(age * 365.25) + self.rng.randint(0, 364))

    def id_number(self, born: date, male: bool) -> str:
        area = self.pick(self.areas, self.area_cum)
        while True:
            seq = self.rng.randint(0, 499) * 2 + (1 if male else 0)
            first17 = f"{area}{born:%Y%m%d}{seq:03d}"
            number = first17 + check_char(first17)
            if number not in self.used_numbers:
                self.used_numbers.add(number)
                return number

    def name(self, male: bool) -> str:
        surname = self.pick(self.surnames, self.surname_cum)
        chars = MALE_CHARS if male else FEMALE_CHARS
        given = self.rng.choice(chars) + (self.rng.choice(chars) if self.rng.random() < 0.65 else "")
        return surname + given

    # --- one chunk of people and their records --------------------------------------------------------------------

    def chunk(self, count: int) -> dict[str, list[tuple]]:
        out: dict[str, list[tuple]] = {t: [] for t in TABLES}
        for _ in range(count):
            self._person(out)
        return out

    def _person(self, out: dict[str, list[tuple]]) -> None:
        rng, today = self.rng, self.today
        pid = self.uuid()
        male = rng.random() < 0.85
        born = self.birth_date()
        number = self.id_number(born, male)
        jurisdiction = self.pick(self.jur, self.jur_cum)
        town = TOWN_ZH[jurisdiction]
        roll = rng.random()
        ability = "able" if roll < 0.7 else "partly" if roll < 0.9 else "unable"
        archived = rng.random() < 0.05
        village = rng.choice(VILLAGES)
        address = f"广西壮族自治区柳州市柳城县{town}{village}{rng.randint(1, 40)}组{rng.randint(1, 120)}号"
        has_guardian = rng.random() < 0.6
        # The measure in force (or the last one, for an archived record), and for 45 % an earlier ended one.
        current_start = self.day_between(today - timedelta(days=3 * 365), today - timedelta(days=20))
        registered = current_start + timedelta(days=rng.randint(0, 10))
        created_at = self.at(min(registered, today))
        measures: list[tuple] = []
        if rng.random() < 0.45:
            earlier_start = current_start - timedelta(days=2 * 365 + rng.randint(0, 400))
            earlier_end = current_start - timedelta(days=rng.randint(1, 30))
            measures.append(self._measure(pid, "compulsory_isolation", earlier_start, 730, earlier_end, "completed"))
        kind = "community_detox" if rng.random() < 0.58 else "community_rehabilitation"
        archived_at = None
        if archived:
            end = self.day_between(current_start + timedelta(days=10), today - timedelta(days=1))
            measures.append(
                self._measure(pid, kind, current_start, 3 * 365, end, rng.choice(("completed", "moved_away")))
            )
            archived_at = self.at(end)
        else:
            measures.append(self._measure(pid, kind, current_start, 3 * 365, None, None))
        # On the register from their first measure (migration r0011's rule for existing rows).
        registered_on = min(min(m[3] for m in measures), registered)
        out["person"].append(
            (
                pid,
                self.name(male),
                "male" if male else "female",
                born,
                self.cipher.encrypt(number),
                self.cipher.lookup_hash(number),
                mask(number),
                self.pick(self.eth, self.eth_cum),
                self.phone() if rng.random() < 0.9 else None,
                address,
                address if rng.random() < 0.7 else f"广西壮族自治区柳州市柳城县{town}{rng.choice(VILLAGES)}",
                jurisdiction,
                self.pick(self.edu, self.edu_cum),
                rng.sample(SKILLS, rng.choice((0, 1, 1, 2, 3))),
                ability,
                ABILITY_REASONS.get(ability),
                self.name(rng.random() < 0.5) if has_guardian else None,
                rng.choice(("母亲", "父亲", "配偶", "兄弟", "姐妹")) if has_guardian else None,
                self.phone() if has_guardian else None,
                None,
                "archived" if archived else "active",
                archived_at,
                "社区康复期满解除" if archived else None,
                2 if archived else 1,
                created_at,
                archived_at or created_at,
                registered_on,
                registered_on,
                archived_at.date() if archived_at else None,
                "other" if archived else None,
            )
        )
        out["work_ability_change"].append(
            (self.uuid(), pid, registered_on, ability, ABILITY_REASONS.get(ability), CREATED_BY, created_at)
        )
        if archived_at:
            out["register_change"].append(
                (self.uuid(), pid, "left", archived_at.date(), "other", "社区康复期满解除", CREATED_BY, archived_at)
            )
        self._event(out, pid, "person.created", created_at, _person_data(jurisdiction, "active", ability, born))
        for m in measures:
            out["control_measure"].append(m)
            data = _measure_data(m)
            self._event(out, pid, "measure.created", m[12], data)
            if m[5] is not None:
                self._event(out, pid, "measure.ended", m[14], data)
        if archived:
            self._event(out, pid, "person.archived", archived_at, _person_data(jurisdiction, "archived", ability, born))

        # Drug tests since the measure in force started (about monthly at first, then rarer: 4 on average).
        last_day = (archived_at.date() if archived_at else today) - timedelta(days=1)
        days = sorted(self.day_between(current_start, last_day) for _ in range(rng.randint(1, 7)))
        tester = f"{town}禁毒办"
        for day in days:
            tid = self.uuid()
            roll = rng.random()
            result = "positive" if roll < 0.03 else "invalid" if roll < 0.04 else "negative"
            tested_at = self.at(day)
            out["drug_test"].append(
                (
                    tid,
                    pid,
                    day,
                    "hair" if rng.random() < 0.1 else "urine",
                    result,
                    rng.choice(SUBSTANCES) if result == "positive" else None,
                    tester,
                    CREATED_BY,
                    tested_at,
                )
            )
            if result == "positive":
                out["relapse"].append((self.uuid(), pid, day, "drug_test", tid, tested_at))
                self._event(
                    out, pid, "relapse.recorded", tested_at, {"occurred_on": day.isoformat(), "source": "drug_test"}
                )

        # Support team: a drug-control worker and a community police officer, sometimes a guardian or volunteer.
        members = []
        roles = ["drug_control_worker", "community_police"]
        if rng.random() < 0.3:
            roles.append(rng.choice(("guardian", "volunteer")))
        for role in roles:
            mid = self.uuid()
            members.append(mid)
            org = {"drug_control_worker": f"{town}禁毒办", "community_police": f"柳城县公安局{town[:2]}派出所"}
            out["support_member"].append(
                (
                    mid,
                    pid,
                    role,
                    self.name(rng.random() < 0.6),
                    self.phone(),
                    org.get(role),
                    current_start,
                    None,
                    created_at,
                    created_at,
                )
            )
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            day = self.day_between(current_start, last_day)
            at = self.at(day)
            out["support_visit"].append(
                (
                    self.uuid(),
                    pid,
                    day,
                    self.pick(self.visit_kinds, self.visit_cum),
                    rng.choice(members),
                    rng.choice(VISIT_NOTES),
                    CREATED_BY,
                    at,
                    at,
                )
            )

        if rng.random() < 0.5:
            granted = rng.random() < 0.3
            disabled = ability == "unable" and rng.random() < 0.7
            out["welfare_record"].append(
                (
                    pid,
                    "granted" if granted else rng.choice(("none", "applied")),
                    current_start if granted else None,
                    Decimal(rng.choice((280, 350, 420))) if granted else None,
                    rng.choice(("urban_resident", "new_rural_cooperative", "employee", "none")),
                    rng.randint(1, 4) if disabled else None,
                    f"4502224{rng.randint(0, 10**10):011d}" if disabled else None,
                    None,
                    None,
                    1,
                    created_at,
                    created_at,
                )
            )
        if rng.random() < 0.05:
            day = self.day_between(current_start, last_day)
            out["welfare_relief"].append(
                (
                    self.uuid(),
                    pid,
                    day,
                    Decimal(rng.choice((500, 800, 1000))),
                    "临时生活困难救助",
                    CREATED_BY,
                    self.at(day),
                    self.at(day),
                )
            )

    def _measure(self, pid, kind, start, planned_days, ended, reason) -> tuple:
        created = self.at(start)
        number = f"柳城公(禁)决字〔{start.year}〕{self.rng.randint(1, 999)}号"
        authority = "柳城县公安局"
        ended_at = self.at(ended) if ended else None
        return (
            self.uuid(),
            pid,
            kind,
            start,
            start + timedelta(days=planned_days),
            ended,
            reason,
            number,
            authority,
            None,
            None,
            CREATED_BY,
            created,
            CREATED_BY if ended else None,
            ended_at,
        )

    def _event(self, out, pid: uuid.UUID, kind: str, at: datetime, data: dict) -> None:
        out["outbox_event"].append((at, kind, "person", pid, json.dumps(data, separators=(",", ":"))))


def _person_data(jurisdiction: str, status: str, ability: str, born: date) -> dict:
    return {"jurisdiction_code": jurisdiction, "status": status, "work_ability": ability, "birth_year": born.year}


def _measure_data(m: tuple) -> dict:
    return {
        "measure_id": str(m[0]),
        "kind": m[2],
        "start_on": m[3].isoformat(),
        "planned_end_on": m[4].isoformat(),
        "actual_end_on": m[5].isoformat() if m[5] else None,
        "end_reason": m[6],
        "corrects_id": None,
    }


TABLES: dict[str, tuple[str, ...]] = {
    "person": (
        "id",
        "name",
        "gender",
        "birth_date",
        "id_number_cipher",
        "id_number_hash",
        "id_number_masked",
        "ethnicity",
        "phone",
        "household_address",
        "residence_address",
        "jurisdiction_code",
        "education",
        "skills",
        "work_ability",
        "work_ability_reason",
        "guardian_name",
        "guardian_relation",
        "guardian_phone",
        "notes",
        "status",
        "archived_at",
        "archive_reason",
        "version",
        "created_at",
        "updated_at",
        "registered_on",
        "work_ability_since",
        "archived_on",
        "archive_reason_code",
    ),
    "work_ability_change": ("id", "person_id", "effective_on", "work_ability", "reason", "created_by", "created_at"),
    "register_change": (
        "id",
        "person_id",
        "kind",
        "effective_on",
        "reason_code",
        "detail",
        "created_by",
        "created_at",
    ),
    "control_measure": (
        "id",
        "person_id",
        "kind",
        "start_on",
        "planned_end_on",
        "actual_end_on",
        "end_reason",
        "decision_number",
        "issuing_authority",
        "corrects_id",
        "correction_reason",
        "created_by",
        "created_at",
        "ended_by",
        "ended_at",
    ),
    "drug_test": (
        "id",
        "person_id",
        "tested_on",
        "kind",
        "result",
        "substance",
        "tested_by",
        "created_by",
        "created_at",
    ),
    "relapse": ("id", "person_id", "occurred_on", "source", "drug_test_id", "created_at"),
    "support_member": (
        "id",
        "person_id",
        "role",
        "name",
        "phone",
        "organisation",
        "from_on",
        "to_on",
        "created_at",
        "updated_at",
    ),
    "support_visit": (
        "id",
        "person_id",
        "visited_on",
        "kind",
        "member_id",
        "notes",
        "recorded_by",
        "created_at",
        "updated_at",
    ),
    "welfare_record": (
        "person_id",
        "mlg_status",
        "mlg_since",
        "mlg_amount_cny",
        "medical_insurance",
        "disability_grade",
        "disability_certificate_number",
        "employment_certificate_number",
        "employment_certificate_issued_on",
        "version",
        "created_at",
        "updated_at",
    ),
    "welfare_relief": (
        "id",
        "person_id",
        "granted_on",
        "amount_cny",
        "reason",
        "recorded_by",
        "created_at",
        "updated_at",
    ),
    # txid is left to its default (the loading transaction's id), as the service's inserts do.
    "outbox_event": ("at", "kind", "aggregate_type", "aggregate_id", "data"),
}


def _chunks(total: int, size: int) -> Iterator[int]:
    while total > 0:
        yield min(size, total)
        total -= size


async def drop_secondary_indexes(conn: asyncpg.Connection, tables) -> list[tuple[str, str]]:
    """Before a bulk load: synchronous commit off, and the plain (non-constraint) indexes of the loaded tables dropped;
    their (name, definition), to rebuild after it. Unique partial indexes (not constraints) are among them, so a
    violation fails the rebuild."""
    await conn.execute("SET synchronous_commit = off")
    rows = await conn.fetch(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = 'public' AND i.tablename = ANY($1::text[])
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        ORDER BY i.indexname
        """,
        list(tables),
    )
    indexes = [(r["indexname"], r["indexdef"]) for r in rows]
    for name, _ in indexes:
        await conn.execute(f'DROP INDEX "{name}"')
    return indexes


async def rebuild_indexes_and_analyze(
    conn: asyncpg.Connection, indexes: list[tuple[str, str]], phases: dict[str, float]
) -> None:
    """After a bulk load: the dropped indexes made again, then VACUUM ANALYZE; each timed into `phases`."""
    t0 = time.perf_counter()
    for _, definition in indexes:
        await conn.execute(definition)
    t1 = time.perf_counter()
    await conn.execute("VACUUM ANALYZE")
    phases["indexes"], phases["vacuum_analyze"] = t1 - t0, time.perf_counter() - t1


async def load(url: str, *, people: int, seed: int) -> Stats:
    settings = Settings()
    cipher = IdNumberCipher(
        decode_key(settings.id_number_encryption_key.get_secret_value()),
        decode_key(settings.id_number_hash_key.get_secret_value()),
    )
    gen = Generator(seed, cipher, date.today())
    stats = Stats(rows=dict.fromkeys(TABLES, 0))
    dsn, kwargs = asyncpg_dsn(url)
    conn = await asyncpg.connect(dsn, **kwargs)
    started = time.perf_counter()
    try:
        indexes = await drop_secondary_indexes(conn, TABLES)
        phases = stats.phases = dict.fromkeys(("build", "copy", "indexes", "vacuum_analyze"), 0.0)
        done = 0
        for size in _chunks(people, CHUNK):
            t0 = time.perf_counter()
            rows = gen.chunk(size)
            t1 = time.perf_counter()
            async with conn.transaction():
                for table, columns in TABLES.items():
                    if rows[table]:
                        await conn.copy_records_to_table(table, records=rows[table], columns=columns)
                        stats.rows[table] += len(rows[table])
            phases["build"] += t1 - t0
            phases["copy"] += time.perf_counter() - t1
            done += size
            print(f"\r  {done:,} / {people:,} people, {stats.total_rows:,} rows", end="", flush=True)
        print()
        await rebuild_indexes_and_analyze(conn, indexes, phases)
    finally:
        await conn.close()
    stats.seconds = time.perf_counter() - started
    return stats


def generate(server_url: str, *, people: int = DEFAULT_PEOPLE, seed: int = DEFAULT_SEED) -> tuple[str, Stats]:
    """Recreate, migrate and fill the bench database on `server_url`; returns its URL and what was loaded."""
    ensure_database(server_url, DATABASE, recreate=True)
    url = database_url_for(server_url, DATABASE)
    upgrade("registry", url)
    return url, asyncio.run(load(url, people=people, seed=seed))


def server_url_or_embedded():
    """(server URL, embedded handle or None): BENCH_DATABASE_URL / DATABASE_URL, else the embedded server."""
    import os

    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if url:
        return url, None
    server = start_embedded(DATA_DIR / "pg-bench")
    return server.get_uri("postgres"), server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=DEFAULT_PEOPLE)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    server_url, server = server_url_or_embedded()
    try:
        _, stats = generate(server_url, people=args.people, seed=args.seed)
    finally:
        if server is not None:
            server.cleanup()
    print(json.dumps(stats.summary(), ensure_ascii=False))


if __name__ == "__main__":
    main()

"""Load a fresh placement bench database with a county's worth of employers, posts and placements.

`python -m bench.generate_placement [--people 100000] [--employers 5000] [--placements 300000] [--posts 20000]
[--seed 20261129]` drops and recreates the database (`qihang_bench_volume_placement` on BENCH_DATABASE_URL /
DATABASE_URL, else the embedded server under .data/pg-bench), migrates it with `shared.migrations.upgrade` and
fills it with asyncpg COPY.

What one run loads (defaults):

- employer: 5,000 over the 14 jurisdictions, 55 % enterprises, 30 % individual businesses, 10 % private owners,
  5 % public institutions, each (but half the private owners) with a valid GB 32100 unified social credit code
  (registration authority and type matching the kind, area code 450222, a GB 11714 organisation code with its own
  check character, then the GB 32100 check character of placement.employers.uscc); GB/T 4754 sector, contacts;
- employer_designation: 8 % are Qihang enterprises (some suspended later, some of those reinstated), and
  placement_site: a base or point for most of them;
- job_post: 20,000 (12 % open now, 65 % closed, 18 % filled, 5 % draft) with 0-3 required skills drawn from the
  registry generator's skills, so matching finds overlaps;
- placement: 300,000 over 100,000 person ids (every person at least one, about 3 on average, one after the other
  over 2018 to today, so at most one is active and the database's one-active-full-time index holds), 80 % at an
  employer (centralised, dispersed, public-welfare routes), 85 % of those on a contract (fixed term of 3-36 months
  or open-ended, ended early for some); employer 0 ("柳城县华丰缫丝有限公司") is clearly the largest (about 0.75 %
  of the employed placements, ~1,800), the median employer has a few dozen;
- placement_follow_up: the 3 / 6 / 12-month follow-ups every placement gets, done for most that fell due while the
  placement ran; referral: 40,000 referrals of people to posts in their jurisdiction;
- registry_person and registry_measure: placement's projection of the registry's feed for every person (what the
  follower would have stored): community-detox orders of three years, one after the other with gaps between some,
  from before the person's first placement (for 10 % only after it), the last one still running for the people
  `people()` says are under a community measure today; so most contracts start inside a community measure and the
  subsidy evidence (rule v2) excludes the rest as not_in_programme_at_start.

Person ids and the registry facts of each person (jurisdiction, age, work ability, measure in force, skills) come
from `people()`, a function of the seed alone, so the bench's fake registry answers for exactly these ids. The data
depend only on the seed and the day they are generated (dates are relative to today).

Speed: employers, posts, designations and sites are loaded in one go, then placements, follow-ups and referrals per
chunk of people with copy_records_to_table; the secondary indexes are dropped before the load and rebuilt from their
own definitions afterwards (the schema ends up exactly as migrated), then VACUUM ANALYZE.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg

from bench.generate_registry import (
    JURISDICTION_WEIGHTS,
    SKILLS,
    TOWN_ZH,
    Stats,
    _cum,
    drop_secondary_indexes,
    rebuild_indexes_and_analyze,
    server_url_or_embedded,
)
from placement.employers.uscc import ALPHABET as USCC_ALPHABET
from placement.employers.uscc import check_character
from placement.placements.contracts import FOLLOW_UP_MONTHS, add_months, term_end
from scripts.localdb import asyncpg_dsn, ensure_database
from shared.config import database_url_for
from shared.migrations import upgrade

DATABASE = "qihang_bench_volume_placement"
DEFAULT_PEOPLE = 100_000
DEFAULT_EMPLOYERS = 5_000
DEFAULT_PLACEMENTS = 300_000
DEFAULT_POSTS = 20_000
DEFAULT_REFERRALS = 40_000
DEFAULT_SEED = 20261129
CHUNK = 5_000
FIRST_DAY = date(2018, 1, 1)
LARGEST_SHARE = 0.0075  # of the employed placements, for employer 0
CREATED_BY = "bench-generator"

KINDS = (("enterprise", 55), ("individual_business", 30), ("private_owner", 10), ("public_institution", 5))
# GB 32100: registration authority and type by kind (9 1 = industry and commerce / enterprise, 9 2 = individual
# business, 1 2 = institutional establishment / public institution).
USCC_PREFIX = {"enterprise": "91", "individual_business": "92", "private_owner": "92", "public_institution": "12"}
SECTORS = "ACCCCCCEEFFGHHIOOMN"  # GB/T 4754 sections, weighted by repetition (manufacturing, construction, trade)
NAME_ROOTS = (
    "华丰", "鑫源", "柳江", "龙腾", "宏达", "三江", "凤鸣", "金穗", "山水", "桂柳", "嘉禾", "恒通", "瑞丰", "新兴",
    "东泉", "永盛", "福满", "润泽", "广源", "众诚",
)  # fmt: skip
NAME_TRADES = (
    ("缫丝有限公司", "C"), ("糖业有限公司", "C"), ("建材有限公司", "C"), ("食品厂", "C"), ("物流有限公司", "G"),
    ("农业专业合作社", "A"), ("建筑工程有限公司", "E"), ("汽车修理厂", "O"), ("餐饮店", "H"), ("家政服务部", "O"),
    ("服装加工厂", "C"), ("养殖场", "A"), ("超市", "F"), ("快递服务部", "G"), ("电子厂", "C"),
)  # fmt: skip
POST_TITLES = (
    ("缫丝工", "制造业"), ("电焊工", "制造业"), ("货车司机", "交通运输"), ("种植工", "农业"), ("养殖工", "农业"),
    ("厨师", "餐饮"), ("砌筑工", "建筑业"), ("电工", "建筑业"), ("缝纫工", "制造业"), ("快递分拣员", "交通运输"),
    ("木工", "建筑业"), ("汽车修理工", "居民服务"), ("保洁员", "居民服务"), ("仓库管理员", "批发零售"),
    ("普工", "制造业"),
)  # fmt: skip
ROUTES = (
    ("dispersed", 55),
    ("centralised", 15),
    ("public_welfare_post", 10),
    ("flexible", 12),
    ("self_employment", 5),
    ("government_guaranteed", 2),
    ("in_facility_production", 1),
)
EMPLOYED_ROUTES = frozenset({"centralised", "dispersed", "public_welfare_post"})
PATTERNS = (("full_time", 70), ("part_time", 20), ("seasonal", 10))
TERMS = ((3, 5), (6, 15), (12, 40), (24, 20), (36, 5))
EARLY_END_REASONS = (("resigned", 50), ("dismissed", 10), ("relapse", 15), ("custody", 5), ("moved_away", 20))
DECLINE_REASONS = ("candidate_withdrew", "employer_rejected", "no_show", "post_filled", "terms_not_agreed")


@dataclass(frozen=True, slots=True)
class Person:
    """What the bench's fake registry answers about a person (the registry's lookup item)."""

    id: uuid.UUID
    jurisdiction_code: str
    status: str
    age: int
    work_ability: str
    current_measure: str | None
    skills: list[str]
    released_from_isolation_on: date | None

    def lookup_item(self) -> dict:
        eligible = (
            self.status == "active"
            and self.work_ability != "unable"
            and 16 <= self.age <= 60
            and (self.current_measure in ("community_detox", "community_rehabilitation") or bool(self.released))
        )
        return {
            "id": str(self.id),
            "jurisdiction_code": self.jurisdiction_code,
            "status": self.status,
            "age": self.age,
            "work_ability": self.work_ability,
            "current_measure": self.current_measure,
            "eligible_for_placement": eligible,
            "skills": self.skills,
            "released_from_isolation_on": self.released.isoformat() if self.released else None,
        }

    @property
    def released(self) -> date | None:
        return self.released_from_isolation_on


def people(count: int, seed: int, today: date) -> list[Person]:
    """The bench's people: a function of (count, seed, today) only; the generator and the fake registry share it."""
    rng = random.Random(seed * 7 + 1)
    jur, jur_cum = _cum(list(JURISDICTION_WEIGHTS.items()))
    out = []
    for _ in range(count):
        roll = rng.random()
        ability = "able" if roll < 0.7 else "partly" if roll < 0.9 else "unable"
        roll = rng.random()
        measure = "community_detox" if roll < 0.55 else "community_rehabilitation" if roll < 0.9 else None
        released = today - timedelta(days=rng.randint(30, 900)) if measure is None and rng.random() < 0.5 else None
        out.append(
            Person(
                id=uuid.UUID(int=rng.getrandbits(128), version=4),
                jurisdiction_code=rng.choices(jur, cum_weights=jur_cum)[0],
                status="archived" if rng.random() < 0.05 else "active",
                age=int(min(65.0, max(18.0, rng.gauss(37, 9.5)))),
                work_ability=ability,
                current_measure=measure,
                skills=rng.sample(SKILLS, rng.choice((0, 1, 1, 2, 3))),
                released_from_isolation_on=released,
            )
        )
    return out


def org_code(rng: random.Random) -> str:
    """A GB 11714 organisation code: 8 digits and the check character (11 - Σ value × weight mod 11; 10 is X)."""
    body = f"{rng.randint(0, 99_999_999):08d}"
    total = sum(int(c) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def uscc(prefix: str, rng: random.Random) -> str:
    first17 = f"{prefix}450222{org_code(rng)}"
    assert all(c in USCC_ALPHABET for c in first17)
    return first17 + check_character(first17)


@dataclass
class Employer:
    id: uuid.UUID
    jurisdiction_code: str
    weight: float
    posts: list[uuid.UUID] = field(default_factory=list)
    site: uuid.UUID | None = None


class Generator:
    """Rows for each table from one seeded random.Random (deterministic for a seed and day)."""

    def __init__(self, seed: int, today: date, persons: list[Person]) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.persons = persons
        self.kinds, self.kind_cum = _cum(KINDS)
        self.jur, self.jur_cum = _cum(list(JURISDICTION_WEIGHTS.items()))
        self.routes, self.route_cum = _cum(ROUTES)
        self.patterns, self.pattern_cum = _cum(PATTERNS)
        self.terms, self.term_cum = _cum(TERMS)
        self.early, self.early_cum = _cum(EARLY_END_REASONS)
        self.employers: list[Employer] = []
        self.employer_cum: list[float] = []
        self.posts_by_jur: dict[str, list[uuid.UUID]] = {}
        self.contract_seq = 0

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def pick(self, values: list, cum: list[float]):
        return self.rng.choices(values, cum_weights=cum)[0]

    def at(self, day: date) -> datetime:
        return datetime.combine(day, datetime.min.time(), UTC) + timedelta(seconds=self.rng.randint(8 * 3600, 64800))

    def phone(self) -> str:
        return f"1{self.rng.choice('3578')}{self.rng.randint(0, 999_999_999):09d}"

    # --- employers, designations, sites, posts (one go) ----------------------------------------------------------

    def employers_and_posts(self, count: int, posts: int) -> dict[str, list[tuple]]:
        rng, today = self.rng, self.today
        tables = ("employer", "employer_designation", "placement_site", "job_post")
        out: dict[str, list[tuple]] = {t: [] for t in tables}
        codes: set[str] = set()
        weights = [min(8.0, rng.lognormvariate(0, 0.8)) for _ in range(count)]
        weights[0] = LARGEST_SHARE * sum(weights[1:]) / (1 - LARGEST_SHARE)
        for i in range(count):
            kind = "enterprise" if i == 0 else self.pick(self.kinds, self.kind_cum)
            code = None
            if kind != "private_owner" or rng.random() < 0.5:
                while code is None or code in codes:
                    code = uscc(USCC_PREFIX[kind], rng)
                codes.add(code)
            root, (trade, sector) = rng.choice(NAME_ROOTS), rng.choice(NAME_TRADES)
            if i == 0:
                root, trade, sector = "华丰", "缫丝有限公司", "C"
            jurisdiction = "dapu" if i == 0 else self.pick(self.jur, self.jur_cum)
            town = TOWN_ZH[jurisdiction]
            name = f"柳城县{town[:2]}{root}{trade}" + ("" if rng.random() < 0.8 else f"（{rng.randint(2, 9)}分厂）")
            registered = FIRST_DAY - timedelta(days=rng.randint(0, 3000)) if i == 0 else self._day(FIRST_DAY, today)
            created = self.at(registered)
            eid = self.uuid()
            contacts = [{"name": "联系人", "phone": self.phone()}] + (
                [{"name": "人事", "phone": self.phone()}] if rng.random() < 0.3 else []
            )
            out["employer"].append(
                (
                    eid,
                    name,
                    kind,
                    code,
                    jurisdiction,
                    f"广西壮族自治区柳州市柳城县{town}{rng.randint(1, 300)}号",
                    sector if rng.random() < 0.9 else rng.choice(SECTORS),
                    json.dumps(contacts, ensure_ascii=False),
                    1,
                    created,
                    created,
                )
            )
            employer = Employer(eid, jurisdiction, weights[i])
            self.employers.append(employer)
            if i == 0 or rng.random() < 0.08:
                self._designations(out, employer, registered)
        total = 0.0
        for e in self.employers:
            total += e.weight
            self.employer_cum.append(total)
        for _ in range(posts):
            self._post(out)
        return out

    def _day(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randint(0, max((end - start).days, 0)))

    def _designations(self, out: dict[str, list[tuple]], employer: Employer, registered: date) -> None:
        rng = self.rng
        day = self._day(max(registered, date(2019, 1, 1)), self.today - timedelta(days=60))
        steps = [("designate", "active", f"柳城禁毒委〔{day.year}〕{rng.randint(1, 99)}号", None)]
        if employer is not self.employers[0] and rng.random() < 0.12:
            steps.append(("suspend", "suspended", None, "未按协议安置人员，限期整改"))
            if rng.random() < 0.5:
                steps.append(("reinstate", "active", None, "整改完成"))
        for seq, (action, status, document, reason) in enumerate(steps, start=1):
            at = self.at(day)
            out["employer_designation"].append(
                (self.uuid(), employer.id, seq, action, status, day, document, reason, CREATED_BY, at)
            )
            day = min(self.today, day + timedelta(days=rng.randint(30, 400)))
        if employer is self.employers[0] or rng.random() < 0.6:
            sid = self.uuid()
            employer.site = sid
            designated = out["employer_designation"][-len(steps)][5]
            closed = rng.random() < 0.1 and employer is not self.employers[0]
            closed_on = self._day(designated, self.today) if closed else None
            at = self.at(designated)
            out["placement_site"].append(
                (
                    sid,
                    employer.id,
                    "base" if rng.random() < 0.3 else "point",
                    "centralised" if rng.random() < 0.6 else "dispersed",
                    employer.jurisdiction_code,
                    f"{TOWN_ZH[employer.jurisdiction_code]}启航安置{'基地' if rng.random() < 0.3 else '点'}",
                    None,
                    designated,
                    rng.choice((None, 20, 30, 50, 100)),
                    "closed" if closed else "open",
                    closed_on,
                    "企业停产" if closed else None,
                    1,
                    at,
                    at,
                )
            )

    def _post(self, out: dict[str, list[tuple]]) -> None:
        rng, today = self.rng, self.today
        employer = self.employers[self._employer_index()]
        title, sector = rng.choice(POST_TITLES)
        headcount = rng.choice((1, 1, 2, 2, 3, 5, 8, 10, 20))
        roll = rng.random()
        status = "open" if roll < 0.12 else "closed" if roll < 0.77 else "filled" if roll < 0.95 else "draft"
        if status in ("open", "draft"):
            opens = today - timedelta(days=rng.randint(0, 300))
            closes = None if rng.random() < 0.5 else today + timedelta(days=rng.randint(0, 180))
            filled = rng.randint(0, headcount - 1) if status == "open" else 0
        else:
            opens = self._day(FIRST_DAY, today - timedelta(days=30))
            closes = self._day(opens, today - timedelta(days=1))
            filled = headcount if status == "filled" else rng.randint(0, headcount)
        welfare = rng.random() < 0.05
        pattern = self.pick(self.patterns, self.pattern_cum)
        skills = rng.sample(SKILLS, rng.choice((0, 1, 1, 1, 2, 2, 3)))
        pid = self.uuid()
        at = self.at(opens)
        out["job_post"].append(
            (
                pid,
                employer.id,
                employer.jurisdiction_code,
                title,
                sector,
                headcount,
                filled,
                Decimal(rng.randrange(1800, 6000, 100)),
                "part_time" if pattern != "full_time" else rng.choice(("fixed_term", "fixed_term", "open_ended")),
                pattern,
                rng.random() < 0.2,
                skills,
                welfare,
                "县就业专项资金" if welfare else None,
                opens,
                closes,
                status,
                1,
                at,
                at,
            )
        )
        employer.posts.append(pid)
        self.posts_by_jur.setdefault(employer.jurisdiction_code, []).append(pid)

    def _employer_index(self) -> int:
        from bisect import bisect_left

        return min(bisect_left(self.employer_cum, self.rng.random() * self.employer_cum[-1]), len(self.employers) - 1)

    # --- placements, follow-ups and referrals of a chunk of people ---------------------------------------------

    def chunk(self, persons: list[Person], counts: list[int], referrals: int) -> dict[str, list[tuple]]:
        tables = ("placement", "placement_follow_up", "referral", "registry_person", "registry_measure")
        out: dict[str, list[tuple]] = {t: [] for t in tables}
        for person, count in zip(persons, counts, strict=True):
            self._placements(out, person, count)
        seen: set[tuple[uuid.UUID, uuid.UUID]] = set()
        for _ in range(referrals):
            self._referral(out, self.rng.choice(persons), seen)
        return out

    def _placements(self, out: dict[str, list[tuple]], person: Person, count: int) -> None:
        rng, today = self.rng, self.today
        span = (today - FIRST_DAY).days
        starts = sorted(FIRST_DAY + timedelta(days=d) for d in rng.sample(range(span - 7), count))
        self._programme(out, person, starts[0])
        for n, start in enumerate(starts):
            last = n == count - 1
            next_start = starts[n + 1] if not last else None
            route = self.pick(self.routes, self.route_cum)
            employer = self.employers[self._employer_index()] if route in EMPLOYED_ROUTES else None
            pattern = self.pick(self.patterns, self.pattern_cum)
            post_id = site_id = None
            if employer is not None and employer.posts and rng.random() < 0.4:
                post_id = rng.choice(employer.posts)
            if employer is not None and route == "centralised" and employer.site is not None:
                site_id = employer.site
            contract = employer is not None and rng.random() < 0.85
            number = signed = end_on = open_ended = term = wage = None
            natural_end = None
            if contract:
                self.contract_seq += 1
                number = f"LC-{start.year}-{self.contract_seq:06d}"
                signed = start - timedelta(days=rng.randint(0, 7))
                open_ended = rng.random() < 0.15
                wage = Decimal(rng.randrange(1800, 6000, 50))
                if not open_ended:
                    term = self.pick(self.terms, self.term_cum)
                    end_on = natural_end = term_end(start, term)
            elif route in ("public_welfare_post", "government_guaranteed"):
                natural_end = start + timedelta(days=rng.randint(90, 720))
            # Ended: always before the next placement starts; the last one is still running for most people.
            ended_on = reason = None
            latest_end = next_start - timedelta(days=1) if next_start else today - timedelta(days=1)
            if next_start is not None or (natural_end is not None and natural_end < today and rng.random() < 0.7):
                if natural_end is not None and natural_end <= latest_end and rng.random() < 0.6:
                    ended_on, reason = natural_end, "contract_ended"
                else:
                    gap = rng.randint(0, min(90, (latest_end - start).days))
                    ended_on = max(start, latest_end - timedelta(days=gap))
                    reason = self.pick(self.early, self.early_cum)
            elif last and person.status == "archived":
                ended_on, reason = max(start, today - timedelta(days=rng.randint(1, 200))), "moved_away"
            if ended_on is not None and ended_on < start:
                ended_on = start
            pid = self.uuid()
            at = self.at(start)
            updated = self.at(ended_on) if ended_on else at
            out["placement"].append(
                (
                    pid,
                    person.id,
                    person.jurisdiction_code,
                    route,
                    employer.id if employer else None,
                    site_id,
                    post_id,
                    pattern,
                    start,
                    number,
                    signed,
                    end_on,
                    open_ended,
                    term,
                    wage,
                    ended_on,
                    reason,
                    2 if ended_on else 1,
                    at,
                    updated,
                )
            )
            for months in FOLLOW_UP_MONTHS:
                due = add_months(start, months)
                running = ended_on is None or due <= ended_on
                done = due < today and running and rng.random() < 0.88
                done_on = min(today, due + timedelta(days=rng.randint(0, 20))) if done else None
                out["placement_follow_up"].append(
                    (
                        self.uuid(),
                        pid,
                        months,
                        due,
                        done_on,
                        (rng.random() < 0.9) if done else None,
                        CREATED_BY if done else None,
                        2 if done else 1,
                        at,
                        self.at(done_on) if done_on else at,
                    )
                )

    def _programme(self, out: dict[str, list[tuple]], person: Person, first_start: date) -> None:
        """The person in placement's projection of the registry: community-detox orders from before their first
        placement (10 %: after it), three years each, some with a gap before the next; the last runs on today when
        `people()` has them under a community measure, else it ended."""
        rng, today = self.rng, self.today
        if rng.random() < 0.1:
            begin = min(today, first_start + timedelta(days=rng.randint(30, 400)))
        else:
            begin = first_start - timedelta(days=rng.randint(0, 500))
        episodes: list[list] = []
        while begin <= today:
            end = add_months(begin, 36)
            episodes.append(["community_detox", begin, end if end <= today else None])
            begin = end + timedelta(days=0 if rng.random() < 0.6 else rng.randint(30, 300))
        current = person.current_measure
        if current is not None:
            episodes[-1][0] = current
            episodes[-1][2] = None
        elif episodes[-1][2] is None:
            episodes[-1][2] = max(episodes[-1][1] + timedelta(days=1), today - timedelta(days=rng.randint(1, 300)))
        for kind, start, end in episodes:
            out["registry_measure"].append(
                (
                    self.uuid(),
                    person.id,
                    kind,
                    start,
                    add_months(start, 36),
                    end,
                    None if end is None else "completed",
                    None,
                )
            )
        out["registry_person"].append(
            (
                person.id,
                person.jurisdiction_code,
                person.status,
                person.work_ability,
                today.year - person.age,
                1,
                current,
                person.lookup_item()["eligible_for_placement"] and current is not None,
                today,
            )
        )

    def _referral(self, out: dict[str, list[tuple]], person: Person, seen: set) -> None:
        rng = self.rng
        posts = self.posts_by_jur.get(person.jurisdiction_code)
        if not posts:
            return
        post = rng.choice(posts)
        roll = rng.random()
        status = "hired" if roll < 0.2 else "declined" if roll < 0.5 else "recommended" if roll < 0.7 else "interview"
        if status not in ("hired", "declined"):
            if (person.id, post) in seen:
                return
            seen.add((person.id, post))
        at = self.at(self._day(self.today - timedelta(days=2 * 365), self.today))
        employer = self.post_employer[post]
        out["referral"].append(
            (
                self.uuid(),
                person.id,
                person.jurisdiction_code,
                post,
                employer,
                status,
                rng.choice(DECLINE_REASONS) if status == "declined" else None,
                1 if status == "recommended" else 2,
                at,
                at,
            )
        )

    @property
    def post_employer(self) -> dict[uuid.UUID, uuid.UUID]:
        if not hasattr(self, "_post_employer"):
            self._post_employer = {p: e.id for e in self.employers for p in e.posts}
        return self._post_employer


TABLES: dict[str, tuple[str, ...]] = {
    "employer": (
        "id",
        "name",
        "kind",
        "unified_social_credit_code",
        "jurisdiction_code",
        "address",
        "sector_code",
        "contacts",
        "version",
        "created_at",
        "updated_at",
    ),
    "employer_designation": (
        "id",
        "employer_id",
        "seq",
        "action",
        "status_after",
        "effective_on",
        "document_number",
        "reason",
        "recorded_by",
        "created_at",
    ),
    "placement_site": (
        "id",
        "employer_id",
        "kind",
        "mode",
        "jurisdiction_code",
        "name",
        "address",
        "designated_on",
        "capacity",
        "status",
        "closed_on",
        "closed_reason",
        "version",
        "created_at",
        "updated_at",
    ),
    "job_post": (
        "id",
        "employer_id",
        "jurisdiction_code",
        "title",
        "sector",
        "headcount",
        "filled",
        "monthly_wage",
        "contract_type",
        "working_pattern",
        "light_work",
        "required_skills",
        "is_public_welfare",
        "funding_source",
        "opens_on",
        "closes_on",
        "status",
        "version",
        "created_at",
        "updated_at",
    ),
    "placement": (
        "id",
        "person_id",
        "jurisdiction_code",
        "route",
        "employer_id",
        "site_id",
        "post_id",
        "working_pattern",
        "start_on",
        "contract_number",
        "contract_signed_on",
        "contract_end_on",
        "contract_open_ended",
        "contract_term_months",
        "monthly_wage",
        "ended_on",
        "end_reason",
        "version",
        "created_at",
        "updated_at",
    ),
    "placement_follow_up": (
        "id",
        "placement_id",
        "months",
        "due_on",
        "done_on",
        "still_working",
        "recorded_by",
        "version",
        "created_at",
        "updated_at",
    ),
    "referral": (
        "id",
        "person_id",
        "jurisdiction_code",
        "post_id",
        "employer_id",
        "status",
        "decline_reason",
        "version",
        "created_at",
        "updated_at",
    ),
    "registry_person": (
        "person_id",
        "jurisdiction_code",
        "status",
        "work_ability",
        "birth_year",
        "version",
        "current_measure_kind",
        "eligible_for_placement",
        "derived_on",
    ),
    "registry_measure": (
        "measure_id",
        "person_id",
        "kind",
        "start_on",
        "planned_end_on",
        "actual_end_on",
        "end_reason",
        "corrects_id",
    ),
}


def spread(total: int, people: int, rng: random.Random) -> list[int]:
    """Placements per person: at least one each, the rest scattered at random (about 3 each on average)."""
    if total < people:
        raise SystemExit("need at least one placement per person")
    counts = [1] * people
    for _ in range(total - people):
        counts[rng.randrange(people)] += 1
    return counts


async def load(
    url: str, *, people_count: int, employers: int, placements: int, posts: int, referrals: int, seed: int
) -> Stats:
    today = date.today()
    persons = people(people_count, seed, today)
    gen = Generator(seed, today, persons)
    counts = spread(placements, people_count, random.Random(seed + 2))
    stats = Stats(rows=dict.fromkeys(TABLES, 0))
    dsn, kwargs = asyncpg_dsn(url)
    conn = await asyncpg.connect(dsn, **kwargs)
    started = time.perf_counter()
    phases = stats.phases = dict.fromkeys(("build", "copy", "indexes", "vacuum_analyze"), 0.0)

    async def copy(rows: dict[str, list[tuple]]) -> None:
        async with conn.transaction():
            for table, records in rows.items():
                if records:
                    await conn.copy_records_to_table(table, records=records, columns=TABLES[table])
                    stats.rows[table] += len(records)

    try:
        indexes = await drop_secondary_indexes(conn, TABLES)
        t0 = time.perf_counter()
        rows = gen.employers_and_posts(employers, posts)
        t1 = time.perf_counter()
        await copy(rows)
        phases["build"] += t1 - t0
        phases["copy"] += time.perf_counter() - t1
        for start in range(0, people_count, CHUNK):
            end = min(start + CHUNK, people_count)
            t0 = time.perf_counter()
            share = referrals * end // people_count - referrals * start // people_count
            rows = gen.chunk(persons[start:end], counts[start:end], share)
            t1 = time.perf_counter()
            await copy(rows)
            phases["build"] += t1 - t0
            phases["copy"] += time.perf_counter() - t1
            print(f"\r  {end:,} / {people_count:,} people, {stats.total_rows:,} rows", end="", flush=True)
        print()
        await rebuild_indexes_and_analyze(conn, indexes, phases)
    finally:
        await conn.close()
    stats.seconds = time.perf_counter() - started
    return stats


def generate(
    server_url: str,
    *,
    people_count: int = DEFAULT_PEOPLE,
    employers: int = DEFAULT_EMPLOYERS,
    placements: int = DEFAULT_PLACEMENTS,
    posts: int = DEFAULT_POSTS,
    referrals: int = DEFAULT_REFERRALS,
    seed: int = DEFAULT_SEED,
) -> tuple[str, Stats]:
    """Recreate, migrate and fill the bench database on `server_url`; returns its URL and what was loaded."""
    ensure_database(server_url, DATABASE, recreate=True)
    url = database_url_for(server_url, DATABASE)
    upgrade("placement", url)
    stats = asyncio.run(
        load(
            url,
            people_count=people_count,
            employers=employers,
            placements=placements,
            posts=posts,
            referrals=referrals,
            seed=seed,
        )
    )
    return url, stats


def summary(stats: Stats, people_count: int) -> dict[str, object]:
    """Stats.summary() without the registry's person / event counts, with the number of people placed."""
    out = stats.summary()
    del out["events"]
    out["people"] = people_count
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--people", type=int, default=DEFAULT_PEOPLE)
    parser.add_argument("--employers", type=int, default=DEFAULT_EMPLOYERS)
    parser.add_argument("--placements", type=int, default=DEFAULT_PLACEMENTS)
    parser.add_argument("--posts", type=int, default=DEFAULT_POSTS)
    parser.add_argument("--referrals", type=int, default=DEFAULT_REFERRALS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)


def generate_from(server_url: str, args: argparse.Namespace) -> tuple[str, Stats]:
    return generate(
        server_url,
        people_count=args.people,
        employers=args.employers,
        placements=args.placements,
        posts=args.posts,
        referrals=args.referrals,
        seed=args.seed,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    args = parser.parse_args()
    server_url, server = server_url_or_embedded()
    try:
        _, stats = generate_from(server_url, args)
    finally:
        if server is not None:
            server.cleanup()
    print(json.dumps(summary(stats, args.people), ensure_ascii=False))


if __name__ == "__main__":
    main()

"""Throughput of a person import: N generated people (valid ID numbers, Chinese names, every column) as one CSV
through `POST /api/v1/person-imports`, from the upload until the background job has committed its last batch.

Runs the registry in-process (ASGI) against a fresh database of its own on the PostgreSQL given by
TEST_DATABASE_URL (or the embedded test server), with the real session maker, so every batch really commits.

    .venv/bin/python -m bench.person_import --rows 20000 [--format xlsx] [--batch 500]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import random
import time
from datetime import date, timedelta
from typing import Any

import httpx
from openpyxl import Workbook
from sqlalchemy import func, select

from bench.common import fresh_registry_database, signing_key, user_token
from registry.audit.models import audit
from registry.config import Settings
from registry.main import create_app
from registry.persons.models import Person
from registry.persons.national_id import check_char
from shared.reference import JURISDICTIONS

HEADINGS = [
    "姓名",
    "性别",
    "出生日期",
    "公民身份号码",
    "民族",
    "联系电话",
    "现居住地址",
    "所属乡镇",
    "文化程度",
    "技能",
    "就业能力",
]
SURNAMES = "韦覃蒙黄罗潘陆莫梁廖卢谭"
GIVEN = "明华强军平芳丽静海波勇杰涛斌"


def people(n: int, seed: int = 7) -> list[list[Any]]:
    rng = random.Random(seed)
    towns = [zh for zh, _, _ in JURISDICTIONS.values()]
    rows = []
    for i in range(n):
        born = date(1960, 1, 1) + timedelta(days=rng.randrange(365 * 40))
        seq = i % 1000  # with the area below, unique per row
        area = f"4502{10 + i // 1000:02d}"
        first17 = f"{area}{born:%Y%m%d}{seq:03d}"
        number = first17 + check_char(first17)
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        rows.append(
            [
                name,
                "男" if seq % 2 else "女",
                born.isoformat(),
                number,
                "壮族",
                f"138{i:08d}",
                "柳城县某村",
                rng.choice(towns),
                "初中",
                "缫丝、电焊",
                "有劳动能力",
            ]
        )
    return rows


def as_csv(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADINGS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(rows: list[list[Any]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADINGS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()

    url, server = fresh_registry_database("import")
    key, fetch = signing_key()

    token = user_token(key, roles=["staff"], department="nco", scope="registry:read registry:write")
    settings = Settings(
        database_url=url,
        environment="test",
        log_json=False,
        log_level="WARNING",
        import_max_rows=max(args.rows, 1),
        import_batch_size=args.batch,
        import_max_file_bytes=256 * 1024 * 1024,
    )
    app = create_app(settings, jwks_fetcher=fetch)
    rows = people(args.rows)
    data = as_csv(rows) if args.format == "csv" else as_xlsx(rows)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=600) as client:
            headers = {"Authorization": f"Bearer {token}"}
            files = {"file": (f"people.{args.format}", data, "application/octet-stream")}
            started = time.perf_counter()
            response = await client.post("/api/v1/person-imports", files=files, headers=headers)
            accepted = time.perf_counter()
            assert response.status_code == 202, response.text
            await app.state.person_imports.runner.drain()
            done = time.perf_counter()
            job = (await client.get(response.headers["location"], headers=headers)).json()
        async with app.state.sessionmaker() as session:
            registered = await session.scalar(select(func.count()).select_from(Person))
            chain = await audit.verify(session)
    total = done - started
    print(
        f"{args.rows} rows ({args.format}, {len(data) / 1e6:.1f} MB, batch {args.batch}): "
        f"upload+validate {accepted - started:.2f}s, background {done - accepted:.2f}s, total {total:.2f}s "
        f"= {args.rows / total:.0f} rows/s; job {job['status']}: created {job['created']}, skipped {job['skipped']}, "
        f"failed {job['failed']}; {registered} people in the database; audit chain ok: {chain.ok} ({chain.checked})"
    )
    if server is not None:
        server.cleanup()


if __name__ == "__main__":
    asyncio.run(main())

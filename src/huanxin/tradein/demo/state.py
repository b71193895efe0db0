"""What the claim generator knows about one city while it generates (shared by its parts)."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import defaultdict
from typing import Any

from huanxin.kit.clock import now
from huanxin.tradein.claims import evaluation
from huanxin.tradein.demo.specs import (
    PROGRAMME_MIX,
    CitySpec,
    Ids,
    Money,
    Resident,
    Rows,
    Shop,
)
from huanxin.tradein.models import (
    Programme,
)


class _State:
    """One city's programmes, shops, residents, counters and rows being generated."""

    def __init__(self, city: CitySpec, programmes: dict[str, Programme], shops: list[Shop],
                 residents: list[Resident], rng: random.Random, on: dt.date, ids: Ids, rows: Rows) -> None:
        self.city, self.programmes, self.shops, self.residents = city, programmes, shops, residents
        self.rng, self.on, self.ids, self.rows = rng, on, ids, rows
        self.money = Money()
        self.by_status: dict[str, int] = defaultdict(int)
        self.claims = 0
        self.qualifications = 0
        self.waiting_reserve: dict[int, dict[str, int]] = {}
        self.reviewer = f"{city.slug}-commerce"
        self.now = now()
        self.rules = {code: evaluation.programme_rules(code) for code in programmes}
        self.code_of_id = {p.id: code for code, p in programmes.items()}
        self.window = {code: self._window(code) for code in programmes}
        self.mix_codes = [c for c, _ in PROGRAMME_MIX]
        self.mix_weights = list(itertools.accumulate(w for _, w in PROGRAMME_MIX))
        self.shops_by_kind: dict[str, list[Shop]] = defaultdict(list)
        for shop in shops:
            for kind in shop.kinds:
                self.shops_by_kind[kind].append(shop)

    def _window(self, code: str) -> tuple[dt.date, dt.date]:
        rules = self.rules[code]
        return rules.starts_on, min(rules.ends_on, self.on - dt.timedelta(days=1))

    def rules_code(self, row: dict[str, Any]) -> str:
        return self.code_of_id[row["programme_id"]]

    def _notify(self, person_id: int, claim_id: int | None, at: dt.datetime, body: str) -> None:
        self.rows.outbox.append({"person_id": person_id, "claim_id": claim_id, "channel": "sms", "body": body,
                                 "created_at": at})

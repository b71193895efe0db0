"""The trade-in part of the demo (`huanxin demo`): each city's programmes and budget pools,
admitted retailers and dealers with their accounts, residents with real-name identities, frozen
reference prices, and a few hundred thousand generated claims in every state of their life.

Rows are written with bulk inserts and explicit ids (the trade-in tables are empty when the demo
is built), so the whole generation takes seconds. Amounts are decided by the rules engine (one
evaluation per distinct purchase, cached); the ledger stays a true double-entry ledger:

- live money (active qualifications; claims in review, correction, approved or paying) is held by
  one pending reservation per qualification and fund source, with the keys and refs the claim
  services use (`reserve:qualification:<id>:<source>`), so a reviewer can approve, pay, reject or
  let them expire in the running demo exactly as with claims made through the API;
- settled history (paid claims, rejections, expired and cancelled qualifications) is written as
  aggregate transfers per pool and month that represent the batch honestly: one reservation of
  everything the month's qualifications held, then its post (what was paid) and its void (what
  came back), with refs `demo:<programme>:<month>` and memos that count the claims.

Everything is deterministic (the caller's seeded rng) and dated relative to `on` (today)."""

import datetime as dt
import itertools
import random

from sqlalchemy.orm import Session

from huanxin.db import next_id
from huanxin.tradein.demo.generator import _Generator
from huanxin.tradein.demo.ledger import _fund_and_post
from huanxin.tradein.demo.population import _programmes, _reference_prices, _residents, _retailers
from huanxin.tradein.demo.specs import DEFAULT_CLAIMS, CitySpec, Ids, Money, Rows, Summary, city_specs
from huanxin.tradein.demo.walkthroughs import Walkthrough, walkthroughs
from huanxin.tradein.demo.writing import _sync_sequences, _write
from huanxin.tradein.models import Claim, PayoutBatch, Person, Programme, Qualification

__all__ = ["DEFAULT_CLAIMS", "CitySpec", "Summary", "Walkthrough", "city_specs", "generate", "walkthroughs"]


def generate(session: Session, cities: list[CitySpec], rng: random.Random, on: dt.date,
             password_hash: str) -> Summary:
    """Writes every city's trade-in data. `cities[i].claims` claims are generated for city i."""
    summary = Summary()
    _reference_prices(session, [city.code for city in cities], rng)
    ids = Ids(*(itertools.count(next_id(session, m)) for m in (Person, Qualification, Claim, PayoutBatch)))
    rows = Rows()
    per_city_money: list[tuple[CitySpec, dict[str, Programme], Money, dict[int, dict[str, int]]]] = []
    for city in cities:
        programmes = _programmes(session, city)
        shops = _retailers(session, city, rng, on, password_hash, summary)
        residents = _residents(session, city, rng, ids, rows, password_hash, summary)
        gen = _Generator(city, programmes, shops, residents, rng, on, ids, rows)
        gen.scripted()
        gen.bulk(city.claims)
        gen.loose_qualifications()
        summary.claims += gen.claims
        summary.qualifications += gen.qualifications
        for status, count in gen.by_status.items():
            summary.by_status[status] += count
        per_city_money.append((city, programmes, gen.money, gen.waiting_reserve))
    _write(session, rows)
    for city, programmes, money_, waiting in per_city_money:
        _fund_and_post(session, city, programmes, money_, waiting, on, rng)
    _sync_sequences(session)
    return summary

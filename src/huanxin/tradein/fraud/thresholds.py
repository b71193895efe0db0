"""The fraud signals' thresholds (tradein.fraud.assessment); `docs/tradein-fraud.md` explains each one."""

from __future__ import annotations

from huanxin.tradein.claims.keys import (  # noqa: F401  (re-exported: the fraud thresholds' module)
    INVOICE_MIN_LENGTH,
    INVOICE_PREFIX_DROP,
    SERIAL_INPUT_KEYS,
    SERIAL_MIN_LENGTH,
    SERIAL_PREFIX_DROP,
    SERIAL_PREFIX_INPUT_KEY,
    normalise_invoice,
    serial_prefix,
)

# ---- thresholds -------------------------------------------------------------------------------

# 先涨价后补贴: a claim priced above the frozen reference price × (1 + PRICE_BAND) is flagged.
PRICE_BAND = 0.10
PRICE_SCORE_BASE = 0.5  # score just above the band
PRICE_SCORE_PER_EXCESS = 1.0  # added per 100% above the band (so +30% over the band → 0.8)
PRICE_SCORE_MAX = 0.9

# Bulk buying with borrowed identities: ≥ N different persons sharing one phone, address, bank
# card or device with claims in the city within SHARED_WINDOW_DAYS.
SHARED_WINDOW_DAYS = 30
SHARED_MIN_PERSONS = {"phone": 3, "address": 4, "card": 2, "device": 3}
SHARED_SCORE_BASE = {"phone": 0.5, "address": 0.4, "card": 0.7, "device": 0.6}
SHARED_SCORE_PER_EXTRA_PERSON = 0.1
SHARED_SCORE_MAX = 0.9
SHARED_ROW_CAP = 500  # at most this many persons are read per shared key

# Consecutive serial numbers (the same SN with its last digits dropped) bought by many persons at
# one retailer within a couple of days: one buyer taking a batch under borrowed names.
# (The serial prefix itself, SERIAL_PREFIX_DROP and SERIAL_MIN_LENGTH: tradein.claims.keys.)
SERIAL_WINDOW_DAYS = 2
SERIAL_MIN_PERSONS = 5
# The claim inputs that carry the device signature (see docs).
DEVICE_INPUT_KEYS = ("device_signature", "device_id")
RETAILER_SCAN_CAP = 2000  # at most this many of the retailer's matching claims are examined

# Retailer velocity: the last hour / last 24 hours far above the retailer's own trailing average.
VELOCITY_BASELINE_DAYS = 28
VELOCITY_MIN_ACTIVE_DAYS = 7  # no baseline (and no flag) for a retailer with less history
VELOCITY_SIGMAS = 4.0
VELOCITY_MIN_HOURLY = 20
VELOCITY_MIN_DAILY = 100
VELOCITY_TRADING_HOURS = 12  # a trading day, for turning the daily average into an hourly one
VELOCITY_SCORE = 0.5
VELOCITY_SCORE_BOTH = 0.6

# Reused or near-duplicate invoices at the same retailer.
INVOICE_SAME_WINDOW_HOURS = 24  # same invoice number (ignoring spaces, dashes, case)
INVOICE_NEAR_MINUTES = 10  # same invoice prefix and same amount
# (INVOICE_PREFIX_DROP and INVOICE_MIN_LENGTH, which define the prefix: tradein.claims.keys.)
INVOICE_SAME_SCORE = 0.8
INVOICE_NEAR_SCORE = 0.4
INVOICE_BEFORE_QUALIFICATION_SCORE = 0.6

# A model whose frozen price is above the programme's unit-price cap, sold just below the cap:
# the invoice was likely split or the price written down to qualify.
PRICE_CAP_NEAR = 0.05
PRICE_CAP_BY_KIND_FEN = {"digital": 600_000}  # 数码产品: unit price ≤ 6,000 yuan
PRICE_CAP_INPUT_KEY = "price_cap_fen"
PRICE_CAP_SCORE = 0.5

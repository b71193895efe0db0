"""Normalised keys of a claim that the fraud signals look up by index (stored on the claim when it
is written, so a signal is one indexed lookup instead of a scan of the retailer's recent claims).

- the invoice number without spaces, dashes or case (a reused invoice);
- its prefix, the number without its last INVOICE_PREFIX_DROP characters (near-duplicate
  invoices: the same prefix and length);
- the serial number's prefix, without its last SERIAL_PREFIX_DROP characters (consecutive serials
  bought by many persons), or the prefix given in the claim's inputs.
"""

from __future__ import annotations

import re
from typing import Any

INVOICE_PREFIX_DROP = 3
INVOICE_MIN_LENGTH = 8
SERIAL_PREFIX_DROP = 2
SERIAL_MIN_LENGTH = 8
# The claim inputs that carry the serial number (see docs/tradein-fraud.md).
SERIAL_INPUT_KEYS = ("serial", "sn", "imei")
SERIAL_PREFIX_INPUT_KEY = "serial_prefix"

_NOT_ALNUM = re.compile(r"[^0-9A-Z]")


def normalise_invoice(invoice_no: str | None) -> str:
    return _NOT_ALNUM.sub("", (invoice_no or "").upper())


def invoice_prefix(invoice_no: str | None) -> str | None:
    """The prefix two near-duplicate invoices share; None for numbers too short to compare."""
    number = normalise_invoice(invoice_no)
    return number[:-INVOICE_PREFIX_DROP] if len(number) >= INVOICE_MIN_LENGTH else None


def serial_prefix(inputs: dict[str, Any] | None) -> str | None:
    inputs = inputs or {}
    given = inputs.get(SERIAL_PREFIX_INPUT_KEY)
    if given:
        return str(given).strip().upper()
    for key in SERIAL_INPUT_KEYS:
        value = inputs.get(key)
        if value is not None and str(value).strip():
            serial = str(value).strip()
            return serial.upper()[:-SERIAL_PREFIX_DROP] if len(serial) >= SERIAL_MIN_LENGTH else None
    return None

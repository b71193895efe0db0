"""Financing of renewal projects: needs pushed to banks, bank answers, loans with tranches, the
interest-subsidy (贴息) schedule and its payment through the ledger (docs/financing.md)."""

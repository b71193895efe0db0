"""Subsidy payouts: batches, the bank's file and its reconciliation, and their API."""

"""Fraud signals at redemption: thresholds, the batch's reads, the signal rules, and the assessment."""

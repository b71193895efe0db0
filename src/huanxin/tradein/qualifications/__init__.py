"""Qualifications (资格): holding, per-person quotas, issuing at the daily release, the one-time redemption code."""

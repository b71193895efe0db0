"""Retailers and dealers: admission (经营主体准入) and its API."""

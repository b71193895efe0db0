"""Tests of the scrapped-vehicle trail (recycling.scrapped)."""

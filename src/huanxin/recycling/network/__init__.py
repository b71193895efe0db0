"""Recycling: network."""

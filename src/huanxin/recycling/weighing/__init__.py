"""Recycling: weighing."""

"""Residents: the ID number and bank card, the real-name check, and identity reclaim (身份找回)."""

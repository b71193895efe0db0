"""Recycling: the network, door-to-door bookings, the fleet and its dispatch, weighing and settlement."""

"""Door-to-door pickups: booking, the status of each pickup and who may change it."""

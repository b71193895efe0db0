"""A city's programmes: setup and budget pools, reference prices, what-if, the feed to the plans' indicators."""

"""The office's monthly figures of recycling and second-hand trade by county (issue 17, item 4)."""

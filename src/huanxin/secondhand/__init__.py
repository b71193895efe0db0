"""Second-hand trade (issue 17, item 2): traded electronics, their data-wiping records checked against
GB 46864—2025, the resale gate, wipe certificates and dealers' credit scores."""

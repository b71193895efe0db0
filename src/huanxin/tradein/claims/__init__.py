"""Claims: the purchase, redemption (核销) at the till, car applications, review, appeals and the claim's events."""

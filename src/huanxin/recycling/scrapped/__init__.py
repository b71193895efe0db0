"""Scrapped vehicles (报废机动车): the car a qualified dismantler takes in, its 报废机动车回收证明, the
deregistration, and the one link from the certificate to the car-scrapping trade-in claim."""

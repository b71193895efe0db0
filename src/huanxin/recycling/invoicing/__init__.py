"""Reverse invoicing (反向开票): qualifications, sellers, pre-invoices the seller confirms, invoices
issued inside the 12-natural-month quota, payment, red-letter reversal and the tax-platform export."""

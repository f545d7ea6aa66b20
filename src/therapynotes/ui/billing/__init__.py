"""The Billing page, the chart's Billing tab and the billing documents' PDFs."""

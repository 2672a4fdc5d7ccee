"""Concurrent-review packets: the payer's checklist (checklist.py), what a packet shows and the
submission clocks (selectors.py), the PDF (documents.py), preparing and submitting (services.py),
the review page's packet panel and downloads (views.py, urls.py) and the API (apis.py)."""

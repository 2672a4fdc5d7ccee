"""Concurrent review: the review calendar (every active authorization's next review), the review
page with what the clinician tells the reviewer, and the payer's outcome of a review, recorded as
a 278 response on the review's renewal request. Calls (`reviews.calls`) and packets
(`reviews.packets`) are their own packages."""

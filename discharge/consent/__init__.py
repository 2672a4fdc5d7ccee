"""Consents to disclose (42 CFR Part 2 §2.31, HIPAA authorizations), their revocation and expiry,
records transmissions under them (the records packet with the §2.32 notice), the disclosure log
and the accounting of disclosures."""

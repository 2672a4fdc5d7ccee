"""X12 for the payer rails: the tokenizer and envelope every file shares (`envelope`), a writer
(`writer`), the 278 health care services review request and response (`x278`, 005010X217) and the
270 eligibility request (`x270`, 005010X279A1). The 271 reader (`authorizations.coverage.x12`)
reads through the same `envelope`.

Pure functions over text and frozen dataclasses; the database side (control numbers, the files
kept as `InteropMessage` rows) is in `services`.
"""

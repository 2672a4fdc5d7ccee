"""Pages of a PDF as a reader sees them: the text lines of each page's body, without the running
header and footer (the margin boxes repeated on every page: subject, "Confidential…", "Page n of
m", who generated it). For tests that no page is left near-empty (a cover with a title and
nothing else, a last page holding one line that spilled over)."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

PAGE_NUMBER = re.compile(r"\s*Page \d+ of \d+\s*")
# Fewer lines than this ("a few") on a page of a document of several pages is a page wasted.
MIN_LINES = 4


def page_body_lines(content: bytes) -> list[list[str]]:
    pages = []
    for page in PdfReader(io.BytesIO(content)).pages:
        # The page number shares a line with whatever else the footer holds.
        lines = (PAGE_NUMBER.sub(" ", line).strip() for line in (page.extract_text() or "").splitlines())
        pages.append([line for line in lines if line])
    running = set.intersection(*(set(lines) for lines in pages)) if len(pages) > 1 else set()
    return [[line for line in lines if line not in running] for lines in pages]


def near_empty_pages(content: bytes, minimum: int = MIN_LINES) -> dict[int, list[str]]:
    """Page number → its lines, for each page of a multi-page document with fewer than `minimum`."""
    pages = page_body_lines(content)
    if len(pages) < 2:
        return {}
    return {n: lines for n, lines in enumerate(pages, 1) if len(lines) < minimum}

"""The one PDF renderer: a Django template rendered by WeasyPrint into a tagged PDF (PDF/UA-1).

Every PDF the application makes goes through `pdf_render`, so every one gets the same hardening:
WeasyPrint fetches what a document references (stylesheets, images, fonts) through
`StaticOnlyURLFetcher`, which serves `data:` URLs and files under the project's source `static/`
directory and refuses everything else. Templates escape user text (never `|safe`), so user text
cannot become markup; the fetcher is the second wall — if it ever did, an `<img src>` or `<link>`
could neither read a server file (`file:///etc/passwd`) nor reach the network (SSRF).

A refused or missing resource stops the rendering (`PdfRenderError`) instead of producing a
silently unstyled document: templates reference only static files, so a refusal is a bug to see.

Templates link their stylesheet relative to the static directory (`href="pdf/report.css"`), not
with `{% static %}`: the base URL is the source static directory, so no `collectstatic` is needed.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import DataHandler, Request, url2pathname

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import UNICODE_SCHEME_RE, FatalURLFetchingError, URLFetcher, URLFetcherResponse, path2url

PDF_VARIANT = "pdf/ua-1"


class PdfResourceRefused(ValueError):
    """A document referenced something other than a `data:` URL or a file of the static directory."""


class PdfRenderError(RuntimeError):
    """The document could not be rendered (a refused or missing resource). The message names the
    resource URL, never document text."""


def pdf_static_dir() -> Path:
    """The source static directory (not STATIC_ROOT): it exists without `collectstatic`, in tests,
    in development and in the image (the Dockerfile copies `static/`)."""
    return (Path(settings.BASE_DIR) / "static").resolve()


class StaticOnlyURLFetcher(URLFetcher):
    """WeasyPrint's fetcher limited to `data:` URLs and `file://` URLs of files under `root`.

    The file path is resolved (`..` segments and symlinks) before the check, so neither can step
    outside the directory. Files are read and `data:` URLs decoded here rather than through
    urllib's opener, so nothing is ever opened by URL (a `file://` URL naming another host cannot
    fall back to FTP, a redirect cannot happen)."""

    def __init__(self, *, root: Path | None = None, **kwargs):
        kwargs.setdefault("timeout", 5)
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False, fail_on_errors=True, **kwargs)
        self.root = (root or pdf_static_dir()).resolve()

    def fetch(self, url, headers=None):
        match = UNICODE_SCHEME_RE.match(url)
        scheme = match[1].lower() if match else ""
        if scheme == "data":
            # Decoded here, not through urllib's opener: this fetcher never opens a URL at all.
            decoded = DataHandler().data_open(Request(url))  # noqa: S310 - a data: URL, decoded in memory
            content_type = decoded.headers["Content-Type"]
            return URLFetcherResponse(url, body=decoded.read(), headers={"Content-Type": content_type})
        if scheme == "file":
            path = self._static_path(url)
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(path2url(path), body=path.read_bytes(), headers={"Content-Type": content_type})
        raise PdfResourceRefused(f"PDF resources must be data: URLs or static files, not {scheme or 'relative'} URLs")

    def _static_path(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise PdfResourceRefused("PDF resources cannot be files on another host")
        path = Path(url2pathname(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise PdfResourceRefused(f"PDF resources must be files under {self.root}")
        return path


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    page_count: int


def pdf_document(*, template: str, context: dict) -> RenderedPdf:
    """Render `template` with `context` to a PDF/UA-1 document, with its page count."""
    html = render_to_string(template, context)
    root = pdf_static_dir()
    fetcher = StaticOnlyURLFetcher(root=root)
    try:
        # Rendered then written (rather than `HTML.write_pdf`) to keep the page count; the variant
        # goes to both steps, as `HTML.write_pdf` does.
        document = HTML(string=html, base_url=path2url(f"{root}/"), url_fetcher=fetcher).render(pdf_variant=PDF_VARIANT)
        content = document.write_pdf(pdf_variant=PDF_VARIANT)
    except FatalURLFetchingError as exc:
        # WeasyPrint's fatal error derives from BaseException: turn it into an ordinary error so
        # callers (a view, a Celery task) handle it like any other failure.
        raise PdfRenderError(str(exc)) from exc.__cause__
    return RenderedPdf(content=content, page_count=len(document.pages))


def pdf_render(*, template: str, context: dict) -> bytes:
    """Render `template` with `context` to PDF bytes (see the module docstring)."""
    return pdf_document(template=template, context=context).content

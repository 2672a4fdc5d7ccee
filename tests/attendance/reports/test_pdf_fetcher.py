"""The PDF renderer's URL fetcher: only `data:` URLs and files under the source static directory.

A document that references a server file (`file:///etc/passwd`) or the network (an `http://`
stylesheet) is refused before anything is read or any connection is made, while the static
stylesheet loads (its `@page` rules put "Page 1 of 1" on the page). No database is needed.
"""

from __future__ import annotations

import io
import urllib.request

import pytest
from pypdf import PdfReader
from weasyprint.urls import path2url

from iop.common import pdf
from iop.common.pdf import PdfRenderError, PdfResourceRefused, StaticOnlyURLFetcher, pdf_document, pdf_static_dir

STATIC_CSS = '<link rel="stylesheet" href="pdf/report.css">'
PIXEL = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _html(body: str, head: str = STATIC_CSS) -> str:
    return f'<!DOCTYPE html><html lang="en"><head><title>Fetcher test</title>{head}</head><body>{body}</body></html>'


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test if anything tries to open a URL through urllib (the fetcher's opener)."""

    def refuse(self, *args, **kwargs):
        raise AssertionError("the fetcher tried to open a URL")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", refuse)


@pytest.fixture
def render_html(monkeypatch):
    """render_html(html) -> RenderedPdf, through the real renderer with the template replaced."""

    def _render(html: str):
        monkeypatch.setattr(pdf, "render_to_string", lambda template, context: html)
        return pdf_document(template="unused.html", context={})

    return _render


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/report.css",
        "ftp://example.com/report.css",
    ],
)
def test_the_fetcher_refuses_anything_but_static_files_and_data(url, no_network):
    with pytest.raises(PdfResourceRefused):
        StaticOnlyURLFetcher().fetch(url)


def test_the_fetcher_refuses_a_path_that_climbs_out_of_the_static_directory(no_network):
    outside = path2url(str(pdf_static_dir())) + "/../pyproject.toml"
    with pytest.raises(PdfResourceRefused):
        StaticOnlyURLFetcher().fetch(outside)


def test_the_fetcher_refuses_a_static_file_named_on_another_host(no_network):
    with pytest.raises(PdfResourceRefused):
        StaticOnlyURLFetcher().fetch("file://fileserver" + str(pdf_static_dir() / "pdf" / "report.css"))


def test_the_fetcher_refuses_a_symlink_that_points_outside(tmp_path, no_network):
    root = tmp_path / "static"
    root.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("not for PDFs")
    (root / "innocent.css").symlink_to(secret)
    with pytest.raises(PdfResourceRefused):
        StaticOnlyURLFetcher(root=root).fetch(path2url(str(root / "innocent.css")))


def test_the_fetcher_serves_the_static_css_and_data_urls(no_network):
    fetcher = StaticOnlyURLFetcher()
    response = fetcher.fetch(path2url(str(pdf_static_dir() / "pdf" / "report.css")))
    assert response.content_type == "text/css"
    assert b"@page" in response.read()
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"


def test_a_document_reading_a_server_file_is_refused(render_html, no_network):
    with pytest.raises(PdfRenderError, match="/etc/passwd") as exc:
        render_html(_html('<p>Hello</p><img src="file:///etc/passwd" alt="">'))
    assert isinstance(exc.value.__cause__, PdfResourceRefused)


def test_a_document_with_an_http_stylesheet_is_refused_without_a_connection(render_html, no_network):
    head = STATIC_CSS + '<link rel="stylesheet" href="http://attacker.example/steal.css">'
    with pytest.raises(PdfRenderError, match="attacker.example"):
        render_html(_html("<p>Hello</p>", head=head))


def test_the_static_stylesheet_loads_and_the_pdf_is_tagged(render_html, no_network):
    rendered = render_html(_html(f'<p>Hello</p><img src="{PIXEL}" alt="A dot">'))
    reader = PdfReader(io.BytesIO(rendered.content))
    text = reader.pages[0].extract_text()
    # Both come from the static stylesheet's @page margin boxes: it loaded.
    assert "Page 1 of 1" in text
    assert "Confidential: protected health information" in text
    assert rendered.page_count == len(reader.pages) == 1
    assert reader.metadata["/Title"] == "Fetcher test"
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog  # PDF/UA: tagged
    assert catalog["/Lang"] == "en"

"""Great Expectations Data Docs that work offline and tell a warned batch from a blocked one.

GX renders its pages with styles and scripts from CDNs, so offline (where a warehouse often lives) the index table is
empty and no status icon shows. After GX builds the site, the CDN files are served from a local copy
(`data_docs_assets/`, the same versions, fetched from npm; see PROVENANCE.md there), and a batch whose only failed
expectations are warnings (it loaded) reads "Passed with warnings" instead of GX's "Failed".
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

ASSETS_DIR = Path(__file__).parent / "data_docs_assets"
VENDOR = "static/vendor"  # where the assets go inside the site

# every CDN file GX 1.24's page templates load -> its local copy in data_docs_assets/
CDN_FILES = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.js-1.12.9/popper.min.js",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap-4.3.1/bootstrap.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap-4.3.1/bootstrap.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table-1.19.1/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table-1.19.1/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": "bootstrap-table-1.19.0/bootstrap-table-filter-control.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": "bootstrap-table-1.19.0/bootstrap-table-filter-control.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": "bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": "bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "fontawesome-free-6.6.0/css/all.min.css",
}
# the charting libraries (830 KB) draw only profiling graphs, which a validation page never has: a page that calls
# vegaEmbed would be reported as needing the network instead
VEGA_SCRIPTS = re.compile(r'<script src="https://cdn\.jsdelivr\.net/npm/vega(-lite|-embed)?@\d+"></script>\s*')
# a dark theme for browsers set to dark mode (880 KB): the pages read the same without it
DARK_THEME = re.compile(r'<link rel="stylesheet" href="https://cdn\.jsdelivr\.net/npm/@forevolve/[^"]*"\s*/?>\s*')
GX_LOGO = re.compile(r"https://great-expectations-web-assets\.s3\.[^\"']*\.png[^\"']*")
# what a page still loads from the network after the rewrite: a script, a stylesheet or an image
REMOTE_RESOURCE = re.compile(r'<(?:script|img)\b[^>]*\bsrc="(https?://[^"]+)"|<link\b[^>]*\bhref="(https?://[^"]+)"')
FAILED_STATUS = '<i class="fas fa-times text-danger" aria-hidden="true"></i> Failed'
WARNED_STATUS = '<i class="fas fa-exclamation-triangle text-warning" aria-hidden="true"></i> Passed with warnings'


@dataclass(frozen=True)
class DataDocs:
    index: Path
    warned_batches: int  # validations shown as "passed with warnings"
    remote_resources: tuple[str, ...]  # "<page>: <url>" still loaded from the network (none expected)


def _local_tag(tag: str) -> str:
    """A CDN tag pointed at a local file loses its integrity/crossorigin attributes: a browser refuses a CORS
    request for a file:// script."""
    return re.sub(r'\s+(integrity|crossorigin)="[^"]*"', "", tag)


def localize_page(page: str, vendor_url: str, images_url: str) -> str:
    """The page with every known CDN file served from `vendor_url` and GX's remote logo from `images_url`."""
    for url, local in CDN_FILES.items():
        page = re.sub(
            r"<[^<>]*" + re.escape(url) + r"[^<>]*>",
            lambda match, url=url, local=local: _local_tag(match.group(0)).replace(url, f"{vendor_url}/{local}"),
            page,
        )
    if "vegaEmbed(" not in page:
        page = VEGA_SCRIPTS.sub("", page)
    page = DARK_THEME.sub("", page)
    return GX_LOGO.sub(f"{images_url}/logo-long.png", page)


def warn_only(result: dict) -> bool:
    """A validation that failed only on warning expectations: its batch loaded."""
    from orchestration.ingest.validation import blocks

    failed = [item for item in result.get("results", []) if not item.get("success")]
    return bool(failed) and not any(blocks(item["expectation_config"].get("severity")) for item in failed)


def _mark_index_rows(page: str, warned: set[str]) -> str:
    """In the index's table data, the rows of warned validations get the warning icon and text."""
    starts = [match.start() for match in re.finditer(r"\{'validation_success': ", page)]
    if not starts:
        return page
    pieces, previous = [page[: starts[0]]], starts[0]
    for start in [*starts[1:], None]:
        row = page[previous:start] if start is not None else page[previous:]
        link = re.search(r"'_table_row_link_path': '([^']+)'", row)
        if link and link.group(1) in warned:
            row = row.replace(
                "fas fa-times text-danger ge-failed-icon", "fas fa-exclamation-triangle text-warning"
            ).replace("'_validation_success_text': 'Failed'", "'_validation_success_text': 'Passed with warnings'")
        pieces.append(row)
        previous = start
    return "".join(pieces)


def finish_site(gx_dir: Path) -> DataDocs:
    """Make the site GX built under `gx_dir` work offline and show warned batches as such."""
    site = gx_dir / "uncommitted" / "data_docs" / "local_site"
    results_dir = gx_dir / "uncommitted" / "validations"
    shutil.copytree(ASSETS_DIR, site / VENDOR, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.md"))
    warned = (
        {
            str(path.relative_to(results_dir).with_suffix(".html"))
            for path in results_dir.rglob("*.json")
            if warn_only(json.loads(path.read_text()))
        }
        if results_dir.exists()
        else set()
    )
    warned_pages = {f"validations/{page}" for page in warned}
    remote = []
    for page_path in sorted(site.rglob("*.html")):
        relative = page_path.relative_to(site)
        up = os.path.relpath(site, page_path.parent)
        page = localize_page(page_path.read_text(), f"{up}/{VENDOR}", f"{up}/static/images")
        if str(relative) in warned_pages:
            page = page.replace(FAILED_STATUS, WARNED_STATUS)
        if relative == Path("index.html"):
            page = _mark_index_rows(page, warned_pages)
        page_path.write_text(page)
        remote += [f"{relative}: {script or link}" for script, link in REMOTE_RESOURCE.findall(page)]
    return DataDocs(site / "index.html", len(warned), tuple(remote))

"""The API's browsable docs: Swagger UI at /docs, reading /openapi.json from the same origin.

Swagger UI's files come from the `swagger-ui-bundle-v2` package (Swagger UI 5, the first to
read OpenAPI 3.1), installed from PyPI with the `local` extra; nothing is fetched from a CDN.
Only the files named below are served, so no path can reach elsewhere on the disk.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

PAGE_PATH = "/docs"
DOCUMENT_PATH = "/openapi.json"

_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".png": "image/png",
}
_VENDOR_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")
_STARTER = "market-api-docs.js"
_FIRST_RELEASE_READING_3_1 = 5

# Loaded as a file rather than inline, so the page works under a strict Content-Security-Policy.
_STARTER_JS = f"""window.addEventListener("load", () => {{
  window.ui = SwaggerUIBundle({{
    url: "{DOCUMENT_PATH}",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  }});
}});
"""

_PAGE = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>market-api</title>
  <link rel="icon" type="image/png" href="{PAGE_PATH}/favicon-32x32.png">
  <link rel="stylesheet" href="{PAGE_PATH}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{PAGE_PATH}/swagger-ui-bundle.js"></script>
  <script src="{PAGE_PATH}/{_STARTER}"></script>
</body>
</html>
"""

_MISSING = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>market-api</title></head>
<body>
  <p>Swagger UI 5 is not installed: run <code>pip install -e '.[local]'</code>.
  The document itself is at <a href="/openapi.json">/openapi.json</a>.</p>
</body>
</html>
"""


def docs_asset(path: str) -> tuple[str, bytes] | None:
    """The content type and bytes of the docs page or one of its files; None when unknown.

    `path` is the request's path (`/docs`, `/docs/swagger-ui.css`) or the part after `/docs/`
    (`""` for the page, `swagger-ui.css`).
    """
    path = path.split("?", 1)[0]
    if not path.startswith("/"):
        path = f"{PAGE_PATH}/{path}"
    if path in (PAGE_PATH, PAGE_PATH + "/"):
        page = _PAGE if swagger_ui_folder() is not None else _MISSING
        return _TYPES[".html"], page.encode()
    name = path.removeprefix(PAGE_PATH + "/")
    if name == _STARTER:
        return _TYPES[".js"], _STARTER_JS.encode()
    if name not in _VENDOR_FILES:
        return None
    folder = swagger_ui_folder()
    if folder is None:
        return None
    return _TYPES[Path(name).suffix], _read(folder / name)


@cache
def swagger_ui_folder() -> Path | None:
    """Where the installed Swagger UI files are, or None when the package is missing."""
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:
        return None
    folder = Path(str(swagger_ui_path))
    release = re.fullmatch(r"swagger-ui-(\d+)\..*", folder.name)
    if release is None or int(release.group(1)) < _FIRST_RELEASE_READING_3_1:
        return None
    if not all((folder / name).is_file() for name in _VENDOR_FILES):
        return None
    return folder


@cache
def _read(file: Path) -> bytes:
    return file.read_bytes()

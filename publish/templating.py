"""One Jinja2 environment for every template, and the only URL fetcher WeasyPrint gets."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlparse

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, select_autoescape

from publish.errors import InputError

TEMPLATES = Path(__file__).resolve().parent.parent / "report_templates"


def thousands(value: int) -> str:
    """Norwegian digit grouping with a thin no-break space.

    >>> thousands(12345)
    '12\u202f345'
    """
    return f"{value:,}".replace(",", "\u202f")


def percent(value: float) -> str:
    """A share as a Norwegian percentage.

    >>> percent(0.891)
    '89,1\xa0%'
    """
    return f"{value * 100:.1f}".replace(".", ",") + "\u00a0%"


def counted(value: int, one: str, many: str) -> str:
    """A count with its word in the right number: Norwegian takes the singular for one alone.

    >>> counted(1, "enig", "enige"), counted(0, "enig", "enige"), counted(2, "beslektet", "beslektede")
    ('1 enig', '0 enige', '2 beslektede')
    """
    return f"{thousands(value)} {one if value == 1 else many}"


def environment(templates: Path) -> Environment:
    """Autoescape on (a pledge with "<" prints literally); undefined names are errors, not blanks."""
    env = Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(["html", "svg"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["thousands"] = thousands
    env.filters["percent"] = percent
    env.filters["counted"] = counted
    return env


def render(templates: Path, name: str, **context) -> str:
    """Render a template; a syntax error or an undefined name becomes an InputError with file and line."""
    try:
        return environment(templates).get_template(name).render(**context)
    except TemplateError as err:
        filename, line = _template_location(err, templates)
        raise InputError(filename or name, f"template error: {err.message or err}", line=line) from None


def _template_location(err: TemplateError, templates: Path) -> tuple[str | None, int | None]:
    """Jinja2 puts syntax errors' file and line on the error, and runtime errors' in the traceback."""
    if getattr(err, "lineno", None):
        return getattr(err, "filename", None), err.lineno
    found: tuple[str | None, int | None] = (None, None)
    traceback = err.__traceback__
    while traceback is not None:
        filename = traceback.tb_frame.f_code.co_filename
        if filename.startswith(str(templates.resolve())) or filename.startswith(str(templates)):
            found = (filename, traceback.tb_lineno)
        traceback = traceback.tb_next
    return found


def local_fetcher(root: Path):
    """A WeasyPrint URL fetcher that serves file: URLs under `root` and nothing else (no network).

    Built inside a function so that importing this module for the HTML alone does not import WeasyPrint.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalFetcher(URLFetcher):
        def __init__(self) -> None:
            super().__init__(fail_on_errors=True)
            self.root = root.resolve()

        def fetch(self, url, headers=None):
            parsed = urlparse(url)
            if parsed.scheme != "file":
                raise ValueError(f"refused to fetch {url}: only files under {self.root} are allowed")
            path = Path(unquote(parsed.path)).resolve()
            if not path.is_relative_to(self.root):
                raise ValueError(f"refused to fetch {path}: outside {self.root}")
            if not path.is_file():
                raise FileNotFoundError(f"missing file {path}")
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})

    return LocalFetcher()

"""CSV downloads: a derived table embedded in its page as a ``data:`` link (no server, no network).

Transcribed tables are downloaded from the copy of ``data/tables`` that ships with the site
(see :mod:`.evidence`); the CSV keeps machine names and raw values.
"""

from __future__ import annotations

from urllib.parse import quote

import pandas as pd

from .render import Html, render


#: Characters a CSV may keep as they are in a ``data:`` URL (the rest are percent-encoded: line
#: breaks, which a URL would lose, ``%``, ``#``, quotes, markup and every non-ASCII character).
#: Most of a CSV is letters, digits, spaces and commas, so the link is about three quarters the
#: size base64 would make it.
URL_SAFE = " ,.-_:;/()'+=*!?~@$[]|^"


def data_url(text: str, media_type: str = "text/csv") -> str:
    """``text`` as a ``data:`` URL (UTF-8, percent-encoded): what a browser downloads is ``text``."""
    return f"data:{media_type};charset=utf-8," + quote(text, safe=URL_SAFE, encoding="utf-8")


def download(df: pd.DataFrame, filename: str, label: str | None = None) -> Html:
    """A link that downloads ``df`` as ``filename`` (CSV, UTF-8)."""
    return render("download.html.j2", filename=filename, url=data_url(df.to_csv(index=False)), label=label or f"Download {filename} (CSV)")

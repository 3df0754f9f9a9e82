"""CSV downloads: a derived table embedded in its page as a ``data:`` link (no server, no network).

Transcribed tables are downloaded from the copy of ``data/tables`` that ships with the site
(see :mod:`.evidence`); the CSV keeps machine names and raw values.
"""

from __future__ import annotations

import base64

import pandas as pd

from .render import Html, render


def download(df: pd.DataFrame, filename: str, label: str | None = None) -> Html:
    """A link that downloads ``df`` as ``filename`` (CSV, UTF-8)."""
    payload = base64.b64encode(df.to_csv(index=False).encode("utf-8")).decode("ascii")
    return render("download.html.j2", filename=filename, payload=payload, label=label or f"Download {filename} (CSV)")

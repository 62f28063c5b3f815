"""Splunk searches as pandas DataFrames, from a DSDL container, without notebook widgets.

``search_df(spl, earliest="-24h", latest="now")`` streams ``search/v2/jobs/export`` (JSON lines)
and builds the frame in batches, so a 500k-row export never holds its raw response in memory.
Access comes from DSDL's ``splunk_access_*`` settings (see ``client.rest.HttpRest.from_env``).
"""

import urllib.error
import urllib.parse
import urllib.request

from ..errors import ModelOpsError
from ..splunkd import export_rows
from .rest import HttpRest

EXPORT_PATH = "/services/search/v2/jobs/export"
BATCH_ROWS = 50_000


def iter_export(rest: HttpRest, spl, earliest="-24h", latest="now", fields=None):
    """Result rows of a search, one dict at a time, as splunkd streams them."""
    query = spl.strip()
    if not query.startswith("|") and not query.lower().startswith("search "):
        query = "search " + query
    form = {"search": query, "earliest_time": earliest, "latest_time": latest, "output_mode": "json"}
    if fields:
        form["field_list"] = ",".join(fields)
    request = urllib.request.Request(rest.base_url + EXPORT_PATH, data=urllib.parse.urlencode(form).encode(),
                                     method="POST", headers={"Authorization": rest.authorization})
    try:
        response = urllib.request.urlopen(request, timeout=rest.timeout, context=rest.context)
    except urllib.error.HTTPError as error:
        detail = error.read()[:300].decode("utf-8", "replace")
        raise ModelOpsError("the search failed (HTTP %d): %s" % (error.code, " ".join(detail.split()))) from None
    except (urllib.error.URLError, OSError) as error:
        raise ModelOpsError("cannot reach splunkd at %s: %s" % (rest.base_url, error)) from None
    with response:
        yield from export_rows(response)


def search_df(spl, earliest="-24h", latest="now", fields=None, numeric=True, rest=None, batch_rows=BATCH_ROWS):
    """A DataFrame of the search's results; numeric-looking columns become numbers, ``_time`` a datetime."""
    import pandas as pd

    rest = rest or HttpRest.from_env()
    frames, batch = [], []
    for row in iter_export(rest, spl, earliest, latest, fields):
        batch.append(row)
        if len(batch) >= batch_rows:
            frames.append(pd.DataFrame.from_records(batch))
            batch = []
    if batch or not frames:
        frames.append(pd.DataFrame.from_records(batch))
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if numeric:
        for column in frame.columns:
            if column == "_time" or not (frame[column].dtype == object
                                         or pd.api.types.is_string_dtype(frame[column])):
                continue
            converted = pd.to_numeric(frame[column], errors="coerce")
            if converted.notna().sum() == frame[column].notna().sum():
                frame[column] = converted
    if "_time" in frame.columns:
        frame["_time"] = pd.to_datetime(frame["_time"], utc=True, errors="coerce", format="ISO8601")
    return frame

"""What splunkd's search export answers look like, read the same way on both sides.

``search/jobs/export`` with ``output_mode=json`` streams one JSON object per line: result rows
under ``result``, and ``messages`` that may carry the search's errors.
"""

import json

from .errors import ModelOpsError


def export_rows(lines):
    """Result rows (dicts) of an export stream, one at a time; the search's ERROR/FATAL messages
    and a line that is not JSON become one ``ModelOpsError``."""
    for raw in lines:
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except ValueError:
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
            raise ModelOpsError("splunkd's export answered a line that is not JSON: %.80s" % text.strip()) from None
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("result"), dict):
            yield item["result"]
        elif item.get("messages"):
            errors = [str(m.get("text", "")) for m in item["messages"]
                      if isinstance(m, dict) and m.get("type") in ("ERROR", "FATAL")]
            if errors:
                raise ModelOpsError("the search failed: %s" % "; ".join(errors))

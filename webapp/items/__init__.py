"""The sealed store (PROTOCOL §4–5) over HTTP: the items API; pages that show items live in
their own areas (journal, ...)."""

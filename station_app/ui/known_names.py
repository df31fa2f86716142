"""The display names of the station's users, shared by the windows that show who acted."""

from __future__ import annotations

# username → display name, read on the worker (store.people.display_names) by the main window
# at start and whenever the users change; the worker runs tasks in order, so it is filled
# before the first case is laid out. A username not in it is shown as it is. In a module of
# its own so that the main window can fill it without importing the case detail's modules
# (the documents and reportlab), which start-up does not need.
known_names: dict[str, str] = {}

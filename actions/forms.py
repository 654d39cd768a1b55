"""What Rasa's form machinery hands a validation action, read once for both forms."""

from __future__ import annotations

from rasa_sdk import Tracker


def replied_now(tracker: Tracker) -> bool:
    """True when the form runs on a fresh user reply (not right after it was opened by an action).

    Rasa hands the validator a tracker ending in the form's own ActionExecuted; the action before it
    tells whether the user just spoke.
    """
    names = [e.get("name") for e in tracker.events if e.get("event") == "action"]
    for name in reversed(names[:-1]):
        if name != "action_extract_slots":
            return name == "action_listen"
    return False

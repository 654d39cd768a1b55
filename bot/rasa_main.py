"""Start the Rasa CLI (`python -m bot.rasa_main run …`) with one performance fix applied first.

Rasa 3.6 validates every action-server response with `jsonschema.validate`, which re-checks the schema
itself against the JSON-Schema metaschema on each call: ~50 ms of CPU per custom action on this
machine, more than the whole retrieval. The fix compiles the validator once; the response is still
validated against the same schema with the same error message.
"""

from __future__ import annotations

import functools
import sys
from typing import Any

import jsonschema
from rasa.core.actions import action


@functools.lru_cache(maxsize=1)
def _validator() -> Any:
    spec = action.RemoteAction.action_response_format_spec()
    cls = jsonschema.validators.validator_for(spec)
    cls.check_schema(spec)
    return cls(spec)


def _validate_action_result(self: action.RemoteAction, result: dict[str, Any]) -> bool:
    try:
        _validator().validate(result)
        return True
    except jsonschema.ValidationError as e:
        e.message += (". Failed to validate Action server response from API, make sure your response from "
                      "the Action endpoint is valid.")
        raise e


def main() -> None:
    action.RemoteAction._validate_action_result = _validate_action_result
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()

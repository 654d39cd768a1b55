"""Dev tool: classify question files with the trained NLU model (run with .venv-rasa/bin/python).

    .venv-rasa/bin/python scripts/nlu_probe.py FILE.jsonl [FILE.jsonl ...]
Prints the intent per line and a confusion summary against the expected routing.
"""

import asyncio
import collections
import json
import sys

from rasa.core.agent import Agent


async def main() -> None:
    agent = Agent.load("models/assistant.tar.gz")
    counts: collections.Counter = collections.Counter()
    for path in sys.argv[1:]:
        for line in open(path, encoding="utf-8"):
            if not line.strip():
                continue
            case = json.loads(line)
            want = case.get("expect", "answer")
            parsed = await agent.parse_message(case["q"])
            intent = parsed["intent"]["name"]
            conf = parsed["intent"]["confidence"]
            counts[(want, intent)] += 1
            bad = (want == "complaint") != (intent == "complain")
            if bad:
                print(f"{want:9} -> {intent:14} {conf:.2f} {case['q']}")
    for (want, intent), n in sorted(counts.items()):
        print(f"{want:9} {intent:14} {n}")


asyncio.run(main())

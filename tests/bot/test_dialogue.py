"""The dialogue policy, pinned the Rasa way: `rasa data validate` is clean and every test story passes.

The stories in test_stories.yml run end to end through the trained model (`rasa test core --e2e`): typed
steps go through the NLU, clicked steps give the intent directly, and after every reply the policy must
predict `action_listen` — one user message, one reply.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from config import ROOT

RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
MODEL = ROOT / "models" / "assistant.tar.gz"
STORIES = Path(__file__).with_name("test_stories.yml")
ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}


def rasa(*args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(RASA), *args], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=timeout)


def test_rasa_data_validate_is_clean():
    run = rasa("data", "validate", "--domain", "bot/domain.yml", "--data", "bot/data", "--config", "config/rasa.yml",
               "--fail-on-warnings")
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-4000:]
    problems = [line for line in out.splitlines()
                if re.search(r"UserWarning|\berror\b", line, re.I) and "Deprecat" not in line]
    assert not problems, "\n".join(problems)


def test_every_test_story_passes_end_to_end(tmp_path):
    run = rasa("test", "core", "--e2e", "--stories", str(STORIES), "--model", str(MODEL), "--out", str(tmp_path),
               "--fail-on-prediction-errors", "--no-plot")
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-6000:]
    n_stories = len(re.findall(r"^- story:", STORIES.read_text(encoding="utf-8"), re.M))
    assert re.search(rf"Correct:\s+{n_stories} / {n_stories}\b", out), out[-3000:]

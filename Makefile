# Two commands on a fresh machine: `make run` and `make test`. Everything else is a building block.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY311 ?= python3
PY310 ?= $(shell PYENV_VERSION=3.10.13 pyenv which python 2>/dev/null || command -v python3.10)
PY := .venv/bin/python
SHARED_DEV := ../shared/eval/dev.jsonl
QUESTIONS ?= $(if $(wildcard $(SHARED_DEV)),$(SHARED_DEV),tests/data/eval_extra.jsonl)
RASA := .venv-rasa/bin/rasa
MODEL := models/assistant.tar.gz
RASA_INPUTS := bot/domain.yml $(shell find bot/data -type f 2>/dev/null) config/rasa.yml $(wildcard knowledge/dict/jieba/*)
URL ?= http://127.0.0.1:8000
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export RASA_TELEMETRY_ENABLED := false

.PHONY: help setup browser index model run run-scaled test test-scale eval eval-docs bench latency eval-chat bench-chat eval-dialogue load security lint versions rollback clean

help:
	@echo "make run    - set up if needed, build the index, start the services, print the URLs"
	@echo "make test   - set up if needed and run every test (the scale test too)"
	@echo "make run-scaled - PostgreSQL, Redis, 2 web + 2 Rasa + 2 action servers behind HAProxy (docs/deploy.md)"
	@echo "make test-scale [SCALE_ARGS=…] - 50 sessions for 60 s on the scaled stack, a replica of each tier"
	@echo "                                 killed, a FAQ published (last line: JSON); --replicas 1 --no-kills …"
	@echo "make eval QUESTIONS=file.jsonl - retrieval quality (last line: JSON summary)"
	@echo "make bench [QUESTIONS=…]       - engine vs BM25-only vs dense-only, latency, build time, RSS"
	@echo "make latency                   - p50/p95 of the hard questions, each embedded afresh (3 rounds)"
	@echo "make eval-docs                 - the same without and with the invented fixture documents"
	@echo "make eval-chat QUESTIONS=… URL=http://127.0.0.1:8000 - the same through /api/chat of a running stack"
	@echo "make bench-chat                - gateway latency at 1 and 10 senders vs a bare Rasa round trip"
	@echo "make eval-dialogue URL=…       - 200+ multi-turn sessions through a running stack (last line: JSON)"
	@echo "make load [LOAD_ARGS=--sweep]  - 20 concurrent sessions for 60 s at the rate limit vs bare Rasa"
	@echo "make security URL=…            - bad-input, forged, replay and PII battery vs a running stack (last line: JSON)"
	@echo "make model | lint | versions | rollback | clean"

.venv/.stamp: requirements.txt
	test -x .venv/bin/python || $(PY311) -m venv .venv
	.venv/bin/pip install -q --upgrade pip
	.venv/bin/pip install -q -r requirements.txt
	touch $@

.venv-rasa/.stamp: requirements-rasa.txt
	@test -n "$(PY310)" || { echo "Python 3.10 not found (pyenv 3.10.13 expected)"; exit 1; }
	test -x .venv-rasa/bin/python || $(PY310) -m venv .venv-rasa
	.venv-rasa/bin/pip install -q --upgrade pip
	.venv-rasa/bin/pip install -q -r requirements-rasa.txt
	touch $@

setup: .venv/.stamp .venv-rasa/.stamp browser

# Debian's Chromium for the browser tests (Playwright cannot download browsers here), CJK fonts for
# readable screenshots
browser:
	@command -v chromium >/dev/null && fc-list 2>/dev/null | grep -qi "noto.*cjk" || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; }

index: .venv/.stamp
	$(PY) -m index.cli build --if-changed

# trained only when the NLU/dialogue data, the pipeline or the shared dictionary changed
$(MODEL): .venv-rasa/.stamp $(RASA_INPUTS)
	$(RASA) train --config config/rasa.yml --domain bot/domain.yml --data bot/data --out models \
		--fixed-model-name assistant
	touch $@

model: $(MODEL)

run: setup index model
	scripts/run.sh

# PostgreSQL, Redis and HAProxy come from Debian's packages, installed by the script when missing
run-scaled: setup index model
	scripts/run_scaled.sh

test: setup index model
	$(PY) -m pytest

# its own stack on a free block of ports from 7300 (SCALE_ARGS="--port-base 7400"), data under var/scaletest;
# SCALE_ARGS e.g. "--replicas 1 --no-kills --no-publish --sessions 80" (throughput of one replica set)
test-scale: setup index model
	$(PY) -m web.tools.scaletest $(SCALE_ARGS)

# EVAL_ARGS e.g. "--failures", "--by topic"
eval: .venv/.stamp index
	$(PY) -m index.cli eval $(QUESTIONS) $(EVAL_ARGS)

bench: .venv/.stamp index
	$(PY) -m index.cli bench $(QUESTIONS)

# search latency of questions never seen before (query caches emptied each time), three rounds
latency: .venv/.stamp index
	$(PY) -m index.cli latency tests/data/eval_hard.jsonl

# quality without and with the invented fixture documents (the plan's dev set must not drop)
eval-docs: .venv/.stamp
	$(PY) -m index.cli eval-docs tests/data/policies/kb $(QUESTIONS) tests/data/eval_policies.jsonl $(EVAL_ARGS)
	@echo "held out (documents and questions written by someone who never saw the engine):"
	$(PY) -m index.cli eval-docs tests/data/policies/heldout $(QUESTIONS) tests/data/eval_policies_heldout.jsonl $(EVAL_ARGS)
	@echo "held out, second set (written later by another person who never saw the engine):"
	$(PY) -m index.cli eval-docs tests/data/policies/heldout2 $(QUESTIONS) tests/data/eval_policies_heldout2.jsonl $(EVAL_ARGS)
	@echo "held out, third set (written by a third person who never saw the engine):"
	$(PY) -m index.cli eval-docs tests/data/policies/heldout3 $(QUESTIONS) tests/data/eval_policies_heldout3.jsonl $(EVAL_ARGS)
	@echo "held out, fourth set (written by a fourth person who never saw the engine):"
	$(PY) -m index.cli eval-docs tests/data/policies/heldout4 $(QUESTIONS) tests/data/eval_policies_heldout4.jsonl $(EVAL_ARGS)
	@echo "held out, fifth set (written by a fifth person who never saw the engine):"
	$(PY) -m index.cli eval-docs tests/data/policies/heldout5 $(QUESTIONS) tests/data/eval_policies_heldout5.jsonl $(EVAL_ARGS)
	@echo "held out, sixth set (written by a sixth person who never saw the engine):"
	$(PY) -m index.cli eval-docs tests/data/policies/heldout6 $(QUESTIONS) tests/data/eval_policies_heldout6.jsonl $(EVAL_ARGS)
	@echo "held out, seventh set (written by a seventh person who never saw the engine):"
	$(PY) -m index.cli eval-docs tests/data/policies/heldout7 $(QUESTIONS) tests/data/eval_policies_heldout7.jsonl $(EVAL_ARGS)
	@echo "held out, eighth set (written by an eighth person who never saw the engine):"
	$(PY) -m index.cli eval-docs tests/data/policies/heldout8 $(QUESTIONS) tests/data/eval_policies_heldout8.jsonl $(EVAL_ARGS)
	@echo "held out, ninth set (written by a ninth person who never saw the engine):"
	$(PY) -m index.cli eval-docs tests/data/policies/heldout9 $(QUESTIONS) tests/data/eval_policies_heldout9.jsonl $(EVAL_ARGS)
	@echo "held out, tenth set (written by a tenth person who never saw the engine):"
	$(PY) -m index.cli eval-docs tests/data/policies/heldout10 $(QUESTIONS) tests/data/eval_policies_heldout10.jsonl $(EVAL_ARGS)
	@echo "held out, eleventh set (written by an eleventh person who never saw the engine):"
	$(PY) -m index.cli eval-docs tests/data/policies/heldout11 $(QUESTIONS) tests/data/eval_policies_heldout11.jsonl $(EVAL_ARGS)
	@echo "held out, twelfth set (written by a twelfth person who never saw the engine):"
	$(PY) -m index.cli eval-docs tests/data/policies/heldout12 $(QUESTIONS) tests/data/eval_policies_heldout12.jsonl $(EVAL_ARGS)
	@echo "held out, thirteenth set (written by a thirteenth person who never saw the engine):"
	$(PY) -m index.cli eval-docs tests/data/policies/heldout13 $(QUESTIONS) tests/data/eval_policies_heldout13.jsonl $(EVAL_ARGS)
	@echo "held out, fourteenth set (written by a fourteenth person who never saw the engine):"
	$(PY) -m index.cli eval-docs tests/data/policies/heldout14 $(QUESTIONS) tests/data/eval_policies_heldout14.jsonl $(EVAL_ARGS)
	@echo "held out, fifteenth set (written by a fifteenth person who never saw the engine):"
	$(PY) -m index.cli eval-docs tests/data/policies/heldout15 $(QUESTIONS) tests/data/eval_policies_heldout15.jsonl $(EVAL_ARGS)
	@echo "held out, sixteenth set (written by a sixteenth person who never saw the engine):"
	$(PY) -m index.cli eval-docs tests/data/policies/heldout16 $(QUESTIONS) tests/data/eval_policies_heldout16.jsonl $(EVAL_ARGS)
	@echo "held out, seventeenth set (written by a seventeenth person who never saw the engine):"
	$(PY) -m index.cli eval-docs tests/data/policies/heldout17 $(QUESTIONS) tests/data/eval_policies_heldout17.jsonl $(EVAL_ARGS)
	@echo "held out, eighteenth set (written by an eighteenth person who never saw the engine):"
	$(PY) -m index.cli eval-docs tests/data/policies/heldout18 $(QUESTIONS) tests/data/eval_policies_heldout18.jsonl $(EVAL_ARGS)
	@echo "held out, nineteenth set (written by a nineteenth person who never saw the engine):"
	$(PY) -m index.cli eval-docs tests/data/policies/heldout19 $(QUESTIONS) tests/data/eval_policies_heldout19.jsonl $(EVAL_ARGS)
	@echo "held out, twentieth set (written by a twentieth person who never saw the engine):"
	$(PY) -m index.cli eval-docs tests/data/policies/heldout20 $(QUESTIONS) tests/data/eval_policies_heldout20.jsonl $(EVAL_ARGS)
	@echo "held out, twenty-first set (written by a twenty-first person who never saw the engine):"
	$(PY) -m index.cli eval-docs tests/data/policies/heldout21 $(QUESTIONS) tests/data/eval_policies_heldout21.jsonl $(EVAL_ARGS)

eval-chat: .venv/.stamp
	$(PY) -m web.tools.evalchat eval $(QUESTIONS) --url $(URL)

# these talk to Rasa directly too (the bare-Rasa baseline): they need the channel token from var/secrets.env
bench-chat: setup index model
	. scripts/secrets.sh && $(PY) -m web.tools.evalchat bench $(QUESTIONS)

# EVAL_ARGS e.g. "--failures" (transcripts of failed sessions), "--seed 8 --sessions 400", "--only s01 r0042"
eval-dialogue: .venv/.stamp
	$(PY) -m web.tools.evaldialogue eval --url $(URL) $(EVAL_ARGS)

# LOAD_ARGS e.g. "--sweep" (sessions one stack holds before p95 passes 1.5 s), "--sessions 40 --seconds 120"
load: setup index model
	. scripts/secrets.sh && $(PY) -m web.tools.evaldialogue load --url $(URL) $(LOAD_ARGS)

# bad input to every public endpoint, forged internal calls, replayed 诉速办 callbacks, PII at rest (docs/security.md);
# needs the tokens from var/secrets.env. SECURITY_ARGS e.g. "--no-replays" (files no probe ticket)
security: .venv/.stamp
	. scripts/secrets.sh && $(PY) -m web.tools.security_probe --url $(URL) $(SECURITY_ARGS)

lint: .venv/.stamp
	.venv/bin/ruff check .

versions: .venv/.stamp
	$(PY) -m index.cli versions

rollback: .venv/.stamp
	$(PY) -m index.cli rollback

clean:
	rm -rf var/index var/rasa var/app.db* test-artifacts .pytest_cache models

# Two commands on a fresh machine: `make run` and `make test`. Everything else is a building block.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY311 ?= python3
PY310 ?= $(shell PYENV_VERSION=3.10.13 pyenv which python 2>/dev/null || command -v python3.10)
PY := .venv/bin/python
SHARED_DEV := ../shared/eval/dev.jsonl
QUESTIONS ?= $(if $(wildcard $(SHARED_DEV)),$(SHARED_DEV),tests/data/eval_extra.jsonl)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help setup index run test eval bench lint versions rollback clean

help:
	@echo "make run    - set up if needed, build the index, start the services, print the URLs"
	@echo "make test   - set up if needed and run every test"
	@echo "make eval QUESTIONS=file.jsonl - retrieval quality (last line: JSON summary)"
	@echo "make bench [QUESTIONS=…]       - engine vs BM25-only vs dense-only, latency, build time, RSS"
	@echo "make lint | versions | rollback | clean"

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

setup: .venv/.stamp .venv-rasa/.stamp

index: .venv/.stamp
	$(PY) -m index.cli build --if-changed

run: setup index
	scripts/run.sh

test: setup index
	$(PY) -m pytest

eval: .venv/.stamp index
	$(PY) -m index.cli eval $(QUESTIONS)

bench: .venv/.stamp index
	$(PY) -m index.cli bench $(QUESTIONS)

lint: .venv/.stamp
	.venv/bin/ruff check .

versions: .venv/.stamp
	$(PY) -m index.cli versions

rollback: .venv/.stamp
	$(PY) -m index.cli rollback

clean:
	rm -rf var/index test-artifacts .pytest_cache

# The two commands of IOP Ops (see README.md). The work is done by scripts/, which share their
# setup steps in scripts/bootstrap.sh.
SHELL := /bin/bash

.PHONY: run test

## run: install, migrate, seed the demo, and run web + Celery worker + Celery beat (Ctrl-C stops)
run:
	@bash scripts/run.sh

## test: install what the tests need and run the whole suite (PYTEST_ARGS="..." to narrow it)
test:
	@bash scripts/test.sh $(PYTEST_ARGS)

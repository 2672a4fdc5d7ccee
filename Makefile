# The two commands of IOP Ops (see README.md). The work is done by scripts/, which share their
# setup steps in scripts/bootstrap.sh.
SHELL := /bin/bash

.PHONY: run test bench backup restore

## run: install, migrate, seed the demo, and run web + Celery worker + Celery beat (Ctrl-C stops)
run:
	@bash scripts/run.sh

## test: install what the tests need and run the whole suite (PYTEST_ARGS="..." to narrow it)
test:
	@bash scripts/test.sh $(PYTEST_ARGS)

## bench: the performance harness (bench/README.md): pages beside the floor at demo size and 10x (BENCH_ARGS="...")
bench:
	@bash scripts/bench.sh $(or $(BENCH_ARGS),--scale 1 --scale 10)

## backup: the app database in pg_dump's custom format (BACKUP=file, else var/backups/<db>-<time>.dump)
backup:
	@bash scripts/backup.sh $(BACKUP)

## restore: a backup into the app database (BACKUP=file; IOP_DB_NAME=other, REPLACE=1 to drop an existing one)
restore:
	@bash scripts/restore.sh $(BACKUP)

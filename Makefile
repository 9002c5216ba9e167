# The two commands that do everything on a fresh machine:
#   make demo   - installs what is missing, trains the tiny model on the embedded data set, prints metrics
#   make test   - installs what is missing, runs lint/format checks and the test suite
.PHONY: setup demo test lint bench

setup:
	@bash scripts/setup.sh

demo: setup
	node dist/src/cli/main.js demo

test: setup
	npm run lint --silent
	node --test --test-concurrency=1 dist/test/

bench: setup
	node dist/bench/main.js $(filter-out $@,$(MAKECMDGOALS))

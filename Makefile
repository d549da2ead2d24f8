# rightsdesk: the two commands are `make run` and `make test`.
GO        ?= go
BIN       := bin/rightsdesk
STATICCHECK := $(shell $(GO) env GOPATH)/bin/staticcheck
TEST_TIMEOUT ?= 20m

.PHONY: help run build test test-fault test-fuzz test-mta lint bench bench-check clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

run: build ## start the product on the embedded default (private PostgreSQL, mail catcher, seed data)
	@scripts/deps.sh run
	$(BIN) serve

build: ## build the binary
	$(GO) build -o $(BIN) ./cmd/rightsdesk

test: ## run every test (race detector on), then the linters
	@scripts/deps.sh test
	$(GO) vet ./...
	$(GO) test -race -timeout $(TEST_TIMEOUT) -count=1 ./...
	@$(MAKE) --no-print-directory bench-check
	@$(MAKE) --no-print-directory lint

# bench-check runs every benchmark once (BenchmarkDemoScale at 20k) through
# benchreport, so a benchmark that fails or lacks its baseline fails make
# test, not the next make bench (it did: docs/scale.md 22). About 2 minutes.
bench-check: ## every benchmark once, each with its baseline (part of make test)
	@mkdir -p var/bench
	@echo "go test -bench . -benchtime=1x ./... | benchreport (output: var/bench/check.txt)"
	@DEMO_BENCH_CASES=20000 DEMO_BENCH_EXPLAIN=$(CURDIR)/var/bench/check-explain.txt $(GO) test -run '^$$' -bench . -benchmem -benchtime=1x -timeout 15m ./... 2>&1 \
		| $(GO) run ./scripts/benchreport > var/bench/check.txt 2>&1 \
		|| { tail -n 60 var/bench/check.txt; echo "bench-check failed: var/bench/check.txt"; exit 1; }

# FAULT_MAIL_OUTAGE: how long fault test (3) keeps the mail server down. make test-fault
# uses the issue's 2m (that test then takes about 2m45s here, the four together about 3 min;
# retries back off to at most 5 min, so in the worst case the last mails need up to another
# outage's length); make test runs the same test with the test's own default of 30s, as a
# 2-minute wait in every make test run would be too long.
FAULT_MAIL_OUTAGE ?= 2m

test-fault: ## fault tests against the real binary (kill -9 of server and database, mail outage, two instances), with their counts (also part of make test)
	@scripts/deps.sh test
	FAULT_MAIL_OUTAGE=$(FAULT_MAIL_OUTAGE) $(GO) test -count=1 -timeout 20m -run '^TestFault' -v ./cmd/rightsdesk/

FUZZTIME ?= 20s
FUZZ_TARGETS := ./api:FuzzEdgeForm ./api:FuzzTypedCode ./api:FuzzIdempotencyKey ./internal/store:FuzzParseReceipt \
	./internal/pdf:FuzzParseExtract ./internal/mail:FuzzParseReceived ./registers:FuzzParse ./workflow:FuzzParseHetu

test-fuzz: ## run each fuzz target for FUZZTIME (default 20s); their seed corpora run in make test
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t#*:} ($${t%%:*}, $(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) "$${t%%:*}"; \
	done

test-mta: ## rightsdesk against a private Postfix on 127.0.0.1 (root; installs postfix; MTA_OUTAGE=2m)
	scripts/test-mta.sh

lint: ## gofmt, go vet, staticcheck
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt would change:"; gofmt -l .; exit 1; }
	$(GO) vet ./...
	@test -x $(STATICCHECK) || $(GO) install honnef.co/go/tools/cmd/staticcheck@v0.8.2
	$(STATICCHECK) ./...

# BENCH_SCALE: how many cases BenchmarkDemoScale grows its database to
# (issue 21; default 200000 keeps make bench short). make bench
# BENCH_SCALE=1000000 measures the dashboard and intake at 1M against 10k
# (-timeout 0; the whole make bench took 9 minutes here at 1M, load.sh
# included: docs/scale.md 22).
bench: ## benchmarks, reported against a baseline measured in the same run (BENCH_SCALE=1000000 for the 1M dashboard)
	@scripts/deps.sh run
	@$(MAKE) --no-print-directory build
	DEMO_BENCH_CASES=$(BENCH_SCALE) $(GO) test -run '^$$' -bench . -benchmem -timeout $(if $(BENCH_SCALE),0,10m) -count=$(or $(BENCH_COUNT),1) -benchtime=$(or $(BENCHTIME),1s) ./... | $(GO) run ./scripts/benchreport
	scripts/load.sh

clean: ## remove build output (keeps ./var, the embedded database)
	rm -rf bin

# ticklake: see README.md for every target.
GOARCH ?= arm64
FUNCTIONS := producer consumer crawlertrigger topicinit compactor
# Largest deployment zip accepted, in bytes.
MAX_ZIP := 10000000
# The CDK's Node.js runtime (jsii) warns on Node 20 at every call otherwise.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
CDK := node_modules/.bin/cdk

.PHONY: build test bench run serve clean lint synth diff deploy destroy chromium FORCE
.SECONDARY:

## build: cross-compile each Lambda function to build/<fn>/bootstrap and zip it to build/<fn>.zip
build: $(FUNCTIONS:%=build/%.zip)

# go build decides what is stale, so the binaries are always handed to it (FORCE).
build/%/bootstrap: FORCE
	@mkdir -p $(@D)
	CGO_ENABLED=0 GOOS=linux GOARCH=$(GOARCH) go build -tags lambda.norpc -trimpath -ldflags='-s -w' -o $@ ./functions/$*

build/%.zip: build/%/bootstrap
	@go run ./internal/lambdazip -max $(MAX_ZIP) $< $@

# The CDK CLI, asl-validator and the Trino SQL parser, as package-lock.json pins them.
node_modules: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

## run: the whole pipeline on this machine for 30 s, then the analytics (see local/)
run:
	go run ./local run

## serve: the local stack, kept up: one AWS endpoint on :4566 and Kafka on :9092
serve:
	go run ./local serve

## test: vet, and every test (the fuzz targets' seed corpora included), offline: under the race
## detector, but for the CDK app (infra/)
# infra/'s tests drive the CDK's jsii process bridge from one goroutine, with no concurrency of ours:
# -race there only rebuilds the generated CDK bindings instrumented (measured on a cold cache, after
# vet: 277 s for go test -race ./infra, 49 s for go test ./infra, which reuses vet's build) and
# finds nothing.
test: node_modules chromium
	go vet ./...
	go test -race $$(go list ./... | grep -v '/infra$$')
	go test ./infra

# The report's test renders it in headless Chromium: installed where that is plainly possible (root on
# Debian or Ubuntu, as in CI or a container), else the test run stops at once, naming the command.
CHROMIUM ?= chromium
chromium:
	@command -v $(CHROMIUM) >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Chromium (apt-get install chromium)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "make test needs Chromium: install it with 'sudo apt-get install chromium' (Debian, Ubuntu) or 'brew install --cask chromium' (macOS), then run make test again" >&2; \
	    exit 1; \
	  fi; }

## bench: every benchmark, one core and two
bench:
	go test -run '^$$' -bench . -benchmem -cpu 1,2 ./...

## lint: formatting and vet
lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	go vet ./...

## synth, diff, deploy, destroy: the CDK app (infra/) with the functions built for arm64
synth: build node_modules
	$(CDK) synth
diff: build node_modules
	$(CDK) diff
deploy: build node_modules
	$(CDK) deploy
destroy: node_modules
	$(CDK) destroy

clean:
	rm -rf build cdk.out .ticklake

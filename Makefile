# ticklake: see README.md for every target.
GOARCH ?= arm64
FUNCTIONS := producer consumer crawlertrigger topicinit
# Largest deployment zip accepted, in bytes.
MAX_ZIP := 6000000

.PHONY: build test bench clean lint FORCE
.SECONDARY:

## build: cross-compile each Lambda function to build/<fn>/bootstrap and zip it to build/<fn>.zip
build: $(FUNCTIONS:%=build/%.zip)

# go build decides what is stale, so the binaries are always handed to it (FORCE).
build/%/bootstrap: FORCE
	@mkdir -p $(@D)
	CGO_ENABLED=0 GOOS=linux GOARCH=$(GOARCH) go build -tags lambda.norpc -trimpath -ldflags='-s -w' -o $@ ./functions/$*

build/%.zip: build/%/bootstrap
	@go run ./internal/lambdazip -max $(MAX_ZIP) $< $@

## test: vet and every test (the fuzz targets' seed corpora included)
test:
	go vet ./...
	go test ./...

## bench: every benchmark, one core and two
bench:
	go test -run '^$$' -bench . -benchmem -cpu 1,2 ./...

## lint: formatting and vet
lint:
	@test -z "$$(gofmt -l .)" || { gofmt -l .; exit 1; }
	go vet ./...

clean:
	rm -rf build

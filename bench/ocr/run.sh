#!/bin/sh
# make bench-ocr: benchmark aisd's OCR pipeline against tesseract and
# @gutenye/ocr-node on the same images; writes docs/benchmarks.md.
# Needs the models (aisd models install), node/npm for the Node peer and
# Debian's tesseract-ocr + tesseract-ocr-chi-sim for the CLI peer; peers
# that are missing are reported as skipped. Extra arguments go to bench-ocr
# (e.g. -reps 3 -peers aisd).
set -eu
cd "$(dirname "$0")/../.."

node_dir=${AISD_BENCH_NODE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/aisd/bench-ocr}
if command -v npm >/dev/null 2>&1 && [ ! -d "$node_dir/node_modules/@gutenye/ocr-node" ]; then
	mkdir -p "$node_dir"
	[ -f "$node_dir/package.json" ] || echo '{"private":true}' >"$node_dir/package.json"
	# onnxruntime-node's install script only fetches GPU add-ons; the CPU
	# library ships in the package.
	(cd "$node_dir" && npm install --ignore-scripts --no-audit --no-fund @gutenye/ocr-node@1.4.8)
fi

# The tesseract peer, from Debian, when we may install it.
if ! command -v tesseract >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	apt-get install -y -qq tesseract-ocr tesseract-ocr-chi-sim >/dev/null 2>&1 ||
		(apt-get update -qq >/dev/null && apt-get install -y -qq tesseract-ocr tesseract-ocr-chi-sim >/dev/null) ||
		echo "bench-ocr: could not install tesseract; its peer is skipped"
fi

mkdir -p bin
go build -o bin/bench-ocr ./bench/ocr
exec bin/bench-ocr -node-dir "$node_dir" "$@"

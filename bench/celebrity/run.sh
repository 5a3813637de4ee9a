#!/bin/sh
# Celebrity recognition (identification accuracy, time per image) and
# recapture detection (scores of originals and simulated screen shots) on the
# six group photos (22 faces) that the npm package @vladmandic/face-api
# ships as demo images. Usage: bench/celebrity/run.sh (needs npm and the
# installed models: make models).
set -eu
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent @vladmandic/face-api@1.7.15 >/dev/null && tar xzf vladmandic-face-api-1.7.15.tgz package/demo)
export AISD_FACE_SAMPLES="$tmp/package/demo"
go test ./internal/services/imagerec -run '^(TestCelebrityAccuracyReport|TestRecaptureReport)$' -v -count=1 | grep -E 'celebrity_bench_test|^(ok|FAIL|---)'
go test ./internal/services/imagerec -run '^$' -bench 'BenchmarkCelebrityRecognition|BenchmarkFaceDetect' -benchtime 20x -count 1

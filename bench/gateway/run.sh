#!/usr/bin/env bash
# make bench-gateway: aisd's gateway side by side with nginx in one run, on
# loopback, with wrk (Debian packages wrk and nginx-light; installed when
# missing and we are root). Three paths:
#   throttled  SDK-signed call over the rate limit (APIG.0308)  vs nginx limit_req 429 with the same JSON body
#   badsig     SDK-signed call with a wrong signature (APIG.0301) vs the same nginx 429 path
#   accepted   SDK-signed text moderation of a short text (200)  vs nginx serving a static file
# Writes docs/benchmarks-gateway.md. ROUNDS (interleaved rounds, medians
# reported), DURATION (of each wrk run), CONNS and THREADS tune it.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-5s}; CONNS=${CONNS:-32}; THREADS=${THREADS:-1}; ROUNDS=${ROUNDS:-5}
# Equal footing: nginx runs one worker, so every server gets one CPU (and Go
# one P: GOMAXPROCS=1) and wrk another. Unpinned, a Go server with a P per
# CPU and wrk are three busy threads on two CPUs, and the scheduler's time
# slices, not the servers, set the p99. PIN=0 runs everything unpinned.
if [ "${PIN:-1}" = 1 ] && [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
  srv=(env GOMAXPROCS=1 taskset -c 1); cli=(taskset -c 0)
else
  srv=(); cli=()
fi
for pair in wrk:wrk nginx:nginx-light; do
  cmd=${pair%%:*}; pkg=${pair##*:}
  if ! command -v "$cmd" >/dev/null && ! [ -x "/usr/sbin/$cmd" ]; then
    if [ "$(id -u)" = 0 ]; then apt-get install -y -qq "$pkg" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$pkg" >/dev/null; }
    else echo "bench-gateway: install $pkg" >&2; exit 1; fi
  fi
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; rm -rf "$work"' EXIT
go build -o "$work/aisd" ./cmd/aisd
go build -o "$work/sign" ./bench/gateway/sign
go build -o "$work/floor" ./bench/gateway/floor
"${srv[@]}" "$work/floor" -addr 127.0.0.1:18091 &
floor_pid=$!

export AISD_ROOT_AK=BENCHROOTAK000000001 AISD_ROOT_SK=benchRootSecretKey000000000000000000001
AISD_ADDR=127.0.0.1:18080 AISD_S3_ADDR=127.0.0.1:18082 AISD_MODELS_DIR=${AISD_MODELS_DIR:-$PWD/models} AISD_DATA_DIR="$work/data" AISD_RATE_LIMIT=1 AISD_ENGINES=moderation AISD_LOG_LEVEL=warn \
  "${srv[@]}" "$work/aisd" serve >"$work/aisd.log" 2>&1 &
aisd_pid=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:18080/healthz >/dev/null && break; sleep 0.2; done
ep=http://127.0.0.1:18080
pid=$(sed -n 's/.*project[_ ]id[^0-9a-f]*\([0-9a-f]\{32\}\).*/\1/p' "$work/aisd.log" | head -n1)
[ -n "$pid" ] || { echo "bench-gateway: no project id in the server's output" >&2; cat "$work/aisd.log" >&2; exit 1; }
# The accepted path must not be throttled; the throttled one stays at 1/min.
AISD_ENDPOINT=$ep "$work/aisd" admin project set "$pid" ratelimit.RunTextModeration 1000000000 >/dev/null

cat >"$work/nginx.conf" <<NGX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 1024; }
http {
  access_log off;
  limit_req_zone \$binary_remote_addr zone=z:1m rate=1r/m;
  server {
    listen 127.0.0.1:18090;
    # try_files, not return: return answers in the rewrite phase, before
    # limit_req (preaccess) ever runs, so the 429 would never be sent.
    location /throttled { limit_req zone=z nodelay; limit_req_status 429; error_page 429 = @apig0308; root $work/www; try_files /static/ok.json =404; }
    location @apig0308 { default_type application/json; add_header X-Request-Id \$request_id always;
      return 429 '{"error_code":"APIG.0308","error_msg":"The throttling threshold has been reached: policy user over ratelimit,limit:1,time:1 minute","request_id":"\$request_id"}'; }
    location /static { default_type application/json; root $work/www; }
  }
}
NGX
mkdir -p "$work/www/static"; echo '{"result":{"suggestion":"pass"}}' >"$work/www/static/ok.json"
"${srv[@]}" "$NGINX" -c "$work/nginx.conf"
sleep 0.5

# CPU time (user+sys, clock ticks) of the server answering a run: the
# machine may be shared, so wall-clock rates are read next to CPU per request.
nginx_pids() { local m; m=$(cat "$work/nginx.pid"); echo "$m $(ps -o pid= --ppid "$m")"; }
ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done; echo "$t"; }
settle() { # pids: wait (at most 30 s) until they use under 3 % of a CPU, then print their ticks
  local a b i
  b=$(ticks "$@")
  for i in $(seq 100); do
    sleep 0.3; a=$b; b=$(ticks "$@")
    [ $((b - a)) -le 1 ] && break
  done
  echo "$b"
}
run() { # name server(aisd|nginx) url method body [headers-file]
  local hdrs=() pids
  if [ -n "${6:-}" ]; then while IFS= read -r l; do hdrs+=(-H "$l"); done <"$6"; fi
  case $2 in aisd) pids=$aisd_pid ;; floor) pids=$floor_pid ;; *) pids=$(nginx_pids) ;; esac
  local t0 t1
  t0=$(ticks $pids)
  WRK_METHOD=$4 WRK_BODY=$5 "${cli[@]}" wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s bench/gateway/post.lua "${hdrs[@]}" "$3" >"$work/$1.txt"
  # A server may finish a run's work after wrk stops (aisd's usage meter
  # writes the accepted calls' records in batches): wait until it is idle,
  # so that work is counted in this run's CPU, not charged to the next run.
  t1=$(settle $pids)
  local rps p99 n cpu
  rps=$(awk '/^Requests\/sec/{print $2}' "$work/$1.txt")
  p99=$(awk '$1=="99%"{print $2}' "$work/$1.txt")
  n=$(awk '/requests in/{print $1}' "$work/$1.txt")
  # µs of server CPU per request
  cpu=$(awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v n="$n" 'BEGIN{printf "%.1f", t*1e6/hz/n}')
  echo "$rps $p99 $cpu"
}
tm='{"event_type":"comment","data":{"text":"hello world"}}'
"$work/sign" -url "$ep/v2/$pid/ocr/general-text" -body '{"url":"https://example.com/a.png"}' >"$work/h-throttled"
"$work/sign" -url "$ep/v2/$pid/ocr/general-text" -body '{"url":"https://example.com/a.png"}' -corrupt >"$work/h-badsig"
"$work/sign" -url "$ep/v3/$pid/moderation/text" -body "$tm" >"$work/h-accepted"
# Each path must answer what it is meant to measure, or the rates mean nothing.
check() { # url body headers-file want-status
  local hdrs=() code
  while IFS= read -r l; do hdrs+=(-H "$l"); done <"$3"
  code=$(curl -s -o "$work/check.json" -w '%{http_code}' -X POST "${hdrs[@]}" --data-binary "$2" "$1")
  [ "$code" = "$4" ] || { echo "bench-gateway: $1 answered $code, not $4: $(cat "$work/check.json")" >&2; exit 1; }
}
check "$ep/v3/$pid/moderation/text" "$tm" "$work/h-accepted" 200
# nginx's peer path must refuse too (its one call a minute used up here).
curl -s -o /dev/null http://127.0.0.1:18090/throttled
code=$(curl -s -o "$work/check.json" -w '%{http_code}' http://127.0.0.1:18090/throttled)
[ "$code" = 429 ] || { echo "bench-gateway: nginx /throttled answered $code, not 429" >&2; exit 1; }
check "$ep/v2/$pid/ocr/general-text" '{"url":"https://example.com/a.png"}' "$work/h-badsig" 401
# What the accepted path answers after its run (a rate that was not all 200s is reported).
after_accepted() { # run before the bad signatures lock the AK
  local hdrs=()
  while IFS= read -r l; do hdrs+=(-H "$l"); done <"$work/h-accepted"
  curl -s -w ' (status %{http_code})' -X POST "${hdrs[@]}" --data-binary "$tm" "$ep/v3/$pid/moderation/text"
}
# Rounds, not one long run per server: a shared machine's speed drifts by
# half within a minute (the Go floor alone measured 32 k and then 47 k req/s
# in consecutive runs), so one run of each side measures the host as much
# as the servers. Each round runs the peers back to back, in an order that
# alternates between rounds, and the figures reported are the medians over
# rounds of each ratio taken within its round.
: >"$work/rounds"
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then order="aisd nginx floor"; else order="floor nginx aisd"; fi
  for who in $order; do
    case $who in
      aisd) read -r a1 l1 c1 < <(run aisd-throttled-$r aisd "$ep/v2/$pid/ocr/general-text" POST '{"url":"https://example.com/a.png"}' "$work/h-throttled") ;;
      nginx) read -r n1 m1 d1 < <(run nginx-throttled-$r nginx "http://127.0.0.1:18090/throttled" GET "") ;;
      # The Go floor gets the same signed POST, headers and body as aisd's throttled path.
      floor) read -r f1 g1 e1 < <(run floor-throttled-$r floor "http://127.0.0.1:18091/v2/$pid/ocr/general-text" POST '{"url":"https://example.com/a.png"}' "$work/h-throttled") ;;
    esac
  done
  if [ $((r % 2)) = 1 ]; then order="aisd nginx"; else order="nginx aisd"; fi
  for who in $order; do
    case $who in
      aisd) read -r a3 l3 c3 < <(run aisd-accepted-$r aisd "$ep/v3/$pid/moderation/text" POST "$tm" "$work/h-accepted") ;;
      nginx) read -r n3 m3 d3 < <(run nginx-static-$r nginx "http://127.0.0.1:18090/static/ok.json" GET "") ;;
    esac
  done
  echo "$r $a1 $l1 $c1 $n1 $m1 $d1 $f1 $g1 $e1 $a3 $l3 $c3 $n3 $m3 $d3" >>"$work/rounds"
done
accepted_after=$(after_accepted)
# Last: wrong signatures lock the AK after a few failures (APIG.0301 "AK
# access failed to reach the limit"), so after this run the AK answers 401
# until the lock expires, and most of this run measures the locked answer.
# One run, beside the first round's nginx limit_req figures.
read -r a2 l2 c2 < <(run aisd-badsig aisd "$ep/v2/$pid/ocr/general-text" POST '{"url":"https://example.com/a.png"}' "$work/h-badsig")

# ms of a wrk latency (e.g. 812.00us, 3.65ms, 1.02s).
ms() { awk -v v="$1" 'BEGIN{u=v; sub(/[0-9.]+/,"",u); n=v+0; if(u=="us")n/=1000; else if(u=="s")n*=1000; printf "%.2f", n}'; }
# median of the numbers on stdin, one per line
median() { sort -g | awk '{v[NR]=$1} END{if(NR%2)printf "%.2f", v[(NR+1)/2]; else printf "%.2f", (v[NR/2]+v[NR/2+1])/2}'; }
col() { awk -v c="$1" '{print $c}' "$work/rounds" | while read -r v; do case $v in *s) ms "$v"; echo ;; *) echo "$v" ;; esac; done | median; }
rcol() { awk -v a="$1" -v b="$2" '{printf "%.3f\n", $a/$b}' "$work/rounds" | median; }
list() { awk -v a="$1" -v b="$2" '{printf "%s%.2f", (NR>1?", ":""), $a/$b}' "$work/rounds"; }
status() { cat "$work"/$1*.txt | awk '/Non-2xx/{n+=$NF} END{print n+0}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
out=${OUT:-docs/benchmarks-gateway.md}
{
  echo "# Gateway benchmark"
  echo
  echo "Generated by \`make bench-gateway\` (bench/gateway/run.sh) on $(date -u +%Y-%m-%d), $(nproc) CPUs, loopback, aisd, nginx and the Go floor started by the script in the same run: $ROUNDS rounds, each running every server of a path back to back (wrk -t$THREADS -c$CONNS -d$DURATION each) in an order that alternates between rounds. Figures are medians over the rounds; a ratio is taken within each round, then its median reported. Each aisd request is signed by the official SDK's signer (bench/gateway/sign) and replayed."
  echo
  echo "Placement: $([ ${#srv[@]} -gt 0 ] && echo "each server on CPU 1 (nginx one worker, the Go servers GOMAXPROCS=1), wrk on CPU 0" || echo "unpinned (PIN=0 or under 2 CPUs)"). Machine load after the run (1/5/15 min): $(cut -d' ' -f1-3 /proc/loadavg). CPU µs/req is the server process's user+sys time over a run divided by the requests answered (nginx: master and worker), which a shared machine disturbs less than the rates; the CPU ratio is nginx's CPU per request over aisd's."
  echo
  echo "| path | aisd req/s | aisd p99 (ms) | aisd CPU µs/req | peer | peer req/s | peer p99 (ms) | peer CPU µs/req | aisd / peer (rate) | aisd / peer (CPU) |"
  echo "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |"
  echo "| signed + throttled (APIG.0308, 429) | $(col 2) | $(col 3) | $(col 4) | nginx limit_req 429, same JSON body | $(col 5) | $(col 6) | $(col 7) | **$(rcol 2 5)** | $(rcol 7 4) |"
  echo "| bad signature (APIG.0301, 401), one run | $a2 | $(ms "$l2") | $c2 | nginx limit_req 429 (last round) | $n1 | $(ms "$m1") | $d1 | $(ratio "$a2" "$n1") | $(ratio "$d1" "$c2") |"
  echo "| accepted text moderation (200) | $(col 11) | $(col 12) | $(col 13) | nginx static file | $(col 14) | $(col 15) | $(col 16) | **$(rcol 11 14)** | $(rcol 16 13) |"
  echo
  echo "Per round, throttled reject × nginx's rate: $(list 2 5); accepted × nginx's static file: $(list 11 14). aisd's throttled p99 per round (ms): $(awk '{printf "%s%s", (NR>1?", ":""), $3}' "$work/rounds")."
  echo
  echo "The Go floor (bench/gateway/floor: Go's net/http server answering the same 429 body to the same signed POST, with no work behind it): $(col 8) req/s, p99 $(col 9) ms, $(col 10) CPU µs/req — $(rcol 8 5)× nginx's limit_req rate; aisd's throttled reject runs at $(rcol 2 8)× the floor's rate (per round: $(list 2 8))."
  echo
  echo "Non-2xx answers: aisd throttled $(status aisd-throttled), bad signature $(status aisd-badsig), accepted $(status aisd-accepted); nginx throttled $(status nginx-throttled)."
  echo
  echo "The accepted path after its runs answered: \`$accepted_after\`."
  echo
  echo "Reproduce: \`make bench-gateway\` (or \`ROUNDS=9 DURATION=10s CONNS=64 bash bench/gateway/run.sh\`)."
  # The reading of the figures is kept by hand next to the script's table.
  if [ -f docs/benchmarks-gateway-notes.md ]; then echo; cat docs/benchmarks-gateway-notes.md; fi
} >"$out"
cat "$out"

#!/usr/bin/env bash
# County scale, end to end: makes a bundle of FAMILIES generated families,
# loads it (the whole pipeline, timed stage by stage), serves the stored
# load (launch to first answer, without linking again), and drives the API
# with wrk (installed if missing), printing a markdown table.
#
#   benches/county_scale.sh [FAMILIES] [SECONDS]     (defaults 100000, 8)
#
# Uses target/release/famgraph (CARGO_TARGET_DIR respected), building it
# if absent. Everything it writes goes in a temporary folder, removed at
# the end unless KEEP=1. The server and wrk share the machine's cores, so
# the request rates are floors; report them with the machine they ran on.
set -euo pipefail
cd "$(dirname "$0")/.."

families="${1:-100000}"
seconds="${2:-8}"
target="${CARGO_TARGET_DIR:-target}"
bin="$target/release/famgraph"
if [ ! -x "$bin" ]; then
    cargo build --release
fi
if ! command -v wrk >/dev/null; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
fi

work="$(mktemp -d)"
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null || true
    [ "${KEEP:-0}" = 1 ] && echo "kept: $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

# Seconds and peak MiB of one famgraph run, its stage times in $work/log.
timed() {
    /usr/bin/time -f "%e %M" -o "$work/time" env FAMGRAPH_LOG=info "$bin" "$@" >/dev/null 2>"$work/log"
    read -r secs kib <"$work/time"
    echo "$secs $((kib / 1024))"
}

echo "generating $families families..." >&2
"$bin" synth --families "$families" --seed 1 --out "$work/bundle" --truth "$work/truth" >/dev/null
records=$(($(wc -l <"$work/bundle/people.csv") - 1))

echo "loading..." >&2
read -r load_s load_mib < <(timed load "$work/bundle" --db "$work/load.duckdb")
# Each stage's time as famgraph logged it when the stage ended.
stages=$(sed -n 's/.*INFO \(.*\): [a-z_:]*: close time.busy=\([^ ]*\).*/\1 \2/p' "$work/log" |
    sed 's/{[^}]*}//g' | paste -sd ';' | sed 's/;/; /g')

# The load's writes reach the disk before serving starts, as they would
# between a night's load and the day's meeting: otherwise the first
# round's audit syncs wait behind the load's writeback.
sync

echo "serving..." >&2
"$bin" token add --tokens "$work/tokens" --name bench --role coordinator >"$work/token" 2>/dev/null
token="$(grep -o 'fg_[0-9a-f]*' "$work/token" | head -1)"
port=$((20000 + RANDOM % 20000))
start=$(date +%s.%N)
"$bin" serve --db "$work/load.duckdb" --addr "127.0.0.1:$port" --tokens "$work/tokens" \
    --audit "$work/audit.jsonl" --state "$work/state" --requests-per-minute 0 >/dev/null 2>"$work/serve.log" &
server=$!
until curl -sf -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/families?limit=1"; do
    kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
    sleep 0.1
done
launch_s=$(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)")
serve_mib=$(($(ps -o rss= -p "$server") / 1024))
# In its first seconds the server builds its search index and review
# queue in the background (about a second of one core at 738,000
# records): the rounds start after it, as a meeting's would.
sleep 5
family=$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/families?limit=1" |
    grep -o '"family_id":"[^"]*"' | head -1 | cut -d'"' -f4)

# 200 families from the shortlist's first pages, for a request that
# goes round them as a meeting would.
curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/families?limit=200&fields=family_id" |
    grep -o '"family_id":"[^"]*"' | cut -d'"' -f4 >"$work/families"
{
    echo 'ids = {}'
    while read -r id; do echo "ids[#ids + 1] = \"$id\""; done <"$work/families"
    echo 'n = 0'
    echo 'request = function() n = n + 1; return wrk.format(nil, "/api/v1/families/" .. ids[n % #ids + 1]) end'
} >"$work/rotate.lua"

# Requests per second and p99 of one endpoint under 64 connections (the
# second argument: a wrk script; GZIP=1 asks for gzip, as a browser does).
# Each connection asks again as soon as it has its answer, so the rate is
# as many as the machine (shared with wrk) serves; with RATE=N the
# connections wait a random while between requests (benches/rate.lua),
# asking about N a second together.
drive() {
    script="${2:-}"
    [ -n "${RATE:-}" ] && script="benches/rate.lua"
    wrk -t2 -c64 -d"${seconds}s" --latency ${script:+-s "$script"} -H "Authorization: Bearer $token" \
        ${GZIP:+-H "Accept-Encoding: gzip"} "http://127.0.0.1:$port$1" ${RATE:+-- "$RATE"} >"$work/wrk"
    rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk")
    p99=$(awk '$1 == "99%" {print $2}' "$work/wrk")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/wrk")
    echo "| \`GET $1\`${2:+ (200 families in turn)}${GZIP:+, gzip}${RATE:+, asked at $RATE req/s} | ${rps} req/s | p99 ${p99} | ${non2xx:-0} errors |"
}

echo
echo "famgraph at $families generated families ($records records), $(nproc) cores, $(date -u +%F)"
echo
echo "| what | figure |"
echo "|---|---:|"
echo "| \`famgraph load\` (whole pipeline) | ${load_s} s, ${load_mib} MiB peak |"
echo "| \`serve --db\` launch to first answer | ${launch_s} s, ${serve_mib} MiB resident |"
size() { curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port$1" | wc -c; }
echo "| the first family's answer | $(size "/api/v1/families/$family") bytes, $(size "/api/v1/families/$family?explain=links") with \`?explain=links\` |"
echo
echo "Load stages (as logged): ${stages}"
echo
echo "| endpoint | rate | latency | |"
echo "|---|---:|---:|---:|"
drive "/api/v1/families?limit=50"
drive "/api/v1/families?limit=50&need=crime"
drive "/api/v1/families?limit=50&fields=family_id,rank,score,needs,needs_now,agencies,keyworkers_now,members,reasons,cohorts,decision"
drive "/api/v1/families/$family"
GZIP=1 drive "/api/v1/families/$family"
# As the family page asks: with every link's comparisons.
GZIP=1 drive "/api/v1/families/$family?explain=links"
drive "/api/v1/families/" "$work/rotate.lua"
GZIP=1 drive "/api/v1/families/" "$work/rotate.lua"
drive "/healthz"
# At the rate the issue measured the old build at (3,132 req/s): the
# latency a partnership's users see short of the machine's limit.
RATE=3132 drive "/api/v1/families?limit=50"
RATE=3132 drive "/api/v1/families/$family"
RATE=3132 drive "/healthz"

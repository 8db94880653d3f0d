#!/bin/sh
# End to end with the installed lucid: serve feed.csv from loopback, load it with the csv
# fetcher, scan a toy root filesystem (the toy example's plugin finds its OS and packages).
# Usage: test.sh DIR_WITH_PLUGINS   (lucid-csv.so and lucid-toy.so built there)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
plugins=$(cd "$1" && pwd)
work=$(mktemp -d /tmp/lucid-csv-example-XXXXXX)
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
cp "$here/feed.csv" "$work/"
port=$((20000 + $$ % 20000))
(cd "$work" && exec python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
server=$!
for i in $(seq 50); do
	python3 -c "import socket; socket.create_connection(('127.0.0.1', $port))" 2>/dev/null && break
	sleep 0.1
done
mkdir -p "$work/root/etc" "$work/root/var/lib/toypkg"
echo "toy 1.2" >"$work/root/etc/toy-release"
echo "toybox 1.1-2 amd64" >"$work/root/var/lib/toypkg/installed"
export LUCID_PLUGIN_PATH=$plugins
lucid --db "$work/db" update --feed "csv=http://127.0.0.1:$port/feed.csv"
lucid --db "$work/db" scan --format json "$work/root" >"$work/report.json"
python3 - "$work/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
got = sorted((v["id"], v["package"], v["fixed_in"], v["severity"]) for v in r["vulnerabilities"])
# toybox 1.1-2 is before the fix 1.1-3 (TOY-2024-0001) but after 1.0-1 (TOY-2024-0002);
# toyutils is not installed
want = [("TOY-2024-0001", "toybox", "1.1-3", "High")]
assert r["distribution"]["namespace"] == "toy:1.2", r["distribution"]
assert got == want, got
print("csv-feed: ok")
PY

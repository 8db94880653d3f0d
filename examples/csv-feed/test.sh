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
# a port the kernel picks (a fixed one may be taken), written to $work/port once listening
python3 - "$work" "$work/port" >/dev/null 2>&1 <<'PY' &
import functools, http.server, os, sys
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=sys.argv[1]))
open(sys.argv[2] + ".tmp", "w").write(str(s.server_address[1]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
s.serve_forever()
PY
server=$!
for i in $(seq 100); do
	[ -s "$work/port" ] && break
	sleep 0.05
done
port=$(cat "$work/port")
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

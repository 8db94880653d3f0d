#!/usr/bin/env python3
"""Serve a directory over HTTP on 127.0.0.1 at a port the kernel picks (no collisions with
other tests or other users of the machine), quietly.

Usage: dir_server.py DIR PORTFILE [SECONDS]   writes the port to PORTFILE (atomically), stops
       after SECONDS (default 120)
"""
import functools
import http.server
import os
import sys
import threading

root, portfile = sys.argv[1], sys.argv[2]
seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 120


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                         functools.partial(Quiet, directory=root))
server.daemon_threads = True
with open(portfile + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(portfile + ".tmp", portfile)
threading.Timer(seconds, server.shutdown).start()
server.serve_forever()

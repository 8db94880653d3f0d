#!/usr/bin/env python3
"""A loopback blob server for the API tests: serve_dir files, plus failure modes.

  GET /blobs/NAME      the file NAME of the directory (404 when absent)
  GET /status/NNN      answers HTTP status NNN
  GET /slow/SECONDS    sends headers, then nothing for SECONDS (a stalled layer download)
  GET /redirect/NAME   302 to /blobs/NAME
  POST /slowhook       the same receiver, answering 2 s late (to be killed meanwhile)
  POST /hanghook       a receiver that hangs for 60 s
  POST /hook           a webhook receiver: answers 503 to the first FAILS posts (it is "down"),
                       then 200; appends "STATUS NOTIFICATION-ID BODY" lines to DIR/hook.log
Usage: layer_server.py DIR PORTFILE [FAILS]   (binds 127.0.0.1:0, writes the port, stops
       after 300 s)
"""
import http.server
import os
import sys
import threading
import time

root, portfile = sys.argv[1], sys.argv[2]
fails = [int(sys.argv[3]) if len(sys.argv) > 3 else 0]
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        parts = self.path.split("/")
        if len(parts) == 3 and parts[1] == "blobs" and parts[2] and "/" not in parts[2]:
            path = os.path.join(root, parts[2])
            if not os.path.isfile(path):
                self.send_error(404)
                return
            data = open(path, "rb").read()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif len(parts) == 3 and parts[1] == "status":
            self.send_response(int(parts[2]))
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif len(parts) == 3 and parts[1] == "slow":
            self.send_response(200)
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            self.wfile.flush()
            time.sleep(float(parts[2]))
        elif len(parts) == 3 and parts[1] == "redirect":
            self.send_response(302)
            self.send_header("Location", "/blobs/" + parts[2])
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_error(404)

    def do_POST(self):
        if self.path == "/hanghook":
            time.sleep(60)
            return
        if self.path not in ("/hook", "/slowhook"):
            self.send_error(404)
            return
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/slowhook":
            with open(os.path.join(root, "hook.log"), "a") as log:
                log.write("received %s\n" % self.headers.get("Lucid-Notification-Id"))
            time.sleep(2)
        with lock:
            status = 503 if fails[0] > 0 else 200
            fails[0] -= 1
            with open(os.path.join(root, "hook.log"), "a") as log:
                log.write("%d %s %s\n" % (status, self.headers.get("Lucid-Notification-Id"),
                                           body.decode()))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(portfile + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(portfile + ".tmp", portfile)
threading.Timer(300, server.shutdown).start()
server.serve_forever()

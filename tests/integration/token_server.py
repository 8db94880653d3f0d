#!/usr/bin/env python3
"""A Docker registry token service for the registry tests (loopback only).

Issues RS256 JWTs in the format the distribution registry verifies ("kid" = the libtrust key
id of the signing key), signed by `openssl dgst -sha256 -sign`, to clients that send the
Basic credentials given on the command line.

Usage: token_server.py KEY.pem CERT.pem USER:PASSWORD ISSUER PORTFILE
"""
import base64
import hashlib
import http.server
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse

key, cert, userpass, issuer, portfile = sys.argv[1:6]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def libtrust_kid(cert_path):
    pub = subprocess.run(["openssl", "x509", "-in", cert_path, "-pubkey", "-noout"],
                         check=True, capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pub,
                         check=True, capture_output=True).stdout
    b32 = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
    return ":".join(b32[i:i + 4] for i in range(0, len(b32), 4))


KID = libtrust_kid(cert)
WANT = "Basic " + base64.b64encode(userpass.encode()).decode()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        if url.path != "/token":
            self.send_error(404)
            return
        if self.headers.get("Authorization") != WANT:
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        q = urllib.parse.parse_qs(url.query)
        access = []
        for scope in q.get("scope", []):
            kind, name, actions = scope.split(":")
            access.append({"type": kind, "name": name, "actions": actions.split(",")})
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "kid": KID}
        claims = {"iss": issuer, "sub": userpass.split(":")[0],
                  "aud": q.get("service", [""])[0], "exp": now + 600, "nbf": now - 10,
                  "iat": now, "jti": os.urandom(8).hex(), "access": access}
        signing = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=signing.encode(),
                             check=True, capture_output=True).stdout
        body = json.dumps({"token": signing + "." + b64url(sig), "expires_in": 600}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(portfile + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(portfile + ".tmp", portfile)
threading.Timer(600, server.shutdown).start()
server.serve_forever()

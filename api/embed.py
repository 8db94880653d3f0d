#!/usr/bin/env python3
"""Embed a text file as a C string: embed.py SYMBOL IN OUT (checks that IN is valid JSON)."""
import json
import sys

symbol, src, dst = sys.argv[1:4]
text = open(src, encoding="utf-8").read()
json.loads(text)
with open(dst, "w", encoding="utf-8") as out:
    out.write("/* generated from %s by api/embed.py */\n" % src.split("/")[-1])
    out.write("const char %s[] =\n" % symbol)
    for line in text.splitlines(True):
        esc = line.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        out.write('\t"%s"\n' % esc)
    out.write("\t;\n")

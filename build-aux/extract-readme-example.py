#!/usr/bin/env python3
"""Writes the first ```c block of README.md to a file, so the README's
example is compiled and run as a test and cannot drift from the API."""
import re
import sys

readme, output = sys.argv[1], sys.argv[2]
with open(readme, encoding="utf-8") as f:
    text = f.read()
match = re.search(r"```c\n(.*?)```", text, re.S)
if match is None:
    sys.exit("README.md has no ```c block")
with open(output, "w", encoding="utf-8") as f:
    f.write(match.group(1))

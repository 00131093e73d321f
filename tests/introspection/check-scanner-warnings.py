#!/usr/bin/python3
"""Fails if g-ir-scanner warns about threadworker's public API.

Runs the scanner on the same sources, with the same namespace and prefixes as
introspection/meson.build (meson passes them as arguments) plus --warn-all,
writes the GIR to a temporary directory and prints every warning. Any line
the scanner prints that mentions a warning or an error fails the test.

Usage: check-scanner-warnings.py SCANNER LIBDIR -- SCANNER-ARGS... FILES...
"""
import os
import re
import subprocess
import sys
import tempfile


def main():
    scanner, libdir, sep, *scan_args = sys.argv[1:]
    assert sep == "--", "usage: SCANNER LIBDIR -- ARGS..."

    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = os.pathsep.join(
        p for p in (libdir, env.get("LD_LIBRARY_PATH", "")) if p)

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "Tw-1.0.gir")
        cmd = [scanner, "--no-libtool", "--warn-all", "--output", out,
               "-L" + libdir, "--library-path=" + libdir] + scan_args
        proc = subprocess.run(cmd, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=300)
        output = proc.stdout
        if proc.returncode != 0:
            print(output)
            print(f"g-ir-scanner failed with exit status {proc.returncode}")
            return 1
        if not os.path.getsize(out):
            print("g-ir-scanner wrote an empty GIR")
            return 1

    problems = [l for l in output.splitlines()
                if re.search(r"warning|error", l, re.I)]
    for l in problems:
        print(l)
    if problems:
        print(f"{len(problems)} scanner warning(s) about the public API")
        return 1
    print("g-ir-scanner --warn-all: no warnings")
    return 0


if __name__ == "__main__":
    sys.exit(main())

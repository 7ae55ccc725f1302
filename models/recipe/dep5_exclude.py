"""Print exclusion globs for the files of a Debian copyright file (DEP-5) whose licence differs.

Usage: python dep5_exclude.py COPYRIGHT KEEP_LICENCE [STRIP_PREFIX]

Each file listed under a ``Files:`` stanza whose ``License:`` is not KEEP_LICENCE is printed
as a path inside the package's archive (STRIP_PREFIX removed), one per line, for
``texpack train --exclude-from``. Stanzas for ``*`` and ``debian/*`` are not listed.
"""

import sys


def stanzas(text):
    block = []
    for line in text.splitlines():
        if not line.strip():
            if block:
                yield block
            block = []
        else:
            block.append(line)
    if block:
        yield block


def main():
    path, keep = sys.argv[1], sys.argv[2]
    strip = sys.argv[3] if len(sys.argv) > 3 else ""
    for block in stanzas(open(path, encoding="utf-8").read()):
        files, licence, field = [], None, None
        for line in block:
            if line[0] not in " \t":
                field, _, value = line.partition(":")
                value = value.strip()
                if field == "Files":
                    files += value.split()
                elif field == "License":
                    licence = value.split()[0] if value else None
            elif field == "Files":
                files += line.split()
        if not files or licence is None or licence == keep:
            continue
        for f in files:
            if f in ("*", "debian/*"):
                continue
            print(f[len(strip):] if strip and f.startswith(strip) else f)


main()

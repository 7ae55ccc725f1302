"""Run the texpack CLI as a stranger's file would meet it: a subprocess with a timeout and a
capped address space, reporting its exit code, output and peak memory."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass

# Address-space cap for commands that never load PyTorch (extract, install, check): far
# above what texpack needs for any one texture, far below what a bomb would take. PyTorch's
# CUDA build maps several GB of libraries, so commands that run a network get no cap
# (cap=None); their peak RSS is judged instead.
ADDRESS_SPACE = 3 << 30

_WRAPPER = """
import json, resource, runpy, sys
if {cap}:
    resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
sys.argv = ["texpack", *json.loads(sys.argv[1])]
code = 0
try:
    runpy.run_module("texpack", run_name="__main__")
except SystemExit as e:
    code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
finally:
    sys.stdout.flush()
    # VmHWM: this process image's peak RSS (ru_maxrss would carry the forking parent's over exec)
    hwm = [l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM:")]
    print("\\nPEAK_RSS_KB", hwm[0] if hwm else "nan", file=sys.stderr)
sys.exit(code)
"""


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str
    peak_mb: float

    @property
    def traceback(self) -> bool:
        return "Traceback" in self.out or "Traceback" in self.err


def texpack(*args, timeout: float = 120, cap: int | None = ADDRESS_SPACE) -> Ran:
    if cap is None:
        cap = 0
    p = subprocess.run([sys.executable, "-c", _WRAPPER.format(cap=cap), json.dumps([str(a) for a in args])],
                       capture_output=True, text=True, timeout=timeout)
    err, _, tail = p.stderr.rpartition("PEAK_RSS_KB")
    return Ran(p.returncode, p.stdout, err, float(tail.split()[0]) / 1024 if tail.strip() else float("nan"))

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Read the text on a running QEMU's screen.

    qemu-screen.py SOCKET FONT.c OUT.txt

Connects to QEMU's QMP socket (-qmp unix:SOCKET,server=on,wait=off), takes
one screendump, and writes the text on it to OUT.txt with screen2text.py's
reader (FONT.c: the build's $(BUILD)/drivers/font8x16.c). The file is
replaced whole, so a reader never sees half a screen. Exits 0, or 1 with a
message when QEMU cannot be reached or refuses (not started yet, gone).
"""

import json
import os
import socket
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import screen2text  # noqa: E402


def screendump(sock_path, ppm):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(20)
        s.connect(sock_path)
        f = s.makefile("rw")

        def execute(name, **arguments):
            msg = {"execute": name}
            if arguments:
                msg["arguments"] = arguments
            f.write(json.dumps(msg) + "\n")
            f.flush()
            while True:
                line = f.readline()
                if not line:
                    raise OSError("QEMU closed the QMP connection")
                reply = json.loads(line)
                if "return" in reply:
                    return reply["return"]
                if "error" in reply:
                    raise OSError("%s: %s" % (name, reply["error"]["desc"]))
                # Anything else is an asynchronous event.

        if "QMP" not in json.loads(f.readline()):
            raise OSError("%s is not a QMP socket" % sock_path)
        execute("qmp_capabilities")
        # Returns once the file is written.
        execute("screendump", filename=ppm)


def main(argv):
    if len(argv) != 4:
        sys.stderr.write("usage: qemu-screen.py SOCKET FONT.c OUT.txt\n")
        return 2
    sock_path, font, out = argv[1:]
    glyphs = screen2text.load_font(font)
    outdir = os.path.dirname(os.path.abspath(out))
    fd, ppm = tempfile.mkstemp(suffix=".ppm", dir=outdir)
    os.close(fd)
    try:
        screendump(sock_path, os.path.abspath(ppm))
        lines = screen2text.screen_lines(glyphs, *screen2text.load_ppm(ppm))
    except (OSError, ValueError, IndexError, SystemExit) as e:
        sys.stderr.write("qemu-screen.py: %s\n" % e)
        return 1
    finally:
        os.unlink(ppm)
    fd, tmp = tempfile.mkstemp(suffix=".txt", dir=outdir)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

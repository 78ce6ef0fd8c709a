# SPDX-License-Identifier: MIT
# shadow_prog.py: the Python program for tests/shadow.sh.  It
# listens on 0.0.0.0:P, then binds a second SO_REUSEADDR socket to
# 127.0.0.1:P.  Linux refuses (EADDRINUSE: inet_csk_bind_conflict, the
# listener has no SO_REUSEADDR); FreeBSD accepts (in_pcbbind_setup looks up
# only the exact address when the new socket has SO_REUSEADDR); Windows
# accepts (SO_REUSEADDR on the new socket lets it share the port).
import errno
import socket
import sys

port = int(sys.argv[1])
a = socket.socket()
a.bind(("0.0.0.0", port))
a.listen()
b = socket.socket()
b.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    b.bind(("127.0.0.1", port))
    print("second bind: ok")
except OSError as e:
    print("second bind:", errno.errorcode.get(e.errno, e.errno))
# a socketpair and a pipe are not sockets the model knows: untouched
x, y = socket.socketpair()
x.close()
y.close()
b.close()
a.close()

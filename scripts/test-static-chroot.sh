#!/usr/bin/env bash
# Proves the static clipfit needs nothing from the system: runs check, conform and upload
# inside an otherwise empty chroot holding only the binary, a video, /etc/hosts and
# /etc/resolv.conf. The upload goes to a tiny local HTTP server under a name
# (tiktok.local) that exists only in the chroot's /etc/hosts, so it resolves through the
# binary's own resolver (hickory), not glibc's NSS modules (which a static glibc binary
# cannot load).
#
# Usage: scripts/test-static-chroot.sh [BINARY]   (needs root for chroot; python3 for the
# server). Without BINARY, scripts/build-static.sh builds one.
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${1:-}"
[ -n "$bin" ] || bin="$(scripts/build-static.sh | tail -n 1)"
video=testdata/landscape_bframes.mp4

work="$(mktemp -d)"
root="$work/root"
server_pid=""
cleanup() {
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$root/etc"
cp "$bin" "$root/clipfit"
cp "$video" "$root/in.mp4"
# Both families: the upload client asks for A and AAAA together, and a name with no AAAA
# line would send the AAAA question to the (absent) DNS server and wait for its timeout.
printf '127.0.0.1 tiktok.local\n::1 tiktok.local\n' >"$root/etc/hosts"
# hickory reads resolv.conf to build its resolver and refuses to start without it; the
# nameserver is never asked, because /etc/hosts answers first. (Containers get both files
# from the runtime.)
printf 'nameserver 127.0.0.1\n' >"$root/etc/resolv.conf"
echo "chroot contents:"
(cd "$root" && find . -mindepth 1 | sort | sed 's/^/  /')

fail() { echo "FAIL: $*" >&2; exit 1; }

echo "== chroot: clipfit check /in.mp4"
set +e
chroot "$root" /clipfit check /in.mp4
rc=$?
set -e
# 0 = ready, 1 = not ready (landscape: expected); anything else means it could not run.
[ "$rc" -le 1 ] || fail "check exited $rc"
echo "check exit status $rc"

echo "== chroot: clipfit conform /in.mp4 -o /out.mp4"
start=$(date +%s)
chroot "$root" /clipfit conform /in.mp4 -o /out.mp4 || fail "conform failed"
[ -s "$root/out.mp4" ] || fail "no /out.mp4"
echo "conform took $(( $(date +%s) - start )) s, /out.mp4 is $(stat -c %s "$root/out.mp4") bytes"
chroot "$root" /clipfit check /out.mp4 || fail "the conformed file does not pass check"

echo "== local API server"
cat >"$work/server.py" <<'PY'
# Just enough of the Content Posting API for `clipfit upload --no-wait`: creator info,
# init (one upload URL on this server), and the chunk PUT. Every request is logged.
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port_file = sys.argv[1]

class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def reply(self, status, data):
        body = json.dumps({"data": data, "error": {"code": "ok", "message": "", "log_id": "t"}}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def do_POST(self):
        body = self.body()
        print(f"server: {self.command} {self.path} Host={self.headers.get('Host')} "
              f"auth={'yes' if self.headers.get('Authorization', '').startswith('Bearer ') else 'no'}", flush=True)
        if self.path == "/v2/post/publish/creator_info/query/":
            self.reply(200, {"creator_username": "t", "creator_nickname": "T",
                             "privacy_level_options": ["SELF_ONLY"], "comment_disabled": False,
                             "duet_disabled": False, "stitch_disabled": False,
                             "max_video_post_duration_sec": 600})
        elif self.path in ("/v2/post/publish/video/init/", "/v2/post/publish/inbox/video/init/"):
            size = json.loads(body)["source_info"]["video_size"]
            print(f"server: init for {size} bytes", flush=True)
            self.reply(200, {"publish_id": "v_pub_file~static-test",
                             "upload_url": f"http://tiktok.local:{self.server.server_port}/upload/1"})
        else:
            self.reply(404, {})

    def do_PUT(self):
        n = len(self.body())
        print(f"server: PUT {self.path} Content-Range={self.headers.get('Content-Range')} got {n} bytes", flush=True)
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(port_file, "w") as f:
    f.write(str(srv.server_port))
srv.serve_forever()
PY
python3 -u "$work/server.py" "$work/port" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port="$(cat "$work/port")"
echo "listening on 127.0.0.1:$port (tiktok.local only in the chroot's /etc/hosts)"

echo "== chroot: clipfit upload /out.mp4 --api-base http://tiktok.local:$port --no-wait"
set +e
TIKTOK_ACCESS_TOKEN=static-test-token chroot "$root" /clipfit upload /out.mp4 \
  --api-base "http://tiktok.local:$port" --no-wait
rc=$?
set -e
echo "upload exit status $rc; the server saw:"
sed 's/^/  /' "$work/server.log"
grep -q 'creator_info/query/ Host=tiktok.local' "$work/server.log" || fail "no request reached the server"
grep -q '^server: PUT' "$work/server.log" || fail "the video was not uploaded"
[ "$rc" -eq 0 ] || fail "upload exited $rc"
echo "PASS: check, conform and upload ran in an empty chroot; tiktok.local resolved without NSS"

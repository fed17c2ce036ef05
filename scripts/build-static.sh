#!/usr/bin/env bash
# Builds one fully static `clipfit` for x86_64 Linux (glibc, +crt-static) and prints its path
# last. Needs g++ (libstdc++.a) and nasm, like the normal build.
#
# The explicit --target matters: with it, RUSTFLAGS apply only to the target's crates, so
# build scripts and proc-macros stay ordinary dynamic host binaries (a static proc-macro
# cannot be dlopen'ed by rustc).
#
# Environment:
#   CARGO_TARGET_DIR   default target/static
#   STATIC_PROFILE     cargo profile, default release. `STATIC_FAST=1` keeps the release
#                      profile but turns LTO off and uses 16 codegen units (via cargo's
#                      CARGO_PROFILE_RELEASE_* variables, no Cargo.toml change): a much
#                      quicker link on a small machine, a slightly slower binary.
#   CARGO              cargo command, default cargo (e.g. "nice -n 15 cargo")
set -euo pipefail
cd "$(dirname "$0")/.."

target=x86_64-unknown-linux-gnu
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target/static}"
profile="${STATIC_PROFILE:-release}"
cargo_cmd=(${CARGO:-cargo})

if [ "${STATIC_FAST:-0}" = 1 ]; then
  export CARGO_PROFILE_RELEASE_LTO=false
  export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
fi

# crt-static makes rustc link the executable with `-static`: glibc, libgcc and the C++
# runtime that openh264 and fdk-aac ask for (`-lstdc++`) all come from their .a archives
# (g++ ships libstdc++.a). The checks below make sure nothing dynamic slipped in.
#
# getrandom 0.3/0.4 (rand's ThreadRng, used by the upload client) find glibc's getrandom()
# with dlsym, which finds nothing in a static binary, and then fall back to opening
# /dev/urandom: in a bare chroot or scratch container without /dev that panics ("could not
# initialize ThreadRng"). The linux_getrandom backend calls getrandom() directly
# (static glibc has it), so no device file is needed.
# relocation-model=static: a classic static executable (`file`: "statically linked")
# rather than static-pie.
export RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static -C relocation-model=static --cfg getrandom_backend=\"linux_getrandom\""

"${cargo_cmd[@]}" build --locked --profile "$profile" --target "$target" --bin clipfit >&2

case "$profile" in dev) dir=debug ;; *) dir="$profile" ;; esac
bin="$CARGO_TARGET_DIR/$target/$dir/clipfit"

# Refuse to call a dynamic binary static.
if ! file -L "$bin" | grep -Eq 'statically linked|static-pie linked'; then
  echo "error: $bin is not statically linked:" >&2
  file -L "$bin" >&2
  exit 1
fi
if ldd "$bin" >/dev/null 2>&1 && ! ldd "$bin" 2>&1 | grep -Eq 'not a dynamic executable|statically linked'; then
  echo "error: ldd lists dynamic dependencies of $bin:" >&2
  ldd "$bin" >&2
  exit 1
fi
file -L "$bin" >&2
echo "$bin"

#!/usr/bin/env bash
# Side-by-side wall time, peak RSS and SSIM of `clipfit conform` against the seed's FFmpeg
# recipe, on a phone-like 10 s 4K30 H.264 High clip (B-frames, keyframe every second,
# 45 Mbps) → 1080x1920. FFmpeg makes the input, runs the recipe and measures SSIM; it is
# never used by clipfit.
#
#   scripts/compare-ffmpeg.sh [CLIPFIT_BINARY] [SECONDS] [h264|hlg]
#
# `hlg` makes the iPhone-like input of issue 14 instead: HEVC Main 10, BT.2020 HLG, 1 s GOP,
# 35 Mbps, coded 3840x2160 with a 90° display matrix (a portrait recording). The recipe
# is the same (it does not tone-map: its picture is the flat relabelled one), so for
# `hlg` only time and memory compare; SSIM is against FFmpeg's zscale+hable tone map.
#
# The recipe gets `-pix_fmt yuv420p`: without it x264 keeps a 10-bit source's depth and
# refuses `-profile:v high` (the seed's recipe fails outright on an iPhone HDR clip).
# INPUT=file reuses a source made before; KEEP_INPUT=file keeps the one made.
#
# Needs ffmpeg with libx264 and GNU time (/usr/bin/time). Works in a temporary folder.
set -euo pipefail
BIN=${1:-target/release/clipfit}
SECS=${2:-10}
KIND=${3:-h264}
BIN=$(realpath "$BIN")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

# Camera-like: moving test pattern with temporal grain; AAC 48 kHz stereo like a phone.
REF_TONEMAP=""
if [ "$KIND" = hlg ]; then
  REF_TONEMAP="zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=tv,format=yuv420p,"
fi
if [ -n "${INPUT:-}" ]; then
  # A source made before (the x265 4K encode takes minutes on two cores).
  cp "$INPUT" phone4k.mp4
elif [ "$KIND" = hlg ]; then
  ffmpeg -v error -f lavfi -i "testsrc2=s=3840x2160:r=30:d=$SECS,noise=alls=6:allf=t" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$SECS" \
    -vf "zscale=tin=bt709:min=bt709:pin=bt709:rin=tv:t=arib-std-b67:p=bt2020:m=bt2020nc:r=tv:npl=203,format=yuv420p10le" \
    -c:v libx265 -preset superfast -profile:v main10 -b:v 35M -maxrate 40M -bufsize 40M \
    -x265-params "keyint=30:min-keyint=30:scenecut=0:colorprim=bt2020:transfer=arib-std-b67:colormatrix=bt2020nc:log-level=error" \
    -color_primaries bt2020 -color_trc arib-std-b67 -colorspace bt2020nc \
    -tag:v hvc1 -c:a aac -ac 2 -b:a 128k landscape.mp4
  # FFmpeg 5 writes a rotation only when copying streams.
  ffmpeg -v error -i landscape.mp4 -c copy -metadata:s:v:0 rotate=90 phone4k.mp4
else
  ffmpeg -v error -f lavfi -i "testsrc2=s=3840x2160:r=30:d=$SECS,noise=alls=6:allf=t" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$SECS" \
    -c:v libx264 -preset fast -profile:v high -bf 3 -g 30 -keyint_min 30 -sc_threshold 0 \
    -b:v 45M -maxrate 50M -bufsize 50M -pix_fmt yuv420p -c:a aac -ac 2 -b:a 128k phone4k.mp4
fi
[ -z "${KEEP_INPUT:-}" ] || cp phone4k.mp4 "$KEEP_INPUT"

measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o time.txt "$@" > /dev/null
  read -r secs kb < time.txt
  printf '%-16s %7.1f s  %5d MB\n' "$label" "$secs" $((kb / 1024))
}
ssim() { # output file → mean SSIM against a Lanczos-scaled reference of the same fit
  ffmpeg -v info -i "$1" -i phone4k.mp4 -lavfi \
    "[1:v]${REF_TONEMAP}scale=1080:1920:force_original_aspect_ratio=increase:flags=lanczos,crop=1080:1920[ref];[0:v][ref]ssim" \
    -f null - 2>&1 | grep -o 'All:[0-9.]*'
}

measure "ffmpeg recipe" ffmpeg -v error -y -threads 2 -i phone4k.mp4 \
  -vf scale=1080:1920:force_original_aspect_ratio=increase,crop=1080:1920,fps=30 \
  -c:v libx264 -threads 2 -preset fast -b:v 6M -maxrate 10M -bufsize 10M -profile:v high -level 3.1 -pix_fmt yuv420p \
  -c:a aac -ar 44100 -b:a 128k recipe.mp4
measure "clipfit" "$BIN" conform phone4k.mp4 -o clipfit.mp4
measure "clipfit --jobs 2" "$BIN" conform phone4k.mp4 -o clipfit2.mp4 --jobs 2
echo "SSIM recipe  $(ssim recipe.mp4)"
echo "SSIM clipfit $(ssim clipfit.mp4)"

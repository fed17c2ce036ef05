#!/usr/bin/env bash
# Runs every fuzz target for N seconds (default 20), seeded from testdata/ and fuzz/seeds/,
# then prints one summary line per target. Crashes land in fuzz/artifacts/TARGET/.
# Usage: fuzz/run_all.sh [SECONDS] [TARGET...]
# Environment: CARGO (default "cargo"; e.g. "nice -n 15 cargo").
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-20}"
shift || true
cargo_cmd=(${CARGO:-cargo})
command -v cargo-fuzz >/dev/null || "${cargo_cmd[@]}" install cargo-fuzz
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <("${cargo_cmd[@]}" +nightly fuzz list)

seed() { # seed TARGET FILE...: copy into the corpus, never overwriting.
  local t="$1"; shift
  cp -n "$@" "corpus/$t/" 2>/dev/null || true
}

mkdir -p artifacts/logs  # artifacts/ is git-ignored
summary=()
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  args=(-rss_limit_mb=1024 -timeout=10 -max_len=1048576)
  case "$t" in
    faststart)
      # The harness reads an 8-byte little-endian delta, then the file (or moov).
      for f in ../testdata/*.mp4 ../testdata/*.mov seeds/conform/*; do
        out="corpus/$t/$(basename "$f").delta"
        [ -e "$out" ] || { printf '\0\0\0\0\x01\0\0\0'; cat "$f"; } >"$out"
      done ;;
    conform)
      # Whole-pipeline runs take ~1 s each; only small inputs are fuzzed (harness cap 64 KB).
      seed "$t" seeds/conform/*
      find ../testdata -maxdepth 2 -type f -size -64k -name '*.mp4' -exec cp -n {} "corpus/$t/" \;
      args=(-rss_limit_mb=2048 -timeout=60 -max_len=65536) ;;
    h264_sps)
      # Raw Annex-B streams and small MP4s (AVCC samples, avcC): large files only slow it.
      seed "$t" seeds/h264/* seeds/conform/*
      args=(-rss_limit_mb=1024 -timeout=10 -max_len=65536) ;;
    h264_decode)
      # Annex-B streams: the small seeds, plus the first frames of each H.264 fixture.
      seed "$t" seeds/h264/*
      for f in ../testdata/landscape_bframes.mp4 ../testdata/compliant.mp4 ../testdata/rotated.mp4 ../testdata/robust/avc3_inband.mp4; do
        out="corpus/$t/$(basename "$f").h264"
        [ -e "$out" ] || ffmpeg -v error -i "$f" -map 0:v:0 -c copy -frames:v 12 -bsf:v h264_mp4toannexb -f h264 "$out" || rm -f "$out"
      done
      args=(-rss_limit_mb=1024 -timeout=20 -max_len=262144) ;;
    h265_sps)
      # Annex-B HEVC streams and the HEVC fixtures (hvcC, samples).
      seed "$t" ../testdata/hevc*.mp4 ../testdata/hevc*.mov
      for f in ../testdata/hevc.mp4 ../testdata/hevc_hlg.mp4; do
        out="corpus/$t/$(basename "$f").hevc"
        [ -e "$out" ] || ffmpeg -v error -i "$f" -map 0:v:0 -c copy -frames:v 2 -bsf:v hevc_mp4toannexb -f hevc "$out" || rm -f "$out"
      done
      args=(-rss_limit_mb=1024 -timeout=10 -max_len=65536) ;;
    h265_decode)
      # Annex-B streams: the first frames of each HEVC fixture (8 and 10-bit, B-frames).
      for f in ../testdata/hevc.mp4 ../testdata/hevc_main_hvc1.mp4 ../testdata/hevc_main10_hev1.mp4 ../testdata/hevc_hlg.mp4 ../testdata/hevc_rotated.mov; do
        out="corpus/$t/$(basename "$f").hevc"
        [ -e "$out" ] || ffmpeg -v error -i "$f" -map 0:v:0 -c copy -frames:v 12 -bsf:v hevc_mp4toannexb -f hevc "$out" || rm -f "$out"
      done
      args=(-rss_limit_mb=1024 -timeout=20 -max_len=262144) ;;
    av1_decode)
      # Low-overhead OBU streams (temporal delimiters between units): the first frames of
      # each AV1 fixture (8 and 10-bit, HLG).
      for f in ../testdata/av1.mp4 ../testdata/av1_10bit.mkv ../testdata/av1_hlg.mp4; do
        out="corpus/$t/$(basename "$f").obu"
        [ -e "$out" ] || ffmpeg -v error -i "$f" -map 0:v:0 -c copy -frames:v 8 -f obu "$out" || rm -f "$out"
      done
      # rav1d 1.1's dav1d_picture_unref leaks 48 bytes per picture (it writes a fresh
      # default picture, holding an Arc, back into the caller's struct; dav1d's C zeroes
      # it): LeakSanitizer would stop at the first picture. The leak is bounded (10 MB
      # for an hour at 60 fps) and said in the README; everything else is still checked.
      args=(-rss_limit_mb=1024 -timeout=20 -max_len=262144 -detect_leaks=0) ;;
    fragments)
      # The harness puts a real init segment first: seed with the fragment part of each
      # fragmented fixture (from the first styp/sidx/moof on).
      for f in ../testdata/fragmented.mp4 ../testdata/robust/frag_*.mp4 ../testdata/robust/moov_and_frag.mp4; do
        out="corpus/$t/$(basename "$f").frags"
        [ -e "$out" ] || python3 -c "import sys; d=open(sys.argv[1],'rb').read(); i=min(x for x in (d.find(b'styp'),d.find(b'sidx'),d.find(b'moof')) if x>0)-4; sys.stdout.buffer.write(d[i:])" "$f" >"$out"
      done ;;
    ac3_decode)
      # Raw AC-3 and E-AC-3 streams (stereo with coupling, 5.1) made by FFmpeg's encoders.
      for spec in "ac3 2 96k" "ac3 6 448k" "eac3 2 96k" "eac3 6 384k"; do
        set -- $spec
        out="corpus/$t/$1_$2ch_$3.$1"
        [ -e "$out" ] || ffmpeg -v error -f lavfi -i "sine=frequency=440:duration=0.3,aeval=val(0)*0.5+random(0)*0.1" \
          -ac "$2" -c:a "$1" -b:a "$3" -f "$1" "$out" || rm -f "$out"
      done
      args=(-rss_limit_mb=1024 -timeout=10 -max_len=65536) ;;
    flv)
      seed "$t" ../testdata/*.flv ;;
    matroska)
      seed "$t" ../testdata/*.mkv ../testdata/*.webm ../testdata/malformed/*.mkv ../testdata/malformed/*.webm ;;
    mpegts)
      # The harness reads one byte (odd: 192-byte M2TS packets), then the stream.
      for f in ../testdata/*.ts ../testdata/*.m2ts; do
        [ -e "$f" ] || continue
        out="corpus/$t/$(basename "$f").pkt"
        case "$f" in *.m2ts) b='\x01' ;; *) b='\x00' ;; esac
        [ -e "$out" ] || { printf "$b"; cat "$f"; } >"$out"
      done ;;
    *)
      seed "$t" ../testdata/*.mp4 ../testdata/robust/*.mp4 ../testdata/*.mov ../testdata/malformed/* seeds/conform/* ;;
  esac
  echo "== $t for ${secs}s"
  status=ok
  if ! "${cargo_cmd[@]}" +nightly fuzz run "$t" "corpus/$t" -- -max_total_time="$secs" \
    "${args[@]}" >"artifacts/logs/$t.log" 2>&1; then
    status=FAILED
  fi
  grep -E '^(#[0-9]+ +(INITED|DONE)|==[0-9]+==|SUMMARY|Done|error)' "artifacts/logs/$t.log" || true
  execs=$(grep -Eo 'Done [0-9]+ runs' "artifacts/logs/$t.log" | grep -Eo '[0-9]+' || echo "?")
  summary+=("$t: $status, $execs runs in ${secs}s, corpus $(ls "corpus/$t" | wc -l) files, artifacts: $(ls "artifacts/$t" 2>/dev/null | wc -l)")
done
echo "== summary"
printf '%s\n' "${summary[@]}"

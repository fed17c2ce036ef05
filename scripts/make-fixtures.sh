#!/usr/bin/env bash
# Regenerates the fixtures in testdata/ with FFmpeg (a fixture maker only: clipfit never
# calls FFmpeg). Every fixture is small; see testdata/README.md for what each one exercises.
set -euo pipefail
cd "$(dirname "$0")/../testdata"
FF="ffmpeg -hide_banner -loglevel error -y"
# A moving test pattern with a 1 kHz beep each second (the beep starts on the frame where
# the picture flashes white is not needed here; sync clips are made separately below).
src() { echo "testsrc2=size=$1:rate=$2:duration=$3"; }
tone() { echo "sine=frequency=1000:sample_rate=$1:duration=$2"; }

# Already compliant: 1080x1920 30 fps H.264 High level 4.0, AAC-LC 44.1 kHz, faststart.
$FF -f lavfi -i "$(src 1080x1920 30 3.2)" -f lavfi -i "$(tone 44100 3.2)" \
  -c:v libx264 -preset ultrafast -profile:v high -level 4.0 -pix_fmt yuv420p -b:v 1M -maxrate 1M -bufsize 1M \
  -c:a aac -b:a 64k -ac 2 -movflags +faststart compliant.mp4
# Same, moov at the end.
$FF -i compliant.mp4 -c copy moov_end.mp4
# Landscape 640x360 25 fps with B-frames, AAC 48 kHz stereo: the bundled sample.
$FF -f lavfi -i "$(src 640x360 25 4)" -f lavfi -i "$(tone 48000 4)" \
  -c:v libx264 -preset veryfast -profile:v high -bf 2 -pix_fmt yuv420p -b:v 800k \
  -c:a aac -b:a 96k -ac 2 landscape_bframes.mp4
# Phone portrait: coded 640x360 with a rotation matrix (display 360x640), ffprobe -90.
$FF -i landscape_bframes.mp4 -c copy -metadata:s:v:0 rotate=90 rotated.mp4
# The usual phone direction: ffprobe reports -90 (display is 90° clockwise of coded).
$FF -i landscape_bframes.mp4 -c copy -metadata:s:v:0 rotate=270 rotated_cw.mp4
# 60 fps, short (2.5 s), mono 22.05 kHz AAC.
$FF -f lavfi -i "$(src 320x568 60 2.5)" -f lavfi -i "$(tone 22050 2.5)" \
  -c:v libx264 -preset ultrafast -b:v 300k -pix_fmt yuv420p -c:a aac -ac 1 short60_mono22k.mp4
# HEVC (unsupported video).
$FF -f lavfi -i "$(src 320x240 30 1)" -c:v libx265 -preset ultrafast -x265-params log-level=none hevc.mp4
# 10-bit H.264 (unsupported).
$FF -f lavfi -i "$(src 320x240 30 1)" -c:v libx264 -preset ultrafast -pix_fmt yuv420p10le h264_10bit.mp4
# AC-3 audio (unsupported audio), 5.1.
$FF -f lavfi -i "$(src 320x240 30 3)" -f lavfi -i "$(tone 48000 3)" \
  -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a ac3 -ac 6 ac3.mp4
# PCM in MOV (s16le 'sowt'), full-range (yuvj420p) picture.
$FF -f lavfi -i "$(src 320x240 24 3)" -f lavfi -i "$(tone 48000 3)" \
  -c:v libx264 -preset ultrafast -pix_fmt yuvj420p -c:a pcm_s16le pcm.mov
# MP3 audio, variable frame rate video (timestamps jitter).
$FF -f lavfi -i "$(src 320x240 30 3)" -f lavfi -i "$(tone 44100 3)" \
  -vf "setpts='if(lt(N\\,45)\\,N/30\\,1.5+(N-45)/20)/TB'" -fps_mode vfr \
  -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a libmp3lame -b:a 64k vfr_mp3.mp4
# Fragmented MP4.
$FF -f lavfi -i "$(src 320x240 30 3)" -f lavfi -i "$(tone 44100 3)" \
  -c:v libx264 -preset ultrafast -pix_fmt yuv420p -g 30 -c:a aac \
  -movflags +frag_keyframe+empty_moov+default_base_moof fragmented.mp4
# Non-square pixels (SAR 4:3 in the VUI).
$FF -f lavfi -i "$(src 480x480 30 3)" -vf setsar=4/3 \
  -c:v libx264 -preset ultrafast -b:v 300k -pix_fmt yuv420p nonsquare.mp4
# 5.1 AAC.
$FF -f lavfi -i "$(src 320x240 30 3)" -f lavfi -i "$(tone 48000 3)" \
  -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -ac 6 aac51.mp4
# No audio, 1076x1916 (a few pixels off).
$FF -f lavfi -i "$(src 1076x1916 30 3)" -c:v libx264 -preset ultrafast -pix_fmt yuv420p -b:v 500k few_px_off.mp4

# Malformed inputs.
cd malformed
: > empty.mp4
head -c 4096 /dev/urandom > random.bin
$FF -f lavfi -i "testsrc2=size=64x64" -frames:v 1 image.jpg
head -c 60000 ../compliant.mp4 > truncated.mp4
# moov missing: keep ftyp + mdat only.
python3 - <<'PY'
import struct
d = open('../moov_end.mp4','rb').read()
out=b''; i=0
while i < len(d):
    size, typ = struct.unpack('>I4s', d[i:i+8])
    if typ != b'moov': out += d[i:i+size]
    i += size
open('no_moov.mp4','wb').write(out)
# A box claiming 2^40 bytes.
open('huge_box.mp4','wb').write(d[:32] + struct.pack('>I4sQ', 1, b'moov', 1<<40) + b'\0'*64)
# Garbage in the sample tables: overwrite stsz's entry count with 0xFFFFFFF0.
c = open('../compliant.mp4','rb').read()
j = c.index(b'stsz')
g = bytearray(c); g[j+12:j+16] = b'\xff\xff\xff\xf0'
open('bad_stsz.mp4','wb').write(bytes(g))
# A zero-size child box inside moov (the mp4 crate loops forever on this).
k = c.index(b'mvhd')
z = bytearray(c); z[k-4:k] = b'\0\0\0\0'
open('zero_size_child.mp4','wb').write(bytes(z))
PY
ls -la

#!/usr/bin/env bash
# Regenerates the fixtures in testdata/ with FFmpeg (a fixture maker only: clipfit never
# calls FFmpeg). Every fixture is small; see testdata/README.md for what each one exercises.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"  # absolute: the sections below change directory
cd "$HERE/../testdata"
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
# Colour, one fixture per labelling: 8-bit H.264 flagged HLG BT.2020 in its VUI (the rule
# `color`; conform refuses it until tone mapping lands), and 10-bit HEVC PQ in a MOV with
# mastering display and content light metadata (mdcv/clli boxes, HDR10).
$FF -f lavfi -i "$(src 320x240 30 1)" -c:v libx264 -preset ultrafast -pix_fmt yuv420p \
  -color_primaries bt2020 -color_trc arib-std-b67 -colorspace bt2020nc h264_hlg.mp4
$FF -f lavfi -i "$(src 320x240 30 1)" -c:v libx265 -preset ultrafast -pix_fmt yuv420p10le \
  -x265-params "log-level=none:hdr10=1:master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1):max-cll=1000,400" \
  -color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc -tag:v hvc1 hevc_pq.mov
# HEVC and HDR (issue 14). Main 8-bit hvc1 with B-frames and AAC; Main 10 hev1 (parameter
# sets in the sample entry and in-band); HLG and PQ made the honest way, by converting the
# SDR BT.709 pattern to BT.2020 HLG / PQ with zscale (so a tone map has real HDR code values
# to bring back); a portrait phone-style MOV (coded landscape, 90° rotation matrix).
$FF -f lavfi -i "$(src 320x240 30 1)" -f lavfi -i "$(tone 44100 1)" -c:v libx265 -preset ultrafast \
  -x265-params "log-level=none:bframes=3:keyint=15" -tag:v hvc1 -c:a aac -b:a 64k hevc_main_hvc1.mp4
$FF -f lavfi -i "$(src 320x240 30 1)" -c:v libx265 -preset ultrafast -pix_fmt yuv420p10le \
  -x265-params "log-level=none:bframes=3:keyint=15:repeat-headers=1" -tag:v hev1 hevc_main10_hev1.mp4
$FF -f lavfi -i "$(src 320x240 30 1)" \
  -vf "zscale=tin=bt709:min=bt709:pin=bt709:rin=tv:t=arib-std-b67:p=bt2020:m=bt2020nc:r=tv:npl=203,format=yuv420p10le" \
  -c:v libx265 -preset ultrafast -x265-params "log-level=none:bframes=3" \
  -color_primaries bt2020 -color_trc arib-std-b67 -colorspace bt2020nc -tag:v hvc1 hevc_hlg.mp4
$FF -f lavfi -i "$(src 320x240 30 1)" \
  -vf "zscale=tin=bt709:min=bt709:pin=bt709:rin=tv:t=smpte2084:p=bt2020:m=bt2020nc:r=tv:npl=203,format=yuv420p10le" \
  -c:v libx265 -preset ultrafast \
  -x265-params "log-level=none:bframes=3:hdr10=1:master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1):max-cll=1000,400" \
  -color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc -tag:v hvc1 hevc_pq_real.mp4
# A 4K HLG phone recording in miniature (coded landscape, 90° matrix, 6 frames): the fit
# shrinks it exactly 2x, so the tone map runs on the picture halved first (video/halve.rs).
$FF -f lavfi -i "$(src 3840x2160 30 0.2)" \
  -vf "zscale=tin=bt709:min=bt709:pin=bt709:rin=tv:t=arib-std-b67:p=bt2020:m=bt2020nc:r=tv:npl=203,format=yuv420p10le" \
  -c:v libx265 -preset ultrafast -b:v 2M -x265-params "log-level=none:bframes=2:keyint=30" \
  -color_primaries bt2020 -color_trc arib-std-b67 -colorspace bt2020nc -tag:v hvc1 hevc_hlg_4k_tmp.mp4
$FF -i hevc_hlg_4k_tmp.mp4 -c copy -metadata:s:v:0 rotate=90 hevc_hlg_4k_rotated.mp4 && rm hevc_hlg_4k_tmp.mp4
$FF -f lavfi -i "$(src 320x180 30 1)" -f lavfi -i "$(tone 48000 1)" -c:v libx265 -preset ultrafast \
  -x265-params log-level=none -tag:v hvc1 -c:a aac -b:a 64k hevc_rotated_tmp.mov
# (FFmpeg 5 writes the rotation only when copying, as for rotated.mp4 above.)
$FF -i hevc_rotated_tmp.mov -c copy -tag:v hvc1 -metadata:s:v:0 rotate=270 hevc_rotated.mov && rm hevc_rotated_tmp.mov
# High 10 H.264 (decoded by rust_h264, dithered to 8 bits).
$FF -f lavfi -i "$(src 320x240 30 1)" -c:v libx264 -preset ultrafast -pix_fmt yuv420p10le h264_10bit.mp4
# High 4:2:2 10-bit H.264 with B-frames (broadcast/camera exports), and High 4:4:4
# (no decoder here reads it: refused by name).
$FF -f lavfi -i "$(src 320x240 30 1)" -c:v libx264 -preset veryfast -bf 2 -pix_fmt yuv422p10le h264_422_10bit.mp4
$FF -f lavfi -i "$(src 320x240 30 1)" -c:v libx264 -preset ultrafast -pix_fmt yuv444p h264_444.mp4
# Interlaced H.264 (MBAFF, top field first), 640x360 at 25 frames/s = 50 fields/s: the
# test pattern moves each field, as a camcorder's 1080i50 does. Made at 50 fps progressive
# and woven into fields so the two fields really are 1/50 s apart.
$FF -f lavfi -i "$(src 640x360 50 2)" -vf "tinterlace=mode=interleave_top,setfield=tff" \
  -c:v libx264 -preset veryfast -flags +ildct+ilme -x264-params tff=1 -pix_fmt yuv420p -b:v 1500k \
  h264_interlaced.mp4
# The same bottom field first (DV/SD order), smaller: the field order is measured.
$FF -f lavfi -i "$(src 320x240 50 1)" -vf "tinterlace=mode=interleave_bottom,setfield=bff" \
  -c:v libx264 -preset veryfast -flags +ildct+ilme -x264-params bff=1 -pix_fmt yuv420p -b:v 600k \
  h264_interlaced_bff.mp4
# AC-3 audio, 5.1 (decoded by codec/audio/ac3).
$FF -f lavfi -i "$(src 320x240 30 3)" -f lavfi -i "$(tone 48000 3)" \
  -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a ac3 -ac 6 ac3.mp4
# DTS audio in Matroska: still unsupported (no decoder), refused with the --audio advice.
$FF -f lavfi -i "$(src 320x240 30 3)" -f lavfi -i "$(tone 48000 3)" \
  -c:v libx264 -preset ultrafast -pix_fmt yuv420p -b:v 150k -c:a dca -strict -2 -b:a 320k -ac 2 -f matroska dts.mkv
# PCM in MOV (s16le 'sowt'), full-range (yuvj420p) picture.
$FF -f lavfi -i "$(src 320x240 24 3)" -f lavfi -i "$(tone 48000 3)" \
  -c:v libx264 -preset ultrafast -pix_fmt yuvj420p -c:a pcm_s16le pcm.mov
# MP3 audio, variable frame rate video (timestamps jitter).
$FF -f lavfi -i "$(src 320x240 30 3)" -f lavfi -i "$(tone 44100 3)" \
  -vf "setpts='if(lt(N\\,45)\\,N/30\\,1.5+(N-45)/20)/TB'" -fps_mode vfr \
  -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a libmp3lame -b:a 64k vfr_mp3.mp4
# Matroska and live WebM (issue 15): H.264 with B-frames + AAC in MKV; VP9 + Opus as a
# browser records it (unknown element sizes, no Cues, no Duration).
$FF -f lavfi -i "$(src 640x360 30 2)" -f lavfi -i "$(tone 48000 2)" \
  -c:v libx264 -preset veryfast -bf 2 -pix_fmt yuv420p -b:v 500k -c:a aac -b:a 64k -ac 2 -f matroska h264_aac.mkv
$FF -f lavfi -i "$(src 640x360 30 2)" -f lavfi -i "$(tone 48000 2)" \
  -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 400k -pix_fmt yuv420p -c:a libopus -b:a 64k -ac 2 \
  -f webm -live 1 vp9_opus_live.webm
# VP8 + Opus as a live WebM (older browsers' MediaRecorder), 320x240, 2 s.
$FF -f lavfi -i "$(src 320x240 30 2)" -f lavfi -i "$(tone 48000 2)" \
  -c:v libvpx -deadline realtime -cpu-used 8 -b:v 300k -pix_fmt yuv420p -c:a libopus -b:a 64k -ac 2 \
  -f webm -live 1 vp8_opus.webm
# VP9 profile 2 (10-bit), no audio.
$FF -f lavfi -i "$(src 320x240 30 1)" -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 200k \
  -pix_fmt yuv420p10le -profile:v 2 -f webm vp9_10bit.webm
# VP9 + Vorbis WebM (older browser/ffmpeg exports): Vorbis headers Xiph-laced in CodecPrivate.
$FF -f lavfi -i "$(src 320x240 30 2)" -f lavfi -i "$(tone 44100 2)" \
  -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 200k -pix_fmt yuv420p -c:a libvorbis -q:a 3 -ac 2 \
  -f webm vp9_vorbis.webm
# AV1 (rav1d): 8-bit in MP4 with AAC; 10-bit in Matroska, no audio; 10-bit HLG BT.2020 in
# MP4 (colour in both colr and the sequence header's color_config).
$FF -f lavfi -i "$(src 320x240 30 2)" -f lavfi -i "$(tone 48000 2)" \
  -c:v libsvtav1 -preset 12 -crf 40 -g 30 -pix_fmt yuv420p -c:a aac -b:a 64k -ac 2 av1.mp4
$FF -f lavfi -i "$(src 320x240 30 1)" -c:v libsvtav1 -preset 12 -crf 40 -g 30 -pix_fmt yuv420p10le \
  -f matroska av1_10bit.mkv
$FF -f lavfi -i "$(src 320x240 30 1)" \
  -vf "zscale=tin=bt709:min=bt709:pin=bt709:rin=tv:t=arib-std-b67:p=bt2020:m=bt2020nc:r=tv:npl=203,format=yuv420p10le" \
  -c:v libsvtav1 -preset 12 -crf 35 -svtav1-params "enable-hdr=1" \
  -color_primaries bt2020 -color_trc arib-std-b67 -colorspace bt2020nc av1_hlg.mp4
# Monochrome AV1 (libaom gray: no chroma planes), 1 s, no audio.
$FF -f lavfi -i "$(src 320x240 30 1)" -c:v libaom-av1 -cpu-used 8 -crf 45 -g 30 -pix_fmt gray -an av1_mono.mp4
# Motion JPEG as cameras write it: full-range 4:2:2 (yuvj422p) in MOV with PCM, 1 s.
$FF -f lavfi -i "$(src 320x240 30 1)" -f lavfi -i "$(tone 48000 1)" \
  -c:v mjpeg -q:v 9 -pix_fmt yuvj422p -c:a pcm_s16le mjpeg.mov
# MPEG-TS and M2TS (192-byte packets, as AVCHD cameras write) of one H.264 + AAC clip.
$FF -f lavfi -i "$(src 640x360 30 2)" -f lavfi -i "$(tone 48000 2)" \
  -c:v libx264 -preset veryfast -bf 2 -pix_fmt yuv420p -b:v 500k -c:a aac -b:a 64k -ac 2 -f mpegts h264_aac.ts
$FF -i h264_aac.ts -c copy -f mpegts -mpegts_m2ts_mode 1 h264_aac.m2ts
# FLV (RTMP captures): the same H.264 with B-frames (composition times in the tags) + AAC.
$FF -f lavfi -i "$(src 640x360 30 2)" -f lavfi -i "$(tone 48000 2)" \
  -c:v libx264 -preset veryfast -bf 2 -pix_fmt yuv420p -b:v 500k -c:a aac -b:a 64k -ac 2 -f flv h264_aac.flv
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

# ---------------------------------------------------------------------------------------
# Audio codec fixtures (src/codec/audio tests): audio-only files in testdata/audio/, plus
# NAME.pkts = the track's packets extracted without a demuxer, so codec tests do not depend
# on one. .pkts format: b"PKTS", then records of (u32 BE length, bytes); record 0 is the
# codec config (AAC AudioSpecificConfig, ALAC cookie, dfLa body; empty for MP3), then one
# record per MP4 sample. Raw PCM is headerless sample data.
# A "burst" is 1 kHz at -6 dBFS from 0.5 s to 1.5 s in a 2 s clip, silence around it.
cd "$HERE/../testdata"
mkdir -p audio && cd audio
burst() { echo "aevalsrc=if(between(t\,0.5\,1.5)\,0.5*sin(2*PI*1000*t)\,0):s=$1:d=2"; }
$FF -f lavfi -i "$(burst 48000)" -ac 2 -c:a aac -b:a 96k aac_lc_48k_stereo.m4a
# 5.1 with a 1 kHz tone in the centre only and a 60 Hz tone in the LFE only.
$FF -f lavfi -i "aevalsrc=0|0|0.5*sin(2*PI*1000*t)|0.5*sin(2*PI*60*t)|0|0:c=5.1:s=48000:d=1" \
  -c:a aac -b:a 192k aac_51.m4a
$FF -f lavfi -i "$(burst 22050)" -ac 1 -c:a libmp3lame -b:a 48k mp3_22k_mono.mp4
$FF -f lavfi -i "$(burst 44100)" -ac 1 -c:a alac alac_44k_mono.m4a
$FF -f lavfi -i "$(burst 44100)" -ac 1 -c:a flac -strict -2 flac_44k_mono.mp4
for f in s16be s16le s24be s24le; do
  $FF -f lavfi -i "sine=frequency=1000:sample_rate=48000:duration=0.25" -ac 2 -f $f pcm_48k_stereo.$f
done
python3 - <<'PY'
import struct, glob
def boxes(d, i, end):
    while i + 8 <= end:
        size, typ = struct.unpack('>I4s', d[i:i+8]); hdr = 8
        if size == 1: size = struct.unpack('>Q', d[i+8:i+16])[0]; hdr = 16
        if size == 0: size = end - i
        yield typ.decode('latin1'), i + hdr, i + size
        i += size
def find(d, i, end, path):
    for t, s, e in boxes(d, i, end):
        if t == path[0]:
            if len(path) == 1: return s, e
            r = find(d, s, e, path[1:])
            if r: return r
def esds_asc(b):
    i = 4
    while i < len(b):
        tag = b[i]; i += 1; n = 0
        while True:
            c = b[i]; i += 1; n = (n << 7) | (c & 0x7f)
            if not c & 0x80: break
        if tag == 3: i += 3; continue
        if tag == 4: i += 13; continue
        if tag == 5: return b[i:i+n]
        i += n
    return b''
for f in sorted(glob.glob('*.m4a') + glob.glob('*.mp4')):
    d = open(f, 'rb').read()
    ms, me = find(d, 0, len(d), ['moov'])
    st = find(d, ms, me, ['trak', 'mdia', 'minf', 'stbl'])
    ss, se = find(d, *st, ['stsd'])
    es = ss + 8  # full box + entry count
    etype = d[es+4:es+8].decode()
    child = es + 8 + 28  # sample entry header + AudioSampleEntry fields
    cfg = b''
    for t, s, e in boxes(d, child, es + struct.unpack('>I', d[es:es+4])[0]):
        if t == 'esds': cfg = esds_asc(d[s:e])
        if t == 'alac': cfg = d[s+4:e]
        if t == 'dfLa': cfg = d[s:e]
    zs, ze = find(d, *st, ['stsz'])
    fixed, n = struct.unpack('>II', d[zs+4:zs+12])
    sizes = [fixed] * n if fixed else list(struct.unpack('>%dI' % n, d[zs+12:zs+12+4*n]))
    co = find(d, *st, ['stco'])
    cs, ce = co
    nc = struct.unpack('>I', d[cs+4:cs+8])[0]
    offs = struct.unpack('>%dI' % nc, d[cs+8:cs+8+4*nc])
    sc, sce = find(d, *st, ['stsc'])
    ne = struct.unpack('>I', d[sc+4:sc+8])[0]
    ents = [struct.unpack('>III', d[sc+8+12*k:sc+20+12*k]) for k in range(ne)]
    pk = []; si = 0
    for c in range(nc):
        per = [e[1] for e in ents if e[0] <= c + 1][-1]
        o = offs[c]
        for _ in range(per):
            if si >= n: break
            pk.append(d[o:o+sizes[si]]); o += sizes[si]; si += 1
    out = b'PKTS' + b''.join(struct.pack('>I', len(p)) + p for p in [cfg] + pk)
    open(f.rsplit('.', 1)[0] + '.pkts', 'wb').write(out)
    print(f, etype, len(cfg), len(pk))
PY
ls -la
"$HERE/make-robust-fixtures.sh"  # robustness fixtures (testdata/robust/, see testdata/README.md)

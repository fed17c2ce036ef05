#!/usr/bin/env bash
# Regenerates testdata/robust/ (and testdata/malformed/fuzz-h264_sps-1.bin): one small file
# per demuxer/decoder robustness class, made with FFmpeg plus byte-level box surgery in
# Python (the shared helper `mp4box` below re-serialises box trees with every size
# recomputed and re-points stco/co64, tfhd base_data_offset, trun data_offset and tfra at
# the same sample bytes). Deterministic (fixed seeds) up to the encoder version.
# See testdata/README.md for what each file exercises. Run from anywhere.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/testdata/robust"
mkdir -p "$OUT" "$ROOT/testdata/malformed"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"

FF="ffmpeg -hide_banner -loglevel error -y"
src() { echo "-f lavfi -i testsrc2=size=320x240:rate=30:duration=$1"; }
tone() { echo "-f lavfi -i sine=frequency=1000:sample_rate=44100:duration=$1"; }
V="-c:v libx264 -preset ultrafast -pix_fmt yuv420p -crf 38 -g 30"
A="-c:a aac -b:a 32k -ac 1"
FRAG="-movflags +frag_keyframe+empty_moov+default_base_moof"
py() { PYTHONPATH="$TMP" python3 - "$@"; }

# ---------------------------------------------------------------------------------------
# Shared Python helper: box tree parse / edit / serialise with automatic size and pointer
# fixing. Usage: boxes, data = load(path); edit boxes; save(path, boxes).
cat > mp4box.py <<'PY'
"""Minimal ISO-BMFF box tree: parse, edit, re-serialise with every size recomputed, then
re-point every absolute/relative sample pointer (stco/co64, tfhd base_data_offset, trun
data_offset, tfra moof_offset) at the same bytes in the new layout."""
import struct

CONTAINERS = {b'moov', b'trak', b'mdia', b'minf', b'stbl', b'dinf', b'edts', b'udta', b'mvex',
              b'moof', b'traf', b'mfra', b'sinf', b'schi', b'tref'}
PREFIX = {b'meta': 4, b'stsd': 8, b'dref': 8}            # bytes before the child boxes
VISUAL = {b'avc1', b'avc3', b'hvc1', b'hev1', b'mp4v', b'encv'}
AUDIO = {b'mp4a', b'enca', b'ac-3', b'alac', b'Opus', b'fLaC'}
VIRTUAL = 0xF0000000  # pretend "old position" of freshly built mdats (fits stco)


class Box:
    def __init__(self, typ, data=b'', children=None, prefix=b'', pos=None, size=None):
        self.type = typ if isinstance(typ, bytes) else typ.encode('latin1')
        self.data = bytearray(data)        # payload of a leaf
        self.children = children           # list of Box for containers, else None
        self.prefix = bytearray(prefix)    # container bytes before the children
        self.pos = pos                     # position in the parsed file (None: new box)
        self.size = size                   # size in the parsed file
        self.newpos = None
        self.hdr = 8

    def __repr__(self):
        return '<%s %s>' % (self.type.decode('latin1'), self.pos)

    def payload(self):
        if self.children is None:
            return bytes(self.data)
        return bytes(self.prefix) + b''.join(c.bytes() for c in self.children)

    def bytes(self):
        p = self.payload()
        if len(p) + 8 > 0xffffffff:
            return struct.pack('>I4sQ', 1, self.type, len(p) + 16) + p
        return struct.pack('>I4s', len(p) + 8, self.type) + p

    def length(self):
        return len(self.bytes())

    # --- navigation -------------------------------------------------------------
    def kids(self, typ=None):
        t = typ.encode() if isinstance(typ, str) else typ
        return [c for c in (self.children or []) if t is None or c.type == t]

    def find(self, path):
        """First descendant along 'a/b/c' (each step: first child of that type)."""
        return find(self.children or [], path)

    def walk(self):
        yield self
        for c in self.children or []:
            yield from c.walk()


def find(boxes, path):
    for step in path.split('/'):
        t = step.encode()
        nxt = [b for b in boxes if b.type == t]
        if not nxt:
            return None
        cur = nxt[0]
        boxes = cur.children or []
    return cur


def findall(boxes, typ):
    t = typ.encode() if isinstance(typ, str) else typ
    return [x for b in boxes for x in b.walk() if x.type == t]


def sample_entry_prefix(typ, body):
    if typ in VISUAL:
        return 78
    if typ in AUDIO:
        ver = struct.unpack('>H', body[8:10])[0]
        return 28 + {0: 0, 1: 16, 2: 36}.get(ver, 0)
    return None


def parse(d, start=0, end=None, parent=None):
    end = len(d) if end is None else end
    out = []
    i = start
    while i + 8 <= end:
        size, typ = struct.unpack('>I4s', d[i:i + 8])
        hdr = 8
        if size == 1:
            size = struct.unpack('>Q', d[i + 8:i + 16])[0]
            hdr = 16
        elif size == 0:
            size = end - i
        if size < hdr or i + size > end:
            raise ValueError('bad box %r at %d size %d' % (typ, i, size))
        body = d[i + hdr:i + size]
        npre = None
        if typ in CONTAINERS:
            npre = 0
        elif typ in PREFIX:
            npre = PREFIX[typ]
        elif parent == b'stsd':
            npre = sample_entry_prefix(typ, body)
        if npre is not None:
            b = Box(typ, children=parse(d, i + hdr + npre, i + size, typ), prefix=body[:npre],
                    pos=i, size=size)
        else:
            b = Box(typ, body, pos=i, size=size)
        b.hdr = hdr
        out.append(b)
        i += size
    if i != end and parent is None and end - i > 0:
        raise ValueError('%d trailing bytes at %d' % (end - i, i))
    return out


def load(path):
    d = open(path, 'rb').read()
    boxes = parse(d)
    annotate_fragments(boxes)
    return boxes, d


# --- full boxes ------------------------------------------------------------------
def full(b):
    v = b.data[0]
    f = int.from_bytes(b.data[1:4], 'big')
    return v, f, bytes(b.data[4:])


def mkfull(typ, version, flags, body):
    return Box(typ, bytes([version]) + flags.to_bytes(3, 'big') + body)


def mk(typ, body=b'', children=None):
    return Box(typ, body, children=children)


# --- fragment tables -------------------------------------------------------------
def trex_defaults(boxes):
    out = {}
    for t in findall(boxes, 'trex'):
        tid, sdi, dur, size, flags = struct.unpack('>5I', t.data[4:24])
        out[tid] = dict(sdi=sdi, duration=dur, size=size, flags=flags)
    return out


def tfhd_parse(b):
    v, f, r = full(b)
    tid = struct.unpack('>I', r[:4])[0]
    o = 4
    t = dict(flags=f, track_id=tid)
    for bit, name, n in ((0x1, 'base', 8), (0x2, 'sdi', 4), (0x8, 'duration', 4),
                         (0x10, 'size', 4), (0x20, 'sflags', 4)):
        if f & bit:
            t[name] = int.from_bytes(r[o:o + n], 'big')
            o += n
    return t


def tfhd_build(t):
    f = t['flags']
    body = struct.pack('>I', t['track_id'])
    for bit, name, n in ((0x1, 'base', 8), (0x2, 'sdi', 4), (0x8, 'duration', 4),
                         (0x10, 'size', 4), (0x20, 'sflags', 4)):
        if f & bit:
            body += t[name].to_bytes(n, 'big')
    return mkfull(b'tfhd', 0, f, body)


TRUN_FIELDS = ((0x100, 'duration'), (0x200, 'size'), (0x400, 'flags'), (0x800, 'cto'))


def trun_parse(b):
    v, f, r = full(b)
    n = struct.unpack('>I', r[:4])[0]
    o = 4
    t = dict(version=v, flags=f, data_offset=None, first_flags=None, samples=[])
    if f & 0x1:
        t['data_offset'] = struct.unpack('>i', r[o:o + 4])[0]
        o += 4
    if f & 0x4:
        t['first_flags'] = struct.unpack('>I', r[o:o + 4])[0]
        o += 4
    for _ in range(n):
        s = {}
        for bit, name in TRUN_FIELDS:
            if f & bit:
                fmt = '>i' if (name == 'cto' and v == 1) else '>I'
                s[name] = struct.unpack(fmt, r[o:o + 4])[0]
                o += 4
        t['samples'].append(s)
    return t


def trun_build(t, abs_start=None):
    f = t['flags']
    if t.get('data_offset') is None:
        f &= ~0x1
    else:
        f |= 0x1
    if t.get('first_flags') is None:
        f &= ~0x4
    else:
        f |= 0x4
    body = struct.pack('>I', len(t['samples']))
    if f & 0x1:
        body += struct.pack('>i', t['data_offset'])
    if f & 0x4:
        body += struct.pack('>I', t['first_flags'])
    for s in t['samples']:
        for bit, name in TRUN_FIELDS:
            if f & bit:
                body += struct.pack('>i' if (name == 'cto' and t['version'] == 1) else '>I', s[name])
    b = mkfull(b'trun', t['version'], f, body)
    b.abs_start = abs_start
    return b


def trun_sizes(t, tfhd, trex):
    dflt = tfhd.get('size', trex.get('size', 0) if trex else 0)
    return [s.get('size', dflt) for s in t['samples']]


def traf_layout(moof_pos, traf, implicit, trex, newpos=False):
    """Yields (trun box, parsed trun, start, end) for the truns of one traf, given the
    moof position and the implicit base (end of the previous traf's data)."""
    th = tfhd_parse(traf.find('tfhd'))
    if th['flags'] & 0x1:
        base = th['base']
    elif th['flags'] & 0x20000:
        base = moof_pos
    else:
        base = implicit
    cur = base
    out = []
    for tb in traf.kids('trun'):
        t = trun_parse(tb)
        start = base + t['data_offset'] if t['data_offset'] is not None else cur
        end = start + sum(trun_sizes(t, th, trex.get(th['track_id'])))
        out.append((tb, t, start, end))
        cur = end
    return th, out, cur


def frag_samples(boxes, d):
    """{track_id: [sample bytes]} of a parsed fragmented file, read by the 14496-12 rules."""
    trex = trex_defaults(boxes)
    out = {}
    for moof in [b for b in boxes if b.type == b'moof']:
        implicit = moof.pos
        for traf in moof.kids('traf'):
            th, rs, implicit = traf_layout(moof.pos, traf, implicit, trex)
            for tb, t, start, end in rs:
                o = start
                for n in trun_sizes(t, th, trex.get(th['track_id'])):
                    out.setdefault(th['track_id'], []).append(d[o:o + n])
                    o += n
    return out


def annotate_fragments(boxes):
    trex = trex_defaults(boxes)
    for moof in [b for b in boxes if b.type == b'moof']:
        implicit = moof.pos
        for traf in moof.kids('traf'):
            th, runs, implicit = traf_layout(moof.pos, traf, implicit, trex)
            traf.find('tfhd').old_base = th.get('base')
            for tb, t, s, e in runs:
                tb.abs_start = s


# --- layout and pointer fixing ---------------------------------------------------
def layout(boxes, start=0):
    pos = start
    for b in boxes:
        b.newpos = pos
        if b.children is not None:
            layout(b.children, pos + 8 + len(b.prefix))
        pos += b.length()
    return pos


def finalize(boxes):
    """Recomputes every pointer for the new layout; returns the file bytes."""
    layout(boxes)
    mdats = [b for b in boxes if b.type == b'mdat' and b.pos is not None]

    def remap(old):
        for m in mdats:
            if m.pos + m.hdr <= old <= m.pos + m.size:
                return old - m.pos - m.hdr + m.newpos + (m.length() - len(m.data))
        raise ValueError('pointer %d is not inside any mdat' % old)

    # chunk offsets
    for b in findall(boxes, 'stco') + findall(boxes, 'co64'):
        n = struct.unpack('>I', b.data[4:8])[0]
        w = 4 if b.type == b'stco' else 8
        offs = [int.from_bytes(b.data[8 + w * k:8 + w * k + w], 'big') for k in range(n)]
        new = [remap(o) for o in offs]
        if w == 4 and max(new, default=0) > 0xffffffff:
            raise ValueError('stco overflow')
        b.data[8:] = b''.join(o.to_bytes(w, 'big') for o in new)
    # fragments
    trex = trex_defaults(boxes)
    moofs = {b.pos: b for b in boxes if b.type == b'moof' and b.pos is not None}
    for moof in [b for b in boxes if b.type == b'moof']:
        implicit = moof.newpos
        for traf in moof.kids('traf'):
            tf = traf.find('tfhd')
            th = tfhd_parse(tf)
            if th['flags'] & 0x1:
                ob = getattr(tf, 'old_base', None)
                th['base'] = moof.newpos if ob == moof.pos else remap(ob)
                tf.data[:] = tfhd_build(th).data
                base = th['base']
            elif th['flags'] & 0x20000:
                base = moof.newpos
            else:
                base = implicit
            cur = base
            for tb in traf.kids('trun'):
                t = trun_parse(tb)
                want = remap(tb.abs_start)
                if t['data_offset'] is not None:
                    t['data_offset'] = want - base
                    tb.data[:] = trun_build(t).data
                elif want != cur:
                    raise ValueError('trun without data_offset would start at %d, data is at %d'
                                     % (cur, want))
                cur = want + sum(trun_sizes(t, th, trex.get(th['track_id'])))
            implicit = cur
    for tfra in findall(boxes, 'tfra'):
        v, f, r = full(tfra)
        tid, ls, n = struct.unpack('>III', r[:12])
        w = 8 if v == 1 else 4
        rec = 2 * w + ((ls >> 4) & 3) + 1 + ((ls >> 2) & 3) + 1 + (ls & 3) + 1
        body = bytearray(r)
        for k in range(n):
            o = 12 + k * rec + w
            old = int.from_bytes(body[o:o + w], 'big')
            body[o:o + w] = moofs[old].newpos.to_bytes(w, 'big')
        tfra.data[4:] = body
    out = b''.join(b.bytes() for b in boxes)
    return out


def save(path, boxes):
    d = finalize(boxes)
    open(path, 'wb').write(d)
    return d


# --- sample tables (non-fragmented) ----------------------------------------------
def u32s(b, off, n):
    return list(struct.unpack('>%dI' % n, bytes(b.data[off:off + 4 * n])))


def track_samples(trak):
    """[{offset, size, dts, duration, cto, sync, sdi}] from a trak's stbl (old offsets)."""
    st = trak.find('mdia/minf/stbl')
    z = st.find('stsz')
    fixed, n = struct.unpack('>II', z.data[4:12])
    sizes = [fixed] * n if fixed else u32s(z, 12, n)
    co = st.find('stco') or st.find('co64')
    nc = struct.unpack('>I', co.data[4:8])[0]
    if co.type == b'stco':
        offs = u32s(co, 8, nc)
    else:
        offs = list(struct.unpack('>%dQ' % nc, bytes(co.data[8:8 + 8 * nc])))
    sc = st.find('stsc')
    ne = struct.unpack('>I', sc.data[4:8])[0]
    ents = [u32s(sc, 8 + 12 * k, 3) for k in range(ne)]
    durs = []
    tt = st.find('stts')
    for k in range(struct.unpack('>I', tt.data[4:8])[0]):
        c, dlt = u32s(tt, 8 + 8 * k, 2)
        durs += [dlt] * c
    ctos = [0] * n
    ct = st.find('ctts')
    if ct:
        v = ct.data[0]
        l = []
        for k in range(struct.unpack('>I', ct.data[4:8])[0]):
            c, o = struct.unpack('>I' + ('i' if v else 'I'), bytes(ct.data[8 + 8 * k:16 + 8 * k]))
            l += [o] * c
        ctos = l
    ss = st.find('stss')
    sync = set(u32s(ss, 8, struct.unpack('>I', ss.data[4:8])[0])) if ss else None
    out = []
    si = 0
    dts = 0
    for c in range(nc):
        e = [x for x in ents if x[0] <= c + 1][-1]
        o = offs[c]
        for _ in range(e[1]):
            if si >= n:
                break
            out.append(dict(offset=o, size=sizes[si], dts=dts, duration=durs[si], cto=ctos[si],
                            sync=(sync is None or si + 1 in sync), sdi=e[2]))
            o += sizes[si]
            dts += durs[si]
            si += 1
    return out


def runs(values):
    out = []
    for v in values:
        if out and out[-1][1] == v:
            out[-1][0] += 1
        else:
            out.append([1, v])
    return out


def set_track_samples(trak, samples, entries=None, chunk=10):
    """Rewrites a trak's stbl for `samples` (offsets are old-file or virtual positions);
    consecutive contiguous samples with the same sdi share a chunk of at most `chunk`."""
    st = trak.find('mdia/minf/stbl')
    if entries is not None:
        sd = st.find('stsd')
        sd.children = entries
        sd.prefix[4:8] = struct.pack('>I', len(entries))
    chunks = []
    for i, s in enumerate(samples):
        c = chunks[-1] if chunks else None
        if (c and c['sdi'] == s['sdi'] and len(c['s']) < chunk
                and c['s'][-1]['offset'] + c['s'][-1]['size'] == s['offset']):
            c['s'].append(s)
        else:
            chunks.append(dict(sdi=s['sdi'], s=[s]))
    stsc = []
    for k, c in enumerate(chunks):
        if not stsc or stsc[-1][1:] != [len(c['s']), c['sdi']]:
            stsc.append([k + 1, len(c['s']), c['sdi']])
    tabs = {
        b'stts': b''.join(struct.pack('>II', *r) for r in runs([s['duration'] for s in samples])),
        b'stsc': b''.join(struct.pack('>III', *e) for e in stsc),
        b'stco': b''.join(struct.pack('>I', c['s'][0]['offset']) for c in chunks),
    }
    cnt = {b'stts': len(runs([s['duration'] for s in samples])), b'stsc': len(stsc),
           b'stco': len(chunks)}
    new = []
    for b in st.children:
        if b.type in tabs:
            new.append(mkfull(b.type, 0, 0, struct.pack('>I', cnt[b.type]) + tabs[b.type]))
        elif b.type == b'co64':
            new.append(mkfull(b'stco', 0, 0, struct.pack('>I', cnt[b'stco']) + tabs[b'stco']))
        elif b.type == b'stsz':
            new.append(mkfull(b'stsz', 0, 0, struct.pack('>II', 0, len(samples)) +
                              b''.join(struct.pack('>I', s['size']) for s in samples)))
        elif b.type == b'stss':
            if not all(s['sync'] for s in samples):
                ks = [i + 1 for i, s in enumerate(samples) if s['sync']]
                new.append(mkfull(b'stss', 0, 0, struct.pack('>I', len(ks)) +
                                  b''.join(struct.pack('>I', k) for k in ks)))
        elif b.type == b'ctts':
            if any(s['cto'] for s in samples):
                r = runs([s['cto'] for s in samples])
                new.append(mkfull(b'ctts', 0, 0, struct.pack('>I', len(r)) +
                                  b''.join(struct.pack('>II', *x) for x in r)))
        elif b.type in (b'sdtp', b'sgpd', b'sbgp'):
            pass  # per-sample side tables: drop rather than leave them inconsistent
        else:
            new.append(b)
    st.children = new
    set_track_duration(trak, sum(s['duration'] for s in samples))


def set_track_duration(trak, media_dur, movie_ts=None):
    md = trak.find('mdia/mdhd')
    v = md.data[0]
    if v == 1:
        ts = struct.unpack('>I', md.data[20:24])[0]
        md.data[24:32] = struct.pack('>Q', media_dur)
    else:
        ts = struct.unpack('>I', md.data[12:16])[0]
        md.data[16:20] = struct.pack('>I', media_dur)
    trak.media_dur = (media_dur, ts)


def fix_durations(boxes):
    """Drops edit lists of retimed tracks and rewrites tkhd/mvhd durations."""
    moov = find(boxes, 'moov')
    mv = moov.find('mvhd')
    v = mv.data[0]
    mts = struct.unpack('>I', mv.data[20:24] if v else mv.data[12:16])[0]
    longest = 0
    for trak in moov.kids('trak'):
        md = trak.find('mdia/mdhd')
        if md.data[0] == 1:
            ts, dur = struct.unpack('>IQ', md.data[20:32])
        else:
            ts, dur = struct.unpack('>II', md.data[12:20])
        if hasattr(trak, 'media_dur'):
            trak.children = [c for c in trak.children if c.type != b'edts']
        tdur = dur * mts // ts
        tk = trak.find('tkhd')
        if tk.data[0] == 1:
            tk.data[28:36] = struct.pack('>Q', tdur)
        else:
            tk.data[20:24] = struct.pack('>I', tdur)
        longest = max(longest, tdur)
    if v:
        mv.data[24:32] = struct.pack('>Q', longest)
    else:
        mv.data[16:20] = struct.pack('>I', longest)


def new_mdat(chunks):
    """An mdat holding `chunks` (list of bytes) at virtual positions; returns (box, offsets)
    where offsets are what stco should hold (finalize maps them to real positions)."""
    b = Box(b'mdat', b''.join(chunks), pos=VIRTUAL, size=8 + sum(map(len, chunks)))
    offs = []
    o = VIRTUAL + 8
    for c in chunks:
        offs.append(o)
        o += len(c)
    return b, offs


def nal_types(sample, nls=4):
    i = 0
    out = []
    while i + nls <= len(sample):
        n = int.from_bytes(sample[i:i + nls], 'big')
        out.append(sample[i + nls] & 0x1f)
        i += nls + n
    return out


def avcc_counts(avcc):
    d = bytes(avcc.data)
    nsps = d[5] & 0x1f
    i = 6
    for _ in range(nsps):
        i += 2 + struct.unpack('>H', d[i:i + 2])[0]
    npps = d[i]
    return nsps, npps


def tree(boxes, depth=0, out=None):
    out = [] if out is None else out
    for b in boxes:
        out.append('  ' * depth + b.type.decode('latin1') + ' %d' % b.length())
        if b.children is not None:
            tree(b.children, depth + 1, out)
    return out
PY

# ---------------------------------------------------------------------------------------
# 1. Fragmented, default-base-is-moof, each video traf split into 3 truns and each audio
#    traf into 2. frag_multi_trun.mp4: every trun has an explicit data_offset.
#    frag_multi_trun_implicit.mp4: the 2nd video trun and the 2nd audio trun omit
#    data_offset (data continues after the previous run, 14496-12 8.8.8.1), the 3rd video
#    trun has one. FFmpeg 5.1 reads a missing data_offset as 0 (from the base), so it
#    misreads the implicit file; that is FFmpeg's bug, the file is valid.
$FF $(src 3) $(tone 3) $V $A $FRAG frag.mp4
py "$OUT/frag_multi_trun.mp4" "$OUT/frag_multi_trun_implicit.mp4" <<'PY'
import sys
from mp4box import *
for implicit, path in enumerate(sys.argv[1:]):
    boxes, d = load('frag.mp4')
    trex = trex_defaults(boxes)
    for moof in [b for b in boxes if b.type == b'moof']:
        for traf in moof.kids('traf'):
            th = tfhd_parse(traf.find('tfhd'))
            tb = traf.find('trun')
            t = trun_parse(tb)
            n = len(t['samples'])
            cuts = [0, n // 3, 2 * n // 3, n] if th['track_id'] == 1 else [0, n // 2, n]
            sizes = trun_sizes(t, th, trex[th['track_id']])
            new = []
            for k in range(len(cuts) - 1):
                a, b = cuts[k], cuts[k + 1]
                if a == b:
                    continue
                r = dict(t, samples=t['samples'][a:b])
                if k > 0:
                    r['first_flags'] = None
                    # the value is set by finalize(); None = no data_offset field
                    r['data_offset'] = None if (implicit and k == 1) else 0
                new.append(trun_build(r, tb.abs_start + sum(sizes[:a])))
            i = traf.children.index(tb)
            traf.children[i:i + 1] = new
    save(path, boxes)
PY

# 2. Fragmented, first tfdt = 10 s (live packager style), no edit list.
py "$OUT/frag_tfdt_nonzero.mp4" <<'PY'
import sys, struct
from mp4box import *
boxes, d = load('frag.mp4')
ts = {}
for trak in findall(boxes, 'trak'):
    tk = trak.find('tkhd').data
    tid = struct.unpack('>I', tk[20:24] if tk[0] else tk[12:16])[0]
    md = trak.find('mdia/mdhd')
    ts[tid] = struct.unpack('>I', md.data[12:16] if md.data[0] == 0 else md.data[20:24])[0]
    trak.children = [c for c in trak.children if c.type != b'edts']
for traf in findall(boxes, 'traf'):
    tid = tfhd_parse(traf.find('tfhd'))['track_id']
    tf = traf.find('tfdt')
    v, f, r = full(tf)
    t = struct.unpack('>Q' if v else '>I', r)[0] + 10 * ts[tid]
    tf.data[:] = mkfull(b'tfdt', 1, 0, struct.pack('>Q', t)).data
for tfra in findall(boxes, 'tfra'):        # the random-access index carries times too
    v, f, r = full(tfra)
    tid, ls, n = struct.unpack('>III', r[:12])
    w = 8 if v else 4
    rec = 2 * w + ((ls >> 4) & 3) + ((ls >> 2) & 3) + (ls & 3) + 3
    body = bytearray(r)
    for k in range(n):
        o = 12 + k * rec
        body[o:o + w] = (int.from_bytes(body[o:o + w], 'big') + 10 * ts[tid]).to_bytes(w, 'big')
    tfra.data[4:] = body
save(sys.argv[1], boxes)
PY

# 3. CMAF/HLS init segment + 3 media segments (styp, sidx per track, moof, mdat), cat'ed,
#    with a top-level emsg and prft between the 1st and 2nd segment.
mkdir -p hls
$FF $(src 3) $(tone 3) $V $A -f hls -hls_time 1 -hls_segment_type fmp4 \
  -hls_fmp4_init_filename init.mp4 -hls_segment_filename 'hls/seg%d.m4s' hls/index.m3u8
py "$OUT/frag_init_plus_segments.mp4" <<'PY'
import sys, struct
from mp4box import *
init = parse(open('hls/init.mp4', 'rb').read())
segs = [parse(open('hls/seg%d.m4s' % k, 'rb').read()) for k in range(3)]
assert all(s[0].type == b'styp' and s[1].type == b'sidx' for s in segs), [tree(s) for s in segs]
tfdt1 = struct.unpack('>Q', bytes(find(segs[1], 'moof/traf/tfdt').data[4:12]))[0]
emsg = mkfull(b'emsg', 1, 0, struct.pack('>IQII', 15360, tfdt1, 7680, 1) +
              b'urn:mpeg:dash:event:2012\0' + b'1\0' + b'clipfit test event')
prft = mkfull(b'prft', 1, 0, struct.pack('>IQQ', 1, 0xE8F2A5C080000000, tfdt1))
out = b''.join(b.bytes() for b in init + segs[0]) + emsg.bytes() + prft.bytes() + \
      b''.join(b.bytes() for s in segs[1:] for b in s)
open(sys.argv[1], 'wb').write(out)
PY

# 4. Fragmented without default-base-is-moof, video + audio trafs in one moof sharing one
#    mdat: (a) as FFmpeg writes it, tfhd base_data_offset = moof position; (b) the flag and
#    its 8 bytes removed from every tfhd and the audio trun's data_offset removed, so the
#    audio data starts where the video traf's data ended (14496-12 8.8.7.1 implicit base).
$FF $(src 3) $(tone 3) $V $A -movflags +frag_keyframe+empty_moov "$OUT/frag_base_data_offset.mp4"
py "$OUT/frag_base_data_offset.mp4" "$OUT/frag_no_default_base.mp4" <<'PY'
import sys
from mp4box import *
boxes, d = load(sys.argv[1])
for moof in [b for b in boxes if b.type == b'moof']:
    trafs = moof.kids('traf')
    assert len(trafs) == 2
    for k, traf in enumerate(trafs):
        tf = traf.find('tfhd')
        th = tfhd_parse(tf)
        assert th['flags'] & 0x1 and th['base'] == moof.pos
        th['flags'] &= ~0x1
        tf.data[:] = tfhd_build(th).data
        if k == 1:
            for tb in traf.kids('trun'):
                t = trun_parse(tb)
                t['data_offset'] = None
                tb.data[:] = trun_build(t).data
save(sys.argv[2], boxes)   # finalize() asserts the implicit base lands on the audio data
PY

# 5. Fragmented video + audio + mov_text (tx3g) captions.
# (Captions back to back: FFmpeg's fragmenter loses the empty gap samples between cues.)
printf '1\n00:00:00,000 --> 00:00:01,500\nFirst caption\n\n2\n00:00:01,500 --> 00:00:03,000\nSecond caption\n' > cap.srt
$FF $(src 3) $(tone 3) -i cap.srt -map 0:v -map 1:a -map 2:s $V $A -c:s mov_text $FRAG \
  "$OUT/frag_with_captions.mp4"

# 6. Samples both in moov's stbl (first fragment) and in later moof/mdat pairs.
$FF $(src 3) $(tone 3) $V $A -movflags frag_keyframe "$OUT/moov_and_frag.mp4"

# 7. avc3 with an avcC carrying no SPS/PPS; parameter sets in-band in every keyframe.
$FF $(src 3) $(tone 3) $V -x264-params repeat-headers=1 $A rh.mp4
py "$OUT/avc3_inband.mp4" <<'PY'
import sys
from mp4box import *
boxes, d = load('rh.mp4')
assert [b.type for b in boxes][-1] == b'moov'
e = find(boxes, 'moov/trak/mdia/minf/stbl/stsd/avc1')
e.type = b'avc3'
c = e.find('avcC')
a = bytes(c.data)
i = 6
for _ in range(a[5] & 0x1f):
    i += 2 + int.from_bytes(a[i:i + 2], 'big')
npps = a[i]; i += 1
for _ in range(npps):
    i += 2 + int.from_bytes(a[i:i + 2], 'big')
c.data[:] = a[:5] + b'\xe0\x00' + a[i:]    # 0 SPS, 0 PPS, keep any High-profile tail
save(sys.argv[1], boxes)
PY

# 8. One video track, two avc1 entries with different SPS/PPS (Constrained Baseline CAVLC,
#    then High CABAC 8x8dct at another QP); stsc switches to entry 2 at the 2nd part.
$FF $(src 3) -vf trim=end_frame=45 $V -x264-params cabac=0:8x8dct=0 p1.mp4
$FF $(src 3) -vf trim=start_frame=45,setpts=PTS-STARTPTS $V -profile:v high \
  -x264-params cabac=1:8x8dct=1 -crf 34 p2.mp4
py "$OUT/stsd_two_entries.mp4" <<'PY'
import sys
from mp4box import *
b1, d1 = load('p1.mp4')
b2, d2 = load('p2.mp4')
t1 = find(b1, 'moov/trak')
t2 = find(b2, 'moov/trak')
s1, s2 = track_samples(t1), track_samples(t2)
e1 = t1.find('mdia/minf/stbl/stsd').kids()[0]
e2 = t2.find('mdia/minf/stbl/stsd').kids()[0]
assert bytes(e1.find('avcC').data) != bytes(e2.find('avcC').data)
data = [d1[s['offset']:s['offset'] + s['size']] for s in s1] + \
       [d2[s['offset']:s['offset'] + s['size']] for s in s2]
mdat, offs = new_mdat(data)
samples = []
for k, (s, o) in enumerate(zip(s1 + s2, offs)):
    samples.append(dict(s, offset=o, sdi=1 if k < len(s1) else 2))
set_track_samples(t1, samples, entries=[e1, e2], chunk=15)
moov = find(b1, 'moov')
fix_durations(b1)
save(sys.argv[1], [find(b1, 'ftyp'), moov, mdat])
PY

# 8b. The same join, but the second part is another size (480x270): renditions of an
#    adaptive stream joined, the picture size changes at the second entry's first IDR.
$FF $(src 3) -vf trim=start_frame=45,setpts=PTS-STARTPTS,scale=480:270 $V -crf 34 p3.mp4
py "$OUT/size_change.mp4" <<'PY'
import sys
from mp4box import *
b1, d1 = load('p1.mp4')
b3, d3 = load('p3.mp4')
t1 = find(b1, 'moov/trak')
t3 = find(b3, 'moov/trak')
s1, s3 = track_samples(t1), track_samples(t3)
e1 = t1.find('mdia/minf/stbl/stsd').kids()[0]
e3 = t3.find('mdia/minf/stbl/stsd').kids()[0]
data = [d1[s['offset']:s['offset'] + s['size']] for s in s1] + \
       [d3[s['offset']:s['offset'] + s['size']] for s in s3]
mdat, offs = new_mdat(data)
samples = [dict(s, offset=o, sdi=1 if k < len(s1) else 2) for k, (s, o) in enumerate(zip(s1 + s3, offs))]
set_track_samples(t1, samples, entries=[e1, e3], chunk=15)
fix_durations(b1)
save(sys.argv[1], [find(b1, 'ftyp'), find(b1, 'moov'), mdat])
print('size_change.mp4: 320x240 entry then 480x270 entry')
PY

# 9. First samples undecodable: the leading IDR removed (P-frames first, keyframe at
#    14/30 s), audio still from 0. SPS/PPS stay in avcC.
$FF $(src 3) $(tone 3) $V -g 15 $A -movflags +faststart gop15.mp4
py "$OUT/first_not_keyframe.mp4" <<'PY'
import sys
from mp4box import *
boxes, d = load('gop15.mp4')
v = [t for t in findall(boxes, 'trak') if t.find('mdia/minf/vmhd')][0]
s = track_samples(v)
assert s[0]['sync'] and not s[1]['sync'] and s[15]['sync']
set_track_samples(v, s[1:])
fix_durations(boxes)
save(sys.argv[1], boxes)
PY

# 10/11. A normal faststart file, then: a Samsung-style trailer (SEF data blocks, SEFH
#    directory, size + "SEFT"; its first 8 bytes read as a box with an absurd size and a
#    non-ASCII type); the same trailer as a well-formed top-level 'sefd' box; an unknown
#    100-byte top-level 'xyzw' box right after moov, before free+mdat (stco +100).
$FF $(src 2) $(tone 2) $V $A -movflags +faststart plain.mp4
py "$OUT/trailer_sefd.mp4" "$OUT/trailer_sefd_box.mp4" "$OUT/unknown_top_box.mp4" <<'PY'
import sys, struct
from mp4box import *
d = open('plain.mp4', 'rb').read()
blocks = [(0x0a01, b'Image_UTC_Data', b'1700000000000'),
          (0x0a30, b'MCC_Data', b'450'),
          (0x0b71, b'Camera_Capture_Mode_Info', b'1' + b'\0' * 40)]
body = b''
dirent = []
for typ, name, val in blocks:
    blk = struct.pack('<HHI', 0, typ, len(name)) + name + val
    dirent.append((typ, len(body), len(blk)))
    body += blk
sefh = b'SEFH' + struct.pack('<II', 106, len(blocks))
for typ, off, n in dirent:
    sefh += struct.pack('<HHII', 0, typ, len(body) - off, n)
trailer = body + sefh + struct.pack('<I', len(sefh)) + b'SEFT'
assert struct.unpack('>I', trailer[:4])[0] > len(trailer)   # as a box: runs past EOF
open(sys.argv[1], 'wb').write(d + trailer)
open(sys.argv[2], 'wb').write(d + mk(b'sefd', trailer).bytes())
boxes = parse(d)
i = [b.type for b in boxes].index(b'moov') + 1   # FFmpeg's faststart: moov, free, mdat
boxes.insert(i, mk(b'xyzw', b'clipfit: an unknown top-level box'.ljust(92, b'.')))
assert boxes[i].length() == 100
save(sys.argv[3], boxes)
PY

# 12. One P-frame at 1.5 s with its slice data (after the NAL header byte) overwritten by
#     seeded random bytes. Decoders report errors for this one; that is expected.
$FF $(src 3) $(tone 3) $V $A -movflags +faststart g30.mp4
py "$OUT/corrupt_nal_mid.mp4" <<'PY'
import sys, random
from mp4box import *
boxes, d = load('g30.mp4')
v = [t for t in findall(boxes, 'trak') if t.find('mdia/minf/vmhd')][0]
s = track_samples(v)[45]
assert not s['sync']
mdat = find(boxes, 'mdat')
rnd = random.Random(20240611)
i = s['offset']
hit = 0
while i < s['offset'] + s['size']:
    n = int.from_bytes(d[i:i + 4], 'big')
    if d[i + 4] & 0x1f == 1:
        o = i + 5 - mdat.pos - mdat.hdr
        mdat.data[o:o + n - 1] = bytes(rnd.randrange(256) for _ in range(n - 1))
        hit += 1
    i += 4 + n
assert hit
save(sys.argv[1], boxes)
PY

# 13. The audio track's stsd removed, and (second file) present with entry_count 0.
py "$OUT/audio_no_stsd.mp4" "$OUT/audio_empty_stsd.mp4" <<'PY'
import sys
from mp4box import *
for k, path in enumerate(sys.argv[1:]):
    boxes, d = load('plain.mp4')
    a = [t for t in findall(boxes, 'trak') if t.find('mdia/minf/smhd')][0]
    st = a.find('mdia/minf/stbl')
    if k == 0:
        st.children = [c for c in st.children if c.type != b'stsd']
    else:
        sd = st.find('stsd')
        sd.children = []
        sd.prefix[4:8] = b'\0\0\0\0'
    save(path, boxes)
PY

# 14. A fuzzer crash input for the SPS parser (exact bytes).
python3 -c "import sys; open(sys.argv[1],'wb').write(bytes.fromhex(
  'e77affffe7c1ff412508ae00ffff2b00000001ffffff010000002b0b'))" \
  "$ROOT/testdata/malformed/fuzz-h264_sps-1.bin"

# 15. Android slow-motion style: High, level 5.1, full range, 120 fps for 1 s then 30 fps,
#     one reference frame, no B-frames, 90 kHz timescale, AAC 48 kHz.
$FF -f lavfi -i testsrc2=size=320x240:rate=120:duration=1.25 \
  -f lavfi -i sine=frequency=1000:sample_rate=48000:duration=2 \
  -vf "setpts='if(lt(N\\,120)\\,N/120\\,1+(N-120)/30)/TB',scale=out_range=full" -fps_mode vfr \
  -c:v libx264 -preset ultrafast -profile:v high -level 5.1 -pix_fmt yuv420p -color_range pc \
  -crf 40 -x264-params bframes=0:ref=1:cabac=1:8x8dct=1:keyint=60:min-keyint=60:scenecut=0 \
  -video_track_timescale 90000 -c:a aac -b:a 48k -ac 2 "$OUT/slowmo_fullrange_51.mp4"

# ---------------------------------------------------------------------------------------
# Checks: the intended property of each file (structure via mp4box, stream facts via
# ffprobe), then FFmpeg's decode result for every file.
cd "$OUT"
TMP="$TMP" py <<'PY'
import struct, os
from mp4box import *

def top(boxes):
    return [b.type.decode('latin1') for b in boxes]

def rbsp(nal):
    out = bytearray(); z = 0
    for c in nal:
        if z >= 2 and c == 3:
            z = 0; continue
        out.append(c); z = z + 1 if c == 0 else 0
    return bytes(out)

class Bits:
    def __init__(s, b): s.b = b; s.i = 0
    def u(s, n):
        v = 0
        for _ in range(n):
            v = (v << 1) | ((s.b[s.i >> 3] >> (7 - (s.i & 7))) & 1); s.i += 1
        return v
    def ue(s):
        z = 0
        while s.u(1) == 0: z += 1
        return (1 << z) - 1 + s.u(z)
    def se(s):
        k = s.ue(); return (k + 1) // 2 if k & 1 else -(k // 2)

def sps_facts(nal):
    r = Bits(rbsp(nal[1:]))
    f = dict(profile=r.u(8), constraints=r.u(8), level=r.u(8))
    r.ue()
    if f['profile'] in (100, 110, 122, 244, 44, 83, 86, 118, 128):
        cf = r.ue()
        if cf == 3: r.u(1)
        f['bit_depth'] = 8 + r.ue(); r.ue(); r.u(1)
        assert r.u(1) == 0, 'scaling matrix'
    r.ue()
    poc = r.ue()
    if poc == 0: r.ue()
    elif poc == 1:
        r.u(1); r.se(); r.se()
        for _ in range(r.ue()): r.se()
    f['num_ref_frames'] = r.ue(); r.u(1)
    f['size'] = ((r.ue() + 1) * 16, (r.ue() + 1) * 16)
    if not r.u(1): r.u(1)
    r.u(1)
    if r.u(1): r.ue(); r.ue(); r.ue(); r.ue()
    if r.u(1):
        if r.u(1) and r.u(8) == 255: r.u(32)
        if r.u(1): r.u(1)
        f['full_range'] = 0
        if r.u(1):
            r.u(3); f['full_range'] = r.u(1)
            if r.u(1): r.u(24)
        if r.u(1): r.ue(); r.ue()
        if r.u(1): r.u(65)
        nal_hrd, vcl_hrd = r.u(1), None
        assert not nal_hrd
        vcl_hrd = r.u(1); assert not vcl_hrd
        r.u(1)
        if r.u(1):
            r.u(1); r.ue(); r.ue(); r.ue(); r.ue()
            f['max_num_reorder'] = r.ue(); f['max_dec_frame_buffering'] = r.ue()
    return f

def avcc_sets(avcc):
    a = bytes(avcc.data); i = 6; sps = []; pps = []
    for _ in range(a[5] & 0x1f):
        n = int.from_bytes(a[i:i + 2], 'big'); sps.append(a[i + 2:i + 2 + n]); i += 2 + n
    for _ in range(a[i]):
        i += 1
        n = int.from_bytes(a[i:i + 2], 'big'); pps.append(a[i + 2:i + 2 + n]); i += n + 1
    return sps, pps

def nals(sample):
    i = 0
    while i + 4 <= len(sample):
        n = int.from_bytes(sample[i:i + 4], 'big'); yield sample[i + 4:i + 4 + n]; i += 4 + n

def say(f, msg):
    print('%-28s %s' % (f, msg))

def trun_flags(boxes):
    return [[hex(trun_parse(t)['flags']) for t in traf.kids('trun')] for traf in findall(boxes, 'traf')]

ref = frag_samples(*load(os.environ['TMP'] + '/frag.mp4'))
for f, implicit in (('frag_multi_trun.mp4', 0), ('frag_multi_trun_implicit.mp4', 1)):
    b, d = load(f)
    tr = trun_flags(b)
    assert all(len(x) >= 2 for x in tr) and any(len(x) == 3 for x in tr)
    assert all(tfhd_parse(t)['flags'] & 0x20000 for t in findall(b, 'tfhd'))
    assert [bool(int(x, 16) & 1) for x in tr[0]] == [True, not implicit, True]
    assert [bool(int(x, 16) & 1) for x in tr[1]] == [True, not implicit]
    assert frag_samples(b, d) == ref
    say(f, 'default-base-is-moof; truns per traf %s; trun flags %s; samples == source' %
        ([len(x) for x in tr], tr[:2]))

f = 'frag_tfdt_nonzero.mp4'; b, d = load(f)
t = [(tfhd_parse(x.find('tfhd'))['track_id'], struct.unpack('>Q', bytes(x.find('tfdt').data[4:12]))[0])
     for x in findall(b, 'traf')][:2]
assert not findall(b, 'elst') and t[0][1] == 10 * 15360 and t[1][1] == 10 * 44100, t
assert frag_samples(b, d) == ref
say(f, 'first tfdt (track, ticks) %s = 10 s; no elst' % t)

f = 'frag_init_plus_segments.mp4'; b, d = load(f)
tt = top(b)
assert tt.count('styp') == 3 and tt.count('sidx') == 6 and 'emsg' in tt and 'prft' in tt
assert all(struct.unpack('>I', z.data[8:12])[0] == 0 for z in findall(b, 'stsz'))
say(f, ' '.join(tt))

for f, want in (('frag_base_data_offset.mp4', 1), ('frag_no_default_base.mp4', 0)):
    b, d = load(f)
    moofs = [x for x in b if x.type == b'moof']
    assert all(len(m.kids('traf')) == 2 for m in moofs)
    fl = [tfhd_parse(x)['flags'] for x in findall(b, 'tfhd')]
    assert all((x & 1) == want and not x & 0x20000 for x in fl)
    fs = frag_samples(b, d)
    if want:
        ref2 = fs
    assert fs == ref2 and len(fs) == 2
    say(f, '%d moofs x 2 trafs; tfhd flags %s; trun flags %s; samples == base_data_offset file' %
        (len(moofs), sorted(set(hex(x) for x in fl)), trun_flags(b)[:2]))

f = 'frag_with_captions.mp4'; b, d = load(f)
ents = [e.type.decode() for s in findall(b, 'stsd') for e in s.kids()]
assert 'tx3g' in ents and len(findall(b, 'traf')) >= 3 * len([x for x in b if x.type == b'moof']) - 2
say(f, 'sample entries %s; trafs per moof %s' % (ents, [len(m.kids('traf')) for m in b if m.type == b'moof']))

f = 'moov_and_frag.mp4'; b, d = load(f)
n = [struct.unpack('>I', z.data[8:12])[0] for z in findall(b, 'stsz')]
assert all(n) and b'moof' in [x.type for x in b]
say(f, 'stbl sample counts %s; top level %s' % (n, ' '.join(tt for tt in top(b))))

f = 'avc3_inband.mp4'; b, d = load(f)
e = findall(b, 'avc3')
assert e and avcc_counts(e[0].find('avcC')) == (0, 0)
s = track_samples(find(b, 'moov/trak'))
ks = [x for x in s if x['sync']]
types = [[nl[0] & 31 for nl in nals(d[x['offset']:x['offset'] + x['size']])] for x in ks]
assert all(7 in t and 8 in t for t in types)
say(f, 'avc3, avcC SPS/PPS counts (0, 0); keyframe NAL types %s' % types)

f = 'stsd_two_entries.mp4'; b, d = load(f)
sd = find(b, 'moov/trak/mdia/minf/stbl/stsd')
facts = [sps_facts(avcc_sets(e.find('avcC'))[0][0]) for e in sd.kids()]
pps = [avcc_sets(e.find('avcC'))[1][0].hex() for e in sd.kids()]
s = track_samples(find(b, 'moov/trak'))
inband = {nl[0] & 31 for x in s for nl in nals(d[x['offset']:x['offset'] + x['size']])}
assert len(facts) == 2 and pps[0] != pps[1] and not inband & {7, 8}
sw = [i for i in range(1, len(s)) if s[i]['sdi'] != s[i - 1]['sdi']]
assert sw == [45] and s[45]['sync']
say(f, 'stsd entries: %s; PPS %s; sdi switches at sample %s; in-band NAL types %s' %
    ([(x['profile'], x['level']) for x in facts], pps, sw, sorted(inband)))

f = 'first_not_keyframe.mp4'; b, d = load(f)
v = [t for t in findall(b, 'trak') if t.find('mdia/minf/vmhd')][0]
s = track_samples(v)
k = [i for i, x in enumerate(s) if x['sync']]
assert k[0] == 14
say(f, 'video sync samples %s (first keyframe at %.3f s); audio kept from 0' % (k, s[14]['dts'] / 15360))

for f in ('trailer_sefd.mp4', 'trailer_sefd_box.mp4'):
    d = open(f, 'rb').read()
    assert d.endswith(b'SEFT')
    try:
        tt = top(parse(d))
    except ValueError as e:
        tt = 'parse error: %s' % e
    say(f, 'ends with SEFT; top level: %s' % tt)

f = 'unknown_top_box.mp4'; b, d = load(f)
assert top(b)[1:3] == ['moov', 'xyzw'] and 'mdat' in top(b)[3:] and b[2].length() == 100
say(f, ' '.join(top(b)))

for f, want in (('audio_no_stsd.mp4', None), ('audio_empty_stsd.mp4', 0)):
    b, d = load(f)
    a = [t for t in findall(b, 'trak') if t.find('mdia/minf/smhd')][0]
    sd = a.find('mdia/minf/stbl/stsd')
    got = None if sd is None else struct.unpack('>I', sd.prefix[4:8])[0]
    assert got == want and (sd is None or not sd.children)
    say(f, 'audio stsd %s' % ('absent' if sd is None else 'entry_count 0, %d bytes' % sd.length()))

f = '../malformed/fuzz-h264_sps-1.bin'
assert open(f, 'rb').read().hex() == 'e77affffe7c1ff412508ae00ffff2b00000001ffffff010000002b0b'
assert len(open(f, 'rb').read()) == 28
say('malformed/fuzz-h264_sps-1.bin', '28 bytes as given')

f = 'slowmo_fullrange_51.mp4'; b, d = load(f)
v = [t for t in findall(b, 'trak') if t.find('mdia/minf/vmhd')][0]
x = sps_facts(avcc_sets(findall(b, 'avcC')[0])[0][0])
assert x['profile'] == 100 and x['level'] == 51 and x['full_range'] == 1 and x['num_ref_frames'] == 1
du = runs([s['duration'] for s in track_samples(v)])
say(f, 'SPS %s; stts runs %s (90 kHz)' % (x, du[:4]))
PY

echo
for f in *.mp4; do
  s=$(stat -c %s "$f")
  p=$(ffprobe -v error -show_entries stream=codec_type,codec_name,codec_tag_string,profile,level,pix_fmt,color_range,width,height \
        -of compact=p=0:nk=1 "$f" 2>/dev/null | tr '\n' ' ' || true)
  [ -n "$p" ] || p="ffprobe cannot open it "
  k=$(ffprobe -v error -select_streams v:0 -show_entries packet=pts_time,flags -read_intervals '%+#1' \
        -of compact=p=0:nk=1 "$f" 2>/dev/null | head -1 || true)
  e=$(ffmpeg -v error -i "$f" -f null - 2>&1) && rc=0 || rc=$?
  if [ -z "$e" ] && [ $rc = 0 ]; then r="decode OK"; else
    r="decode rc=$rc, $(printf '%s\n' "$e" | grep -c .) error lines, first: $(printf '%s\n' "$e" | head -1)"; fi
  printf '%-28s %7d B | %s| 1st video pkt %s | %s\n' "$f" "$s" "$p" "$k" "$r"
done
echo "frag_with_captions.mp4 cues: $(ffmpeg -v error -i frag_with_captions.mp4 -map 0:s -f srt - | grep -v -- '-->' | tr -s '\n' ' ')"
echo "(expected to fail: corrupt_nal_mid, audio_no_stsd, audio_empty_stsd, and FFmpeg 5.1 misreads frag_multi_trun_implicit)"

# ---------------------------------------------------------------------------------------
# 16/17. Slow-motion framings of SVC prefix NAL units (nal_unit_type 14, 4 bytes: the
#    header + a 3-byte svc extension) in an otherwise plain 2 s High clip (CABAC, 8x8dct,
#    no B-frames) + AAC. Only the video samples change; audio bytes are kept and its stco
#    re-pointed.
#    svc_prefix_nal.mp4 (Android/Qualcomm style): before every slice NAL (types 1 and 5)
#    of every sample, a separate length-prefixed prefix NAL whose nal_ref_idc is the
#    slice's: 6e c0 80 0f before an IDR slice, 4e c0 80 2f before a P slice.
#    prefix_nal_embedded_annexb.mp4 (Samsung style): each video sample is ONE 4-byte-length
#    unit = the prefix NAL (6e c0 80 0f on keyframes, 0e c0 80 0f otherwise) immediately
#    followed by the sample's real NAL units in Annex-B form (00 00 00 01 before each).
#    The avcC keeps the normal SPS/PPS in both.
cd "$TMP"
$FF $(src 2) $(tone 2) $V -profile:v high -x264-params bframes=0:cabac=1:8x8dct=1 $A \
  -movflags +faststart svc_src.mp4
py "$OUT/svc_prefix_nal.mp4" "$OUT/prefix_nal_embedded_annexb.mp4" <<'PY'
import sys, struct
from mp4box import *
SVC_IDR, SVC_NON_IDR = b'\xc0\x80\x0f', b'\xc0\x80\x2f'


def units(sample):
    """The NAL units of a sample with 4-byte lengths (they must cover it exactly)."""
    i, out = 0, []
    while i < len(sample):
        n = int.from_bytes(sample[i:i + 4], 'big')
        out.append(sample[i + 4:i + 4 + n])
        i += 4 + n
    assert i == len(sample)
    return out


def lp(nal):
    return len(nal).to_bytes(4, 'big') + nal


def svc_prefixed(sample, sync):
    out = b''
    for nal in units(sample):
        t = nal[0] & 0x1f
        if t in (1, 5):   # nal_ref_idc of the slice, type 14, svc extension
            out += lp(bytes([nal[0] & 0x60 | 14]) + (SVC_IDR if t == 5 else SVC_NON_IDR))
        out += lp(nal)
    return out


def annexb_in_one_unit(sample, sync):
    nl = units(sample)
    # no NAL may contain or end into a start code, so 00 00 00 01 is an unambiguous boundary
    assert all(b'\0\0\1' not in n and b'\0\0\0' not in n and n[-1] for n in nl)
    return lp((b'\x6e\xc0\x80\x0f' if sync else b'\x0e\xc0\x80\x0f') +
              b''.join(b'\0\0\0\1' + n for n in nl))


for path, fn in zip(sys.argv[1:], (svc_prefixed, annexb_in_one_unit)):
    boxes, d = load('svc_src.mp4')
    mdat = find(boxes, 'mdat')
    traks = findall(boxes, 'trak')
    v = [t for t in traks if t.find('mdia/minf/vmhd')][0]
    tab = {id(t): track_samples(t) for t in traks}
    order = sorted(((s['offset'], t, k) for t in traks for k, s in enumerate(tab[id(t)])),
                   key=lambda x: x[0])
    o = mdat.pos + mdat.hdr
    chunks = []
    for off, t, k in order:           # the samples tile the mdat, in file order
        s = tab[id(t)][k]
        assert off == o and s['size']
        b = d[off:off + s['size']]
        chunks.append(fn(b, s['sync']) if t is v else b)
        o += s['size']
    assert o == mdat.pos + mdat.size
    new, offs = new_mdat(chunks)
    where = {off: (n, len(c)) for (off, t, k), n, c in zip(order, offs, chunks)}
    set_track_samples(v, [dict(s, offset=where[s['offset']][0], size=where[s['offset']][1])
                          for s in tab[id(v)]])
    for t in traks:                   # other tracks: same bytes, chunk offsets re-pointed
        if t is not v:
            co = t.find('mdia/minf/stbl/stco')
            n = struct.unpack('>I', co.data[4:8])[0]
            co.data[8:] = b''.join(struct.pack('>I', where[x][0]) for x in u32s(co, 8, n))
    boxes[boxes.index(mdat)] = new
    save(path, boxes)
PY

cd "$OUT"
TMP="$TMP" py <<'PY'
import os
from mp4box import *

def say(f, msg):
    print('%-28s %s' % (f, msg))

def units(sample):
    i, out = 0, []
    while i < len(sample):
        n = int.from_bytes(sample[i:i + 4], 'big'); out.append(sample[i + 4:i + 4 + n]); i += 4 + n
    assert i == len(sample)
    return out

def samples(path):
    b, d = load(path)
    out = []
    for t in findall(b, 'trak'):
        out.append((bool(t.find('mdia/minf/vmhd')),
                    [(d[s['offset']:s['offset'] + s['size']], s['sync']) for s in track_samples(t)]))
    return out

src = samples(os.environ['TMP'] + '/svc_src.mp4')
sv = [s for vid, s in src if vid][0]

f = 'svc_prefix_nal.mp4'; got = samples(f)
assert [s for vid, s in got if not vid] == [s for vid, s in src if not vid]
gv = [s for vid, s in got if vid][0]
assert len(gv) == len(sv) and [k for _, k in gv] == [k for _, k in sv]
npre = 0
for (g, _), (s, _) in zip(gv, sv):
    nl = units(g)
    assert [n for n in nl if n[0] & 0x1f != 14] == units(s)
    for k, n in enumerate(nl):
        t = n[0] & 0x1f
        if t in (1, 5):
            p = nl[k - 1]
            assert k and len(p) == 4 and p[0] == (n[0] & 0x60 | 14)
            assert p[1:] == (b'\xc0\x80\x0f' if t == 5 else b'\xc0\x80\x2f')
            npre += 1
        elif t == 14:
            assert nl[k + 1][0] & 0x1f in (1, 5)
say(f, '%d video samples, %d prefix NALs (one per slice, ref_idc = slice\'s); NAL types '
    'sample 0 %s, 1 %s; prefixes %s / %s; slices and audio == source' %
    (len(gv), npre, [n[0] & 31 for n in units(gv[0][0])], [n[0] & 31 for n in units(gv[1][0])],
     units(gv[0][0])[1].hex(' '), units(gv[1][0])[0].hex(' ')))

f = 'prefix_nal_embedded_annexb.mp4'; got = samples(f)
assert [s for vid, s in got if not vid] == [s for vid, s in src if not vid]
gv = [s for vid, s in got if vid][0]
assert len(gv) == len(sv) and [k for _, k in gv] == [k for _, k in sv]
for (g, key), (s, _) in zip(gv, sv):
    u = units(g)
    assert len(u) == 1 and u[0][:4] == (b'\x6e\xc0\x80\x0f' if key else b'\x0e\xc0\x80\x0f')
    assert u[0][4:].split(b'\0\0\0\1') == [b''] + units(s)
say(f, '%d video samples, each one unit: prefix NAL + Annex-B NALs == source; '
    'keyframe starts %s, P-frame starts %s' % (len(gv), gv[0][0][:14].hex(' '), gv[1][0][:10].hex(' ')))
PY
for f in svc_prefix_nal.mp4 prefix_nal_embedded_annexb.mp4; do
  s=$(stat -c %s "$f")
  e=$(ffmpeg -v error -i "$f" -f null - 2>&1) && rc=0 || rc=$?
  if [ -z "$e" ] && [ $rc = 0 ]; then r="decode OK"; else
    r="decode rc=$rc, $(printf '%s\n' "$e" | grep -c .) error lines, first: $(printf '%s\n' "$e" | head -1)"; fi
  n=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_frames,nb_read_frames \
        -of compact=p=0:nk=1 "$f" 2>/dev/null || true)
  m=$(ffmpeg -v error -i "$f" -map 0:v -f md5 - 2>/dev/null || true)
  [ "$m" = "$(ffmpeg -v error -i "$TMP/svc_src.mp4" -map 0:v -f md5 -)" ] && m="== source" || m="!= source"
  printf '%-28s %7d B | %s | video samples|frames decoded %s, pictures %s\n' "$f" "$s" "$r" "$n" "$m"
done

# ---------------------------------------------------------------------------------------
# ISO/IEC 23003-5 integer PCM: `ipcm` whose 24-bit little-endian sample size lives only in
# its `pcmC` box (a reader that ignores pcmC decodes 16-bit noise). Made from FFmpeg's MOV
# `in24` (little-endian via `enda`): the sample entry is renamed and a pcmC appended, every
# ancestor's size grown to match (moov is last, so no sample moves).
cd "$OUT"
$FF $(src 2) -f lavfi -i "sine=frequency=1000:sample_rate=8000:duration=2" $V -c:a pcm_s24le -ac 1 "$TMP/in24.mov"
python3 - "$TMP/in24.mov" ipcm_24le_pcmc.mov <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
def children(start, end):
    i = start
    while i + 8 <= end:
        size, typ = struct.unpack('>I4s', d[i:i+8])
        yield typ, i, i + size
        i += size
path = []
def walk(start, end, want):
    for typ, s, e in children(start, end):
        if typ == want[0]:
            path.append(s)
            if len(want) == 1:
                return s, e
            inner = s + 8 + (8 if typ == b'stsd' else 0)
            r = walk(inner, e, want[1:])
            if r:
                return r
            path.pop()
moov = next((s, e) for t, s, e in children(0, len(d)) if t == b'moov')
assert moov[1] == len(d), 'moov must be last'
found = None
for t, s, e in children(moov[0] + 8, moov[1]):
    if t != b'trak':
        continue
    path = [moov[0], s]
    r = walk(s + 8, e, [b'mdia', b'minf', b'stbl', b'stsd', b'in24'])
    if r:
        found = r
        break
s, e = found
pcmc = struct.pack('>I4sIBB', 14, b'pcmC', 0, 1, 24)  # FullBox 0, little-endian, 24 bits
d[s+4:s+8] = b'ipcm'
d[e:e] = pcmc
for p in path:  # every ancestor, the entry itself included
    size = struct.unpack('>I', d[p:p+4])[0]
    d[p:p+4] = struct.pack('>I', size + len(pcmc))
open(sys.argv[2], 'wb').write(d)
print('ipcm_24le_pcmc.mov: ipcm entry with pcmC (24-bit LE),', len(d), 'bytes')
PY

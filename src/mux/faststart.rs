//! Moving an existing file's moov in front of its mdat (remux-only inputs), patching every
//! chunk offset by how far the sample data moved. Sample bytes are copied unchanged.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::error::{Error, Result};
use crate::limits::{MAX_BOX_DEPTH, MAX_METADATA_BOX};

use super::boxread::{children, fourcc_name, top_level_boxes, Child, TopBox};

/// Most rounds of "patch, measure, patch again": each round that does not converge
/// promotes at least one more stco, and a moov holds at most MAX_TRACKS of them.
const MAX_ROUNDS: usize = crate::limits::MAX_TRACKS + 2;

/// Writes `output`: `input` with its moov moved right after ftyp (before any mdat) and all
/// stco/co64 offsets patched. An input that is already faststart (or fragmented, with
/// moov first) is copied as is, after its moov has been checked.
pub fn relocate(input: &Path, output: &Path) -> Result<()> {
    let mut file = File::open(input).map_err(|e| Error::io(input, e))?;
    let len = file.metadata().map_err(|e| Error::io(input, e))?.len();
    let boxes = top_level_boxes(&mut file, len, input)?;
    let mut moovs = boxes.iter().filter(|b| &b.fourcc == b"moov");
    let moov = *moovs.next().ok_or_else(|| Error::malformed("top level", "no moov box"))?;
    if moovs.next().is_some() {
        return Err(Error::malformed("top level", "more than one moov box"));
    }
    if moov.size > MAX_METADATA_BOX {
        return Err(Error::limit("moov", format!("{} bytes exceeds {MAX_METADATA_BOX}", moov.size)));
    }
    let mut moov_bytes = vec![0u8; moov.size as usize]; // ≤ 256 MiB, checked above
    file.seek(SeekFrom::Start(moov.start)).map_err(|e| Error::io(input, e))?;
    file.read_exact(&mut moov_bytes).map_err(|e| Error::io(input, e))?;

    let first_mdat = boxes.iter().find(|b| &b.fourcc == b"mdat").map(|b| b.start);
    if first_mdat.is_none_or(|m| moov.start < m) {
        // Already faststart: check the moov anyway so a broken input is reported here.
        patch_moov(&moov_bytes, &|o| Ok(o), &mut Vec::new())?;
        let mut out = Output::create(output)?;
        out.copy_from(&mut file, input, 0, len)?;
        return out.finish();
    }

    // ftyp stays first; everything else keeps its order after the moved moov.
    let insert_at = match boxes.first() {
        Some(b) if &b.fourcc == b"ftyp" => b.end(),
        _ => 0,
    };
    let new_moov = converge(&moov_bytes, |new_len| move |o: u64| map_offset(o, insert_at, &moov, new_len))?;

    let mut out = Output::create(output)?;
    out.copy_from(&mut file, input, 0, insert_at)?;
    out.write(&new_moov)?;
    out.copy_from(&mut file, input, insert_at, moov.start - insert_at)?;
    out.copy_from(&mut file, input, moov.end(), len - moov.end())?;
    out.finish()
}

/// Where a byte at old offset `o` ends up once the moov (now `new_len` bytes) sits at
/// `insert_at`.
fn map_offset(o: u64, insert_at: u64, moov: &TopBox, new_len: u64) -> Result<u64> {
    let overflow = || Error::limit("moov/trak/mdia/minf/stbl/stco", "chunk offset overflows 64 bits");
    if o < insert_at {
        Ok(o)
    } else if o < moov.start {
        o.checked_add(new_len).ok_or_else(overflow)
    } else if o >= moov.end() {
        // Bytes after the old moov move by the size change only.
        o.checked_sub(moov.size).and_then(|v| v.checked_add(new_len)).ok_or_else(overflow)
    } else {
        Err(Error::malformed("moov/trak/mdia/minf/stbl/stco", format!("chunk offset {o} points inside the moov")))
    }
}

/// Patches `moov` with the offset map for its own final length, re-patching until the
/// length stops changing. Promotions are sticky, so the length only grows.
fn converge<F, M>(moov: &[u8], make_map: M) -> Result<Vec<u8>>
where
    F: Fn(u64) -> Result<u64>,
    M: Fn(u64) -> F,
{
    let mut promoted = Vec::new();
    let mut new_len = moov.len() as u64;
    for _ in 0..MAX_ROUNDS {
        let patched = patch_moov(moov, &make_map(new_len), &mut promoted)?;
        if patched.len() as u64 == new_len {
            return Ok(patched);
        }
        new_len = patched.len() as u64;
    }
    Err(Error::malformed("moov", "chunk offset patching did not settle"))
}

/// [`converge`] with offsets shifted by a constant plus the final moov length.
#[cfg(test)]
pub(crate) fn converge_for_test(moov: &[u8], k: u64) -> Result<Vec<u8>> {
    converge(moov, |new_len| move |o: u64| Ok(o + k + new_len))
}

/// Adds `delta` to every chunk offset in a moov box (header included), turning stco into
/// co64 where an offset passes 4 GiB. Exposed for fuzzing; does not account for the moov's
/// own size change (see [`relocate`] for that).
pub fn relocate_moov_bytes(moov: &[u8], delta: i64) -> Result<Vec<u8>> {
    let map = |o: u64| {
        o.checked_add_signed(delta).ok_or_else(|| {
            Error::malformed("moov/trak/mdia/minf/stbl/stco", format!("chunk offset {o} + {delta} is out of range"))
        })
    };
    patch_moov(moov, &map, &mut Vec::new())
}

/// State of one rewrite pass.
struct Patcher<'m> {
    map: &'m dyn Fn(u64) -> Result<u64>,
    /// Per chunk-offset table (in file order): already written as co64 in an earlier round.
    promoted: &'m mut Vec<bool>,
    table: usize,
}

/// Rewrites the moov box `moov` with chunk offsets mapped through `map`. `promoted`
/// carries stco→co64 decisions between rounds.
fn patch_moov(moov: &[u8], map: &dyn Fn(u64) -> Result<u64>, promoted: &mut Vec<bool>) -> Result<Vec<u8>> {
    let mut top = children(moov, "top level");
    let only = top.next().ok_or_else(|| Error::malformed("moov", "empty"))??;
    if &only.fourcc != b"moov" || top.next().is_some() {
        return Err(Error::malformed("moov", "input is not exactly one moov box"));
    }
    if moov.len() as u64 > MAX_METADATA_BOX {
        return Err(Error::limit("moov", format!("{} bytes exceeds {MAX_METADATA_BOX}", moov.len())));
    }
    let mut p = Patcher { map, promoted, table: 0 };
    let mut out = Vec::with_capacity(moov.len() + moov.len() / 4);
    p.container(&mut out, b"moov", only.payload, "moov", 1)?;
    Ok(out)
}

impl Patcher<'_> {
    fn container(
        &mut self,
        out: &mut Vec<u8>,
        fourcc: &[u8; 4],
        payload: &[u8],
        place: &str,
        depth: usize,
    ) -> Result<()> {
        if depth > MAX_BOX_DEPTH {
            return Err(Error::limit(place, format!("boxes nested deeper than {MAX_BOX_DEPTH}")));
        }
        let start = begin(out, fourcc);
        let mut traks = 0;
        for child in children(payload, place) {
            let child = child?;
            let name = fourcc_name(&child.fourcc);
            let here = if &child.fourcc == b"trak" {
                traks += 1;
                format!("{place}/trak[{}]", traks - 1)
            } else {
                format!("{place}/{name}")
            };
            // Only the path to the chunk offsets is rebuilt; everything else is copied.
            let descend = matches!(
                (fourcc, &child.fourcc),
                (b"moov", b"trak") | (b"trak", b"mdia") | (b"mdia", b"minf") | (b"minf", b"stbl")
            );
            if descend {
                self.container(out, &child.fourcc, child.payload, &here, depth + 1)?;
            } else if fourcc == b"stbl" && matches!(&child.fourcc, b"stco" | b"co64") {
                self.chunk_offsets(out, &child, &here)?;
            } else {
                if fourcc == b"stbl" {
                    check_table(&child, &here)?;
                }
                out.extend_from_slice(child.whole);
            }
        }
        end(out, start, place)
    }

    fn chunk_offsets(&mut self, out: &mut Vec<u8>, child: &Child<'_>, place: &str) -> Result<()> {
        let wide = &child.fourcc == b"co64";
        let width = if wide { 8 } else { 4 };
        let entries = table_entries(child.payload, width, place)?;
        let mut mapped = Vec::with_capacity(entries.len() / width);
        for e in entries.chunks_exact(width) {
            let old = if wide {
                u64::from_be_bytes(e.try_into().map_err(|_| Error::malformed(place, "entry"))?)
            } else {
                u64::from(u32::from_be_bytes(e.try_into().map_err(|_| Error::malformed(place, "entry"))?))
            };
            mapped.push((self.map)(old)?);
        }
        if self.promoted.len() <= self.table {
            self.promoted.push(false);
        }
        let sticky = &mut self.promoted[self.table];
        self.table += 1;
        *sticky |= wide || mapped.iter().any(|&o| o > u64::from(u32::MAX));
        let start = begin(out, if *sticky { b"co64" } else { b"stco" });
        out.extend_from_slice(&child.payload[..4]); // version and flags
        out.extend_from_slice(&(mapped.len() as u32).to_be_bytes()); // ≤ the original count
        for o in mapped {
            if *sticky {
                out.extend_from_slice(&o.to_be_bytes());
            } else {
                out.extend_from_slice(&(o as u32).to_be_bytes()); // ≤ u32::MAX: not promoted
            }
        }
        end(out, start, place)
    }
}

fn begin(out: &mut Vec<u8>, fourcc: &[u8; 4]) -> usize {
    let start = out.len();
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(fourcc);
    start
}

fn end(out: &mut [u8], start: usize, place: &str) -> Result<()> {
    let size = u32::try_from(out.len() - start).map_err(|_| Error::limit(place, "box would be larger than 4 GiB"))?;
    out[start..start + 4].copy_from_slice(&size.to_be_bytes());
    Ok(())
}

/// The entries of a full-box table with a 32-bit count after version/flags, checked
/// against the box size.
fn table_entries<'a>(payload: &'a [u8], width: usize, place: &str) -> Result<&'a [u8]> {
    let header = 8;
    if payload.len() < header {
        return Err(Error::malformed(place, "table header cut off"));
    }
    let count = u32::from_be_bytes([payload[4], payload[5], payload[6], payload[7]]);
    let need = (count as usize).checked_mul(width).filter(|&n| n <= payload.len() - header);
    match need {
        Some(n) => Ok(&payload[header..header + n]),
        None => Err(Error::malformed(
            place,
            format!("{count} entries of {width} bytes do not fit in {} bytes", payload.len() - header),
        )),
    }
}

/// Checks a sample table's entry count against its size, so a broken file is reported here
/// rather than by whoever reads the output.
fn check_table(child: &Child<'_>, place: &str) -> Result<()> {
    let p = child.payload;
    match &child.fourcc {
        b"stts" | b"ctts" => table_entries(p, 8, place).map(drop),
        b"stss" => table_entries(p, 4, place).map(drop),
        b"stsc" => table_entries(p, 12, place).map(drop),
        b"stsz" => {
            if p.len() < 12 {
                return Err(Error::malformed(place, "table header cut off"));
            }
            let fixed = u32::from_be_bytes([p[4], p[5], p[6], p[7]]);
            if fixed == 0 {
                table_entries(&p[4..], 4, place).map(drop)
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

/// A temporary file beside the output, renamed into place by `finish`.
struct Output {
    file: tempfile::NamedTempFile,
    path: std::path::PathBuf,
}

impl Output {
    fn create(path: &Path) -> Result<Output> {
        let file = crate::tempfiles::beside(path)?;
        Ok(Output { file, path: path.to_path_buf() })
    }

    fn write(&mut self, data: &[u8]) -> Result<()> {
        self.file.write_all(data).map_err(|e| Error::io(&self.path, e))
    }

    /// Copies `n` bytes of `input` from `start` (an in-kernel copy on Linux).
    fn copy_from(&mut self, input: &mut File, input_path: &Path, start: u64, n: u64) -> Result<()> {
        input.seek(SeekFrom::Start(start)).map_err(|e| Error::io(input_path, e))?;
        let copied =
            std::io::copy(&mut input.take(n), self.file.as_file_mut()).map_err(|e| Error::io(&self.path, e))?;
        if copied != n {
            return Err(Error::io(
                input_path,
                std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "file shrank while copying"),
            ));
        }
        Ok(())
    }

    fn finish(self) -> Result<()> {
        let io = |e| Error::io(&self.path, e);
        self.file.as_file().sync_all().map_err(io)?;
        super::writer::set_readable(self.file.as_file()).map_err(io)?;
        self.file.persist(&self.path).map_err(|e| Error::io(&self.path, e.error))?;
        Ok(())
    }
}

//! The whole file, streamed once to disk; resumed with `Range` after a cut connection.

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use super::body::CHUNK;
use super::http::{Failure, Http, Reply};
use super::{Downloaded, TransferProgress};
use crate::error::{Error, Result};

/// Streams the resource into `dest` (created or truncated). `first` is a reply already
/// received for the whole file (when a range probe got one), so it is not requested twice.
pub(crate) fn download_into(
    http: &Http,
    first: Option<Reply>,
    dest: &Path,
    progress: &dyn TransferProgress,
) -> Result<Downloaded> {
    let mut file = File::create(dest).map_err(|e| Error::io(dest, e))?;
    let max = http.opts.max_bytes;
    let mut first = first;
    let mut written = 0u64;
    let mut total: Option<u64> = None;
    let mut validator: Option<String> = None;
    let mut resumable = false;
    let mut buf = vec![0u8; CHUNK];
    http.retrying(|| {
        let mut reply = match first.take() {
            Some(reply) => reply,
            None if written > 0 && resumable => http.get(Some((written, None)), validator.as_deref())?,
            None => http.get(None, None)?,
        };
        if written > 0 && !reply.partial {
            // Resuming was refused (or the file changed): start again from the beginning.
            file.set_len(0)
                .and_then(|()| file.seek(SeekFrom::Start(0)))
                .map_err(|e| Failure::Fatal(Error::io(dest, e)))?;
            written = 0;
        }
        resumable = reply.ranges;
        if written == 0 {
            // `total` is the whole file's length: Content-Range's total on a 206, else Content-Length.
            total = reply.total;
            validator = reply.validator.take();
            if let Some(t) = total.filter(|t| *t > max) {
                return Err(Failure::Fatal(too_big(http, t, max)));
            }
        }
        let before = written;
        loop {
            let n = match std::io::Read::read(&mut reply.response, &mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let why = format!("the connection failed after {written} bytes: {e}");
                    return Err(if written > before {
                        Failure::Progressed(why)
                    } else {
                        Failure::Transient(why, None)
                    });
                }
            };
            http.count_bytes(n as u64);
            written += n as u64;
            if written > max {
                return Err(Failure::Fatal(too_big(http, written, max)));
            }
            file.write_all(&buf[..n]).map_err(|e| Failure::Fatal(Error::io(dest, e)))?;
            progress.transferred(written, total);
        }
        match total {
            Some(t) if written < t => {
                let why = format!("the connection ended after {written} of {t} bytes");
                Err(if written > before { Failure::Progressed(why) } else { Failure::Transient(why, None) })
            }
            Some(t) if written > t => {
                Err(Failure::Fatal(http.error(format!("the server sent {written} bytes, it announced {t}"))))
            }
            _ => Ok(()),
        }
    })?;
    file.sync_all().map_err(|e| Error::io(dest, e))?;
    Ok(Downloaded { bytes: written, requests: http.requests() })
}

fn too_big(http: &Http, bytes: u64, max: u64) -> Error {
    Error::limit(
        http.url().redacted(),
        format!(
            "the source is {:.1} MB (at least), over the {:.1} MB limit (--max-input-mb)",
            bytes as f64 / 1e6,
            max as f64 / 1e6
        ),
    )
}

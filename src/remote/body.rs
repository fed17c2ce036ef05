//! Reading a response body into a buffer or a file, telling cut connections from the end.

use std::io::Read;

use super::http::Failure;

/// Size of one read from the network.
pub(crate) const CHUNK: usize = 64 * 1024;

/// Reads from `body` until `buf` is full. Returns how many bytes arrived before the body
/// ended or failed, with the failure: the caller resumes from there.
pub(crate) fn fill(body: &mut impl Read, buf: &mut [u8]) -> (usize, Option<Failure>) {
    let mut got = 0;
    while got < buf.len() {
        match body.read(&mut buf[got..]) {
            Ok(0) => {
                let why = format!("the connection ended after {got} of {} bytes", buf.len());
                return (got, Some(Failure::Transient(why, None)));
            }
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return (got, Some(Failure::Transient(format!("reading the response failed: {e}"), None))),
        }
    }
    (got, None)
}

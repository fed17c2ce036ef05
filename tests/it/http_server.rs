//! A small HTTP/1.1 file server for remote-input tests, with faults on demand: no Range
//! support, 503s, connections cut mid-body, redirects, 404. It counts requests and body
//! bytes sent, so tests can assert how much `check` read.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// How the server misbehaves.
#[derive(Clone, Default)]
pub struct Faults {
    /// Ignore `Range` and always send the whole file (200), without `Accept-Ranges`.
    pub no_ranges: bool,
    /// Answer this many first requests with 503.
    pub fail_first: u32,
    /// Cut the connection of this many first body responses after `cut_at` bytes.
    pub cut_first: u32,
    /// Where to cut.
    pub cut_at: u64,
    /// Pause this many milliseconds after every 16 kB of body (a slow link).
    pub throttle_ms: u64,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU32,
    body_bytes: AtomicU64,
    cuts: AtomicU32,
    /// "METHOD PATH RANGE" per request.
    log: Mutex<Vec<String>>,
}

/// A running server; it serves until the test process ends.
pub struct FileServer {
    addr: SocketAddr,
    counters: Arc<Counters>,
}

impl FileServer {
    /// Serves `data` at `/clip.mp4` (any query string), `/missing.mp4` → 404,
    /// `/moved.mp4` → 302 to `/clip.mp4`, `/loop.mp4` → 302 to itself.
    pub fn start(data: Vec<u8>, faults: Faults) -> FileServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().unwrap();
        let counters = Arc::new(Counters::default());
        let data = Arc::new(data);
        let c = Arc::clone(&counters);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (data, faults, c) = (Arc::clone(&data), faults.clone(), Arc::clone(&c));
                std::thread::spawn(move || {
                    let _ = serve(stream, &data, &faults, &c);
                });
            }
        });
        FileServer { addr, counters }
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Requests answered so far.
    pub fn requests(&self) -> u32 {
        self.counters.requests.load(Ordering::SeqCst)
    }

    /// Body bytes written so far.
    pub fn body_bytes(&self) -> u64 {
        self.counters.body_bytes.load(Ordering::SeqCst)
    }

    /// Connections cut so far.
    pub fn cuts(&self) -> u32 {
        self.counters.cuts.load(Ordering::SeqCst)
    }

    /// The request log.
    pub fn log(&self) -> Vec<String> {
        self.counters.log.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, data: &[u8], faults: &Faults, c: &Counters) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    // One request per connection (`Connection: close`), which keeps the server simple.
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut range = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("range") {
                range = Some(value.trim().to_string());
            }
        }
    }
    let n = c.requests.fetch_add(1, Ordering::SeqCst);
    let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_string();
    c.log.lock().unwrap().push(format!("{} {}", path, range.as_deref().unwrap_or("-")));
    let route = path.split('?').next().unwrap_or("");
    if n < faults.fail_first {
        return write!(
            out,
            "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
    }
    match route {
        "/clip.mp4" => {}
        "/moved.mp4" => {
            return write!(
                out,
                "HTTP/1.1 302 Found\r\nLocation: /clip.mp4\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
        }
        "/loop.mp4" => {
            return write!(
                out,
                "HTTP/1.1 302 Found\r\nLocation: /loop.mp4\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
        }
        _ => return write!(out, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
    }
    let len = data.len() as u64;
    let wanted = range.filter(|_| !faults.no_ranges).and_then(|r| parse_range(&r, len));
    let (status, start, end) = match wanted {
        Some((s, e)) => ("206 Partial Content", s, e),
        None => ("200 OK", 0, len.saturating_sub(1)),
    };
    let body = &data[start as usize..=end as usize];
    let mut head =
        format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nETag: \"v1\"\r\nConnection: close\r\n", body.len());
    if !faults.no_ranges {
        head.push_str("Accept-Ranges: bytes\r\n");
    }
    if wanted.is_some() {
        head.push_str(&format!("Content-Range: bytes {start}-{end}/{len}\r\n"));
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())?;
    let cut = c.cuts.load(Ordering::SeqCst) < faults.cut_first && (body.len() as u64) > faults.cut_at;
    let body = if cut {
        c.cuts.fetch_add(1, Ordering::SeqCst);
        &body[..faults.cut_at as usize]
    } else {
        body
    };
    for piece in body.chunks(if faults.throttle_ms > 0 { 16_384 } else { body.len().max(1) }) {
        out.write_all(piece)?;
        c.body_bytes.fetch_add(piece.len() as u64, Ordering::SeqCst);
        if faults.throttle_ms > 0 {
            out.flush()?;
            std::thread::sleep(std::time::Duration::from_millis(faults.throttle_ms));
        }
    }
    out.flush()?;
    if cut {
        // Drop the connection without sending the rest: the client sees a short body.
        let _ = out.shutdown(std::net::Shutdown::Both);
    }
    Ok(())
}

/// `bytes=START-END` or `bytes=START-` within a file of `len` bytes.
fn parse_range(spec: &str, len: u64) -> Option<(u64, u64)> {
    let (start, end) = spec.strip_prefix("bytes=")?.split_once('-')?;
    let start: u64 = start.parse().ok()?;
    let end: u64 = if end.is_empty() { len - 1 } else { end.parse::<u64>().ok()?.min(len - 1) };
    (start <= end).then_some((start, end))
}

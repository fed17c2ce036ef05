use clipfit::codec::h264::decode::H264Decoder;
use clipfit::demux::Mp4Demuxer;
fn main() {
    let p = std::env::args().nth(1).unwrap();
    let mut d = Mp4Demuxer::open(&p).unwrap();
    let vi = d.info().video_index().unwrap();
    let v = d.info().video().unwrap().clone();
    let ts = d.timescale(vi) as f64;
    let samples = d.samples(vi).to_vec();
    let mut dec = H264Decoder::new(&v).unwrap();
    let mut buf = Vec::new();
    for (i, s) in samples.iter().enumerate() {
        d.read_sample(s, &mut buf).unwrap();
        let r = dec.decode(&buf, s.pts() as f64 / ts);
        match r { Ok(f) => println!("{i} sync={} pts={:.4} -> {:?}", s.sync, s.pts() as f64/ts, f.iter().map(|f| f.pts).collect::<Vec<_>>()), Err(e) => println!("{i} err {e}") }
    }
    println!("flush {:?}", dec.flush().map(|v| v.iter().map(|f| f.pts).collect::<Vec<_>>()));
}

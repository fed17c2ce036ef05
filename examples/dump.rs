fn main() {
    let p = std::env::args().nth(1).unwrap();
    let d = clipfit::demux::Mp4Demuxer::open(&p).unwrap();
    for t in 0..d.info().tracks.len() {
        let s = d.samples(t);
        println!("track {t} ts {} n {}", d.timescale(t), s.len());
        for x in s.iter().take(40) {
            print!("{}/{}/{}{} ", x.dts, x.duration, x.cts_offset, if x.sync { "K" } else { "" });
        }
        println!();
    }
}

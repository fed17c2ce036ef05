//! End-to-end frames per second: `conform` of the bundled 640x360 B-frame sample
//! (decode → fit → 30 fps → encode → mux → measure) to 1080x1920.
//! Run: `cargo bench --bench pipeline`.

use std::path::Path;

use clipfit::pipeline::{conform, NoProgress};
use clipfit::plan::{ConformOptions, FitMode};
use clipfit::profile::Profile;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn end_to_end(c: &mut Criterion) {
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/landscape_bframes.mp4");
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out.mp4");
    let profile = Profile::tiktok();
    let mut g = c.benchmark_group("conform_640x360_to_1080x1920");
    g.sample_size(10);
    // 4 s at 30 fps out.
    g.throughput(Throughput::Elements(120));
    for fit in [FitMode::Crop, FitMode::Pad, FitMode::Blur] {
        let opts = ConformOptions { fit, ..ConformOptions::default() };
        g.bench_function(format!("{fit:?}").to_lowercase(), |b| {
            b.iter(|| conform(&input, &out, &profile, &opts, &NoProgress).expect("conform"))
        });
    }
    g.finish();
}

criterion_group!(benches, end_to_end);
criterion_main!(benches);

//! Turning parsed tracks into a [`MediaInfo`]: durations, frame rate, bitrates.

use super::bytes::fourcc_str;
use super::track::Track;
use super::TopBox;
use crate::error::{Error, Result};
use crate::limits::MAX_DURATION_SECS;
use crate::media::{MediaInfo, TrackInfo, TrackKind, TrackTimeline, Warning};

/// Fails when any sample lies past the end of the file: the file is truncated.
pub fn check_samples_in_file(tracks: &[Track], file_len: u64) -> Result<()> {
    for (ti, t) in tracks.iter().enumerate() {
        if let Some((i, s)) =
            t.samples.iter().enumerate().find(|(_, s)| s.offset.saturating_add(s.size as u64) > file_len)
        {
            return Err(Error::malformed(
                "mdat",
                format!(
                    "sample {} of track {} ends at byte {} but the file has only {file_len} bytes: the file is truncated",
                    i + 1,
                    ti + 1,
                    s.offset.saturating_add(s.size as u64)
                ),
            ));
        }
    }
    Ok(())
}

/// Media duration (sum of sample durations) in seconds.
fn media_duration(t: &Track) -> f64 {
    let ticks: i64 = t.samples.iter().fold(0i64, |sum, s| sum.saturating_add(i64::from(s.duration)));
    ticks as f64 / f64::from(t.timescale)
}

/// How long the track's media is shown: its media edits (an edit of duration 0, as
/// fragmented files write, lasts to the end of the media), or all of it without one.
fn shown_length(t: &Track) -> f64 {
    let media_edits: Vec<_> = t.edits.iter().filter(|e| e.media_time.is_some()).collect();
    if media_edits.is_empty() {
        return media_duration(t);
    }
    let ts = f64::from(t.timescale);
    let first = t.samples.first().map_or(0.0, |s| s.dts as f64 / ts);
    let end = t.end_dts() as f64 / ts;
    media_edits
        .iter()
        .map(|e| match (e.duration, e.media_time) {
            (d, Some(m)) if d <= 0.0 => (end - m.max(first)).max(0.0),
            (d, _) => d,
        })
        .sum()
}

/// (longest presentation-time gap without a keyframe in seconds, open GOP) of a video
/// track. A GOP is open when a sample decoded after its keyframe is shown before it.
fn gop_structure(t: &Track) -> (f64, bool) {
    let n = t.samples.len();
    if n == 0 {
        return (0.0, false);
    }
    let ts = f64::from(t.timescale);
    // later_min[i]: the earliest presentation time among samples decoded after sample i.
    let mut later_min = vec![i64::MAX; n];
    for i in (0..n - 1).rev() {
        later_min[i] = later_min[i + 1].min(t.samples[i + 1].pts());
    }
    let open_gop = t.samples.iter().zip(&later_min).any(|(s, &m)| s.sync && m < s.pts());
    let start = t.samples.iter().map(|s| s.pts()).min().unwrap_or(0);
    let end = t.samples.iter().map(|s| s.pts().saturating_add(i64::from(s.duration))).max().unwrap_or(0);
    let mut keys: Vec<i64> = t.samples.iter().filter(|s| s.sync).map(|s| s.pts()).collect();
    keys.sort_unstable();
    let mut gap = 0i64;
    let mut prev = start;
    for k in keys.into_iter().chain(std::iter::once(end)) {
        gap = gap.max(k.saturating_sub(prev));
        prev = k;
    }
    (gap as f64 / ts, open_gop)
}

/// (first decode time, presentation start, presentation end) of a track, in seconds,
/// before the file-wide shift; `None` for a track without samples.
fn track_span(t: &Track) -> Option<(f64, f64, f64)> {
    let first = t.samples.first()?;
    let ts = f64::from(t.timescale);
    let min_pts = t.samples.iter().map(|s| s.pts()).min().unwrap_or(0) as f64 / ts;
    let timeline = TrackTimeline::from_edits(&t.edits);
    let start = timeline.start_of(min_pts);
    Some((first.dts as f64 / ts, start, start + shown_length(t)))
}

/// Builds the file summary.
pub fn media_info(top: &[TopBox], tracks: &[Track], file_len: u64, fragmented: bool) -> Result<MediaInfo> {
    let top_names: Vec<String> = top.iter().map(|b| fourcc_str(&b.kind)).collect();
    let moov_pos = top.iter().position(|b| &b.kind == b"moov");
    let mdat_pos = top.iter().position(|b| &b.kind == b"mdat");
    let moov_before_mdat = match (moov_pos, mdat_pos) {
        (Some(m), Some(d)) => m < d,
        (Some(_), None) => true,
        _ => false,
    };
    let spans: Vec<Option<(f64, f64, f64)>> = tracks.iter().map(track_span).collect();
    let av = |t: &Track| matches!(t.kind, TrackKind::Video(_) | TrackKind::Audio(_));
    // The output's time 0: the earliest start of an audio or video track (a live
    // packager's tfdt makes every track start tens of seconds in).
    let start_time = tracks
        .iter()
        .zip(&spans)
        .filter(|(t, _)| av(t))
        .filter_map(|(_, s)| s.map(|s| s.1))
        .min_by(f64::total_cmp)
        .unwrap_or(0.0);
    let mut infos = Vec::new();
    let mut total_bytes = 0u64;
    let mut events: Vec<(f64, u64)> = Vec::new();
    let mut duration: f64 = 0.0;
    for (t, span) in tracks.iter().zip(&spans) {
        let bytes: u64 = t.samples.iter().map(|s| s.size as u64).sum();
        let (first_dts, start, end) = span.unwrap_or((0.0, 0.0, 0.0));
        let dur = if span.is_some() { (end - start_time).max(0.0) } else { 0.0 };
        if !(0.0..=MAX_DURATION_SECS).contains(&dur) || !dur.is_finite() || !start.is_finite() {
            return Err(Error::limit("moov", format!("track {} lasts {dur:.0} s, beyond {MAX_DURATION_SECS} s", t.id)));
        }
        let mut kind = t.kind.clone();
        if let TrackKind::Video(v) = &mut kind {
            let n = t.samples.len();
            let md = media_duration(t);
            v.fps = if md > 0.0 { n as f64 / md } else { 0.0 };
            let body = if n > 1 { &t.samples[..n - 1] } else { &t.samples[..] };
            let min = body.iter().map(|s| s.duration).min().unwrap_or(0);
            let max = body.iter().map(|s| s.duration).max().unwrap_or(0);
            v.constant_frame_rate = max.saturating_sub(min) <= 1;
            v.frame_duration_range = (min as f64 / t.timescale as f64, max as f64 / t.timescale as f64);
            v.has_reordering = t.samples.iter().any(|s| s.cts_offset != 0);
            v.keyframes = t.samples.iter().filter(|s| s.sync).count() as u64;
            (v.max_keyframe_interval, v.open_gop) = gop_structure(t);
        }
        if av(t) {
            duration = duration.max(dur);
            total_bytes += bytes;
            let ts = t.timescale as f64;
            events.extend(t.samples.iter().map(|s| (s.dts as f64 / ts, s.size as u64)));
        }
        infos.push(TrackInfo {
            id: t.id,
            handler: fourcc_str(&t.handler),
            enabled: t.enabled,
            timescale: t.timescale,
            sample_count: t.samples.len() as u64,
            duration: dur,
            total_bytes: bytes,
            bitrate: {
                let md = media_duration(t);
                if md > 0.0 {
                    (bytes as f64 * 8.0 / md) as u64
                } else {
                    0
                }
            },
            edits: t.edits.clone(),
            first_dts,
            start,
            kind,
        });
    }
    let container = if fragmented { "fmp4" } else { "mp4" };
    let mut info = MediaInfo {
        file_size: file_len,
        container: container.into(),
        major_brand: None,
        top_level_boxes: top_names,
        moov_before_mdat,
        duration,
        overall_bitrate: if duration > 0.0 { (total_bytes as f64 * 8.0 / duration) as u64 } else { 0 },
        peak_bitrate_1s: peak_window_bits(&mut events, 1.0),
        tracks: infos,
        start_time,
        warnings: Vec::new(),
    };
    info.warnings = unused_tracks(&info);
    Ok(info)
}

/// Says which tracks a conform leaves out: everything but the one video and one audio
/// track it works on (subtitles, timecode, metadata, a second video or audio track).
fn unused_tracks(info: &MediaInfo) -> Vec<Warning> {
    let used = [info.video_index(), info.audio_index()];
    info.tracks
        .iter()
        .enumerate()
        // A sound track without a usable description was already named by the parser.
        .filter(|(i, t)| !used.contains(&Some(*i)) && t.sample_count > 0)
        .filter(|(_, t)| !(matches!(t.kind, TrackKind::Other) && t.handler == "soun"))
        .map(|(i, t)| {
            let what = match &t.kind {
                TrackKind::Video(v) => format!("a further video track ('{}')", v.fourcc),
                TrackKind::Audio(a) => format!("a further audio track ('{}')", a.fourcc.trim()),
                TrackKind::Other => format!("a '{}' track", t.handler),
            };
            Warning::new(
                "ignored_track",
                format!(
                    "track {} (#{}) is {what} with {} samples: it is not carried into the output",
                    t.id,
                    i + 1,
                    t.sample_count
                ),
            )
        })
        .collect()
}

/// The largest number of bits whose timestamps fall in any window `[t, t + window)`.
pub fn peak_window_bits(events: &mut [(f64, u64)], window: f64) -> u64 {
    events.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut best = 0u64;
    let mut sum = 0u64;
    let mut lo = 0;
    for hi in 0..events.len() {
        sum += events[hi].1;
        while events[hi].0 - events[lo].0 >= window - 1e-9 {
            sum -= events[lo].1;
            lo += 1;
        }
        best = best.max(sum);
    }
    best * 8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_window_slides() {
        let mut ev = vec![(0.0, 100), (0.5, 100), (0.99, 100), (1.0, 1000), (1.5, 10)];
        // [0.5, 1.5) holds 100 + 100 + 1000 bytes.
        assert_eq!(peak_window_bits(&mut ev, 1.0), 1200 * 8);
    }
}

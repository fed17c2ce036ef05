//! H.264 NAL unit framing: MP4's length-prefixed form (AVCC) and the start-code form
//! (Annex-B) that OpenH264 reads and writes.

use crate::error::{Error, Result};

/// The 4-byte Annex-B start code clipfit writes.
pub const START_CODE: [u8; 4] = [0, 0, 0, 1];

/// NAL unit type of an IDR slice.
pub const NAL_IDR: u8 = 5;
/// NAL unit type of a non-IDR slice.
pub const NAL_SLICE: u8 = 1;
/// NAL unit type of a sequence parameter set.
pub const NAL_SPS: u8 = 7;
/// NAL unit type of a picture parameter set.
pub const NAL_PPS: u8 = 8;

/// The `nal_unit_type` of a NAL unit (its first byte's low five bits); 0 when empty.
pub fn nal_type(nal: &[u8]) -> u8 {
    nal.first().map_or(0, |b| b & 0x1f)
}

/// True for NAL units carrying coded picture data (slice types 1–5).
pub fn is_vcl(nal: &[u8]) -> bool {
    (1..=5).contains(&nal_type(nal))
}

/// True for the NAL units of H.264's scalable and multiview extensions (Annexes G and H):
/// prefix NAL units (14), subset SPS (15), slice extensions (20, 21) and depth parameter
/// sets (16). A decoder of the base profiles must ignore them (7.4.1), and they are in
/// ordinary phone files: Android's slow-motion encoder marks temporal layers with prefix
/// NAL units, which OpenH264 would otherwise parse as SVC and reject the picture.
pub fn is_extension_layer(nal: &[u8]) -> bool {
    matches!(nal_type(nal), 14 | 15 | 16 | 20 | 21)
}

/// True when a length-prefixed (AVCC) sample holds an IDR picture; false for a malformed one.
pub fn is_idr_sample(sample: &[u8], length_size: u8) -> bool {
    avcc_nals(sample, length_size).is_ok_and(|nals| nals.iter().any(|n| nal_type(n) == NAL_IDR))
}

/// Splits one length-prefixed (AVCC) sample into its NAL units.
///
/// `length_size` is the avcC `lengthSizeMinusOne + 1` (1, 2, 3 or 4). A length running past
/// the end of the sample is a malformed sample; zero-length units are skipped.
pub fn avcc_nals(sample: &[u8], length_size: u8) -> Result<Vec<&[u8]>> {
    let n = usize::from(length_size);
    if !(1..=4).contains(&n) {
        return Err(Error::malformed("avcC", format!("NAL length size {length_size}")));
    }
    let mut out = Vec::new();
    let mut rest = sample;
    while !rest.is_empty() {
        let Some((len_bytes, tail)) = rest.split_at_checked(n) else {
            return Err(Error::malformed("H.264 sample", "truncated NAL length prefix"));
        };
        let len = len_bytes.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        let Some((nal, tail)) = tail.split_at_checked(len) else {
            return Err(Error::malformed(
                "H.264 sample",
                format!("NAL of {len} bytes overruns the sample ({} left)", tail.len()),
            ));
        };
        if !nal.is_empty() {
            split_embedded(nal, &mut out);
        }
        rest = tail;
    }
    Ok(out)
}

/// Appends NAL units to `out` in Annex-B form (4-byte start codes).
pub fn write_annexb<'a>(nals: impl IntoIterator<Item = &'a [u8]>, out: &mut Vec<u8>) {
    for nal in nals {
        out.extend_from_slice(&START_CODE);
        out.extend_from_slice(nal);
    }
}

/// Rewrites one length-prefixed sample as Annex-B into `out` (cleared first), after the
/// parameter sets waiting in `queued` (taken), leaving out the extension-layer NAL units a
/// base decoder must ignore. Returns whether the sample holds a picture slice. On error
/// nothing is taken from `queued`.
pub fn sample_to_annexb(sample: &[u8], length_size: u8, queued: &mut Vec<u8>, out: &mut Vec<u8>) -> Result<bool> {
    let nals = avcc_nals(sample, length_size)?;
    let has_vcl = nals.iter().any(|n| is_vcl(n));
    out.clear();
    out.append(queued);
    write_annexb(nals.into_iter().filter(|n| !is_extension_layer(n)), out);
    Ok(has_vcl)
}

/// Appends NAL units to `out` with 4-byte big-endian length prefixes (AVCC, as clipfit's
/// own avcC declares). Fails only for a NAL larger than 4 GiB.
pub fn write_avcc<'a>(nals: impl IntoIterator<Item = &'a [u8]>, out: &mut Vec<u8>) -> Result<()> {
    for nal in nals {
        let len = u32::try_from(nal.len()).map_err(|_| Error::limit("H.264 NAL", "NAL unit over 4 GiB"))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(nal);
    }
    Ok(())
}

/// Pushes `nal`, split at any Annex-B start code inside it.
///
/// Emulation prevention keeps `00 00 01` out of every well-formed NAL unit, so one inside a
/// length-prefixed unit can only be a start code: some encoders (Samsung's slow-motion
/// mode) write a 4-byte prefix NAL unit whose length covers Annex-B SEI and slice units
/// after it. Players split there, and so does clipfit; otherwise the picture would be lost
/// with the prefix unit it hides behind.
fn split_embedded<'a>(nal: &'a [u8], out: &mut Vec<&'a [u8]>) {
    let Some(first) = nal.windows(3).position(|w| w == [0, 0, 1]) else {
        out.push(nal);
        return;
    };
    push_trimmed(&nal[..first], out);
    out.extend(annexb_nals(&nal[first..]));
}

/// Converts one AVCC sample to Annex-B, appending to `out`.
pub fn avcc_to_annexb(sample: &[u8], length_size: u8, out: &mut Vec<u8>) -> Result<()> {
    let nals = avcc_nals(sample, length_size)?;
    write_annexb(nals, out);
    Ok(())
}

/// Splits an Annex-B byte stream into NAL units (without start codes).
///
/// Accepts 3- and 4-byte start codes; bytes before the first start code are ignored, and
/// trailing zero bytes of a unit (the next start code's leading zero or `trailing_zero_8bits`)
/// are trimmed. Empty units are skipped.
pub fn annexb_nals(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut i = 0;
    while i + 3 <= data.len() {
        if data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1 {
            if let Some(s) = start {
                push_trimmed(&data[s..i], &mut out);
            }
            i += 3;
            start = Some(i);
        } else {
            i += 1;
        }
    }
    if let Some(s) = start {
        push_trimmed(&data[s..], &mut out);
    }
    out
}

fn push_trimmed<'a>(nal: &'a [u8], out: &mut Vec<&'a [u8]>) {
    let end = nal.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
    if end > 0 {
        out.push(&nal[..end]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avcc_round_trips_through_annexb() {
        let nals: Vec<&[u8]> = vec![&[0x67, 1, 2, 3], &[0x68, 0, 0, 3, 9], &[0x65, 0x88, 0x80]];
        let mut avcc = Vec::new();
        write_avcc(nals.iter().copied(), &mut avcc).unwrap();
        assert_eq!(&avcc[..5], &[0, 0, 0, 4, 0x67]);
        assert_eq!(avcc_nals(&avcc, 4).unwrap(), nals);
        let mut annexb = Vec::new();
        avcc_to_annexb(&avcc, 4, &mut annexb).unwrap();
        assert_eq!(&annexb[..5], &[0, 0, 0, 1, 0x67]);
        assert_eq!(annexb_nals(&annexb), nals);
        assert_eq!(nal_type(nals[2]), NAL_IDR);
        assert!(is_idr_sample(&avcc, 4));
        assert!(!is_idr_sample(&[0, 0, 0, 2, 0x41, 0x9a], 4));
        assert!(!is_idr_sample(&avcc[..7], 4), "truncated");
    }

    #[test]
    fn short_length_sizes_and_three_byte_start_codes() {
        let sample = [0, 2, 0x41, 0xaa, 0, 1, 0x06];
        let nals = avcc_nals(&sample, 2).unwrap();
        assert_eq!(nals, vec![&[0x41, 0xaa][..], &[0x06][..]]);
        let stream = [9, 9, 0, 0, 1, 0x67, 5, 0, 0, 0, 1, 0x68, 7, 0, 0, 1, 0x65, 1, 0];
        let nals = annexb_nals(&stream);
        assert_eq!(nals, vec![&[0x67, 5][..], &[0x68, 7][..], &[0x65, 1][..]]);
    }

    #[test]
    fn start_codes_inside_a_length_prefixed_unit_split_it() {
        // A 4-byte prefix NAL unit whose length also covers an SEI and an IDR slice.
        let inner = [0x6e, 0xc0, 0x80, 0x0f, 0, 0, 0, 1, 0x06, 0x05, 0x01, 0, 0, 1, 0x65, 0x88, 0x84];
        let mut sample = vec![0, 0, 0, inner.len() as u8];
        sample.extend_from_slice(&inner);
        let nals = avcc_nals(&sample, 4).unwrap();
        let types: Vec<u8> = nals.iter().map(|n| nal_type(n)).collect();
        assert_eq!(types, [14, 6, 5]);
        assert_eq!(nals[2], [0x65, 0x88, 0x84]);
        assert!(is_extension_layer(nals[0]) && !is_extension_layer(nals[2]));
        assert!(is_idr_sample(&sample, 4));
    }

    #[test]
    fn truncated_samples_are_malformed() {
        assert!(avcc_nals(&[0, 0, 0, 9, 1, 2], 4).is_err());
        assert!(avcc_nals(&[0, 0], 4).is_err());
        assert!(avcc_nals(&[1, 2, 3], 5).is_err());
        assert!(avcc_nals(&[], 4).unwrap().is_empty());
    }
}

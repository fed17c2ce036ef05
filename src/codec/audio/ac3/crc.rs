//! CRC-16 (generator x^16 + x^15 + x^2 + 1), A/52 section 6.1.7 / 5.4.1.

const fn make_table() -> [u16; 256] {
    let mut t = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = (i as u16) << 8;
        let mut k = 0;
        while k < 8 {
            c = if c & 0x8000 != 0 { (c << 1) ^ 0x8005 } else { c << 1 };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
}

static TABLE: [u16; 256] = make_table();

/// CRC over `data`, starting from 0. A block that ends in its own CRC word gives 0.
pub fn crc16(data: &[u8]) -> u16 {
    let mut crc = 0u16;
    for &b in data {
        crc = (crc << 8) ^ TABLE[((crc >> 8) as u8 ^ b) as usize];
    }
    crc
}

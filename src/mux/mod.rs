//! MP4 writing with faststart (moov before mdat).

//! Demuxing MP4/MOV/fragmented MP4 through a guarded box reader.

//! The image store of tsc-box: content-addressed, verified, immutable.

//! Differential test against pySigma (filled in below).

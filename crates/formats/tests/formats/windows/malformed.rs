//! Malformed input: every bad record is counted and reported with its line, every good one kept.

//! Typed errors: a bad record is a [`Reject`] (counted, reported, skipped), never a panic; only an
//! unreadable input is an [`InputError`].

use std::path::PathBuf;
use std::sync::Arc;

/// Why one record could not be turned into an event.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    #[error("line is not valid UTF-8")]
    NotUtf8,
    #[error("line longer than {limit} bytes")]
    TooLong { limit: usize },
    #[error("missing field `{0}`")]
    MissingField(&'static str),
    #[error("bad timestamp `{0}`")]
    BadTimestamp(String),
    #[error("bad IP address `{0}`")]
    BadIp(String),
    #[error("bad value for `{field}`: `{value}`")]
    BadValue { field: &'static str, value: String },
    #[error("row has {got} fields, header has {want}")]
    FieldCount { got: usize, want: usize },
    #[error("invalid JSON: {0}")]
    Json(String),
    #[error("invalid CSV: {0}")]
    Csv(String),
    #[error("record truncated: {0}")]
    Truncated(&'static str),
    #[error("unrecognised record: {0}")]
    Unrecognised(String),
    #[error("malformed {what}: {detail}")]
    Malformed { what: &'static str, detail: String },
}

impl RecordError {
    /// Keeps error messages short when they quote input.
    pub fn quote(s: &str) -> String {
        const MAX: usize = 80;
        if s.len() <= MAX {
            return s.to_string();
        }
        let mut end = MAX;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &s[..end])
    }
}

/// Where a record sits: the input's display name and the 1-based line (or record number for
/// binary formats).
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    pub source: Arc<str>,
    pub line: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Reject {
    pub location: Location,
    pub error: RecordError,
}

/// Rejected records of one run: every one counted, the first `keep` kept for the report.
#[derive(Debug, Clone)]
pub struct Rejects {
    pub count: u64,
    pub kept: Vec<Reject>,
    pub keep: usize,
}

impl Default for Rejects {
    fn default() -> Self {
        Rejects { count: 0, kept: Vec::new(), keep: 100 }
    }
}

impl Rejects {
    pub fn push(&mut self, source: &Arc<str>, line: u64, error: RecordError) {
        self.count += 1;
        if self.kept.len() < self.keep {
            self.kept.push(Reject { location: Location { source: source.clone(), line }, error });
        }
    }
    pub fn merge(&mut self, other: Rejects) {
        self.count += other.count;
        let room = self.keep.saturating_sub(self.kept.len());
        self.kept.extend(other.kept.into_iter().take(room));
    }
}

/// An input that cannot be read at all; this stops the run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{name}: cannot tell the input format from the content (first bytes: {preview:?}); use --input-format")]
    UnknownFormat { name: String, preview: String },
    #[error("unknown input format `{0}` (see `reconwatch formats`)")]
    NoSuchFormat(String),
    #[error("{name}: {detail}")]
    Open { name: String, detail: String },
}

//! Frame Streams (fstrm, farsightsec "Frame Streams Control Frame Protocol"), unidirectional
//! files as written by `dnstap-output file` and `fstrm_capture`.
//!
//! A file is: escape (`00 00 00 00`), control frame length (u32 BE), START control frame
//! (type u32 BE = 2, then fields: type u32 BE = 1 "content type", length u32 BE, bytes), then
//! data frames (length u32 BE ≠ 0, payload), then escape + length + STOP (type 3). Quirks:
//! - a START frame may carry no content type (any payload) or several; we accept it if one of
//!   them is the expected type or there is none;
//! - control frames are at most [`MAX_CONTROL`] bytes (the reference library's limit);
//! - a data frame longer than the configured maximum is skipped (its length is known, so the
//!   stream stays in sync) and reported as [`FstrmError::FrameTooLong`];
//! - anything else that breaks framing (missing START, unknown control frame, truncation) ends
//!   the stream: there is no way to find the next frame boundary.

use std::io::{self, BufRead, Read};

pub const CONTROL_ACCEPT: u32 = 1;
pub const CONTROL_START: u32 = 2;
pub const CONTROL_STOP: u32 = 3;
pub const CONTROL_READY: u32 = 4;
pub const CONTROL_FINISH: u32 = 5;
pub const FIELD_CONTENT_TYPE: u32 = 1;
/// Longest control frame accepted.
pub const MAX_CONTROL: usize = 512;
/// Content type of dnstap payloads.
pub const DNSTAP_CONTENT_TYPE: &[u8] = b"protobuf:dnstap.Dnstap";

/// A violation of the Frame Streams protocol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FstrmError {
    #[error("stream does not start with a START control frame")]
    MissingStart,
    #[error("content type `{0}` is not `protobuf:dnstap.Dnstap`")]
    ContentType(String),
    #[error("control frame of {0} bytes (limit {MAX_CONTROL})")]
    ControlTooLong(usize),
    #[error("malformed control frame: {0}")]
    BadControl(&'static str),
    #[error("unexpected control frame type {0}")]
    UnexpectedControl(u32),
    #[error("data frame of {len} bytes exceeds the limit of {max}")]
    FrameTooLong { len: usize, max: usize },
    #[error("truncated {0}")]
    Truncated(&'static str),
    #[error("stream ended without a STOP control frame")]
    MissingStop,
    #[error("{0} bytes after the STOP control frame")]
    AfterStop(u64),
}

impl FstrmError {
    /// Whether reading can go on after this error (the next frame boundary is known).
    pub fn recoverable(&self) -> bool {
        matches!(self, FstrmError::FrameTooLong { .. })
    }
}

/// One step of the stream.
#[derive(Debug, PartialEq, Eq)]
pub enum Step<'a> {
    /// A data frame's payload.
    Data(&'a [u8]),
    /// The stream ended (after STOP, or after a fatal error was reported).
    End,
}

/// Reads a unidirectional Frame Streams file.
pub struct FstrmReader<R> {
    inner: R,
    buf: Vec<u8>,
    max_frame: usize,
    content_type: &'static [u8],
    state: State,
    /// Files end after STOP (bytes after it are an error); a socket stays open for FINISH.
    drain_after_stop: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Begin,
    Data,
    Done,
}

impl<R: BufRead> FstrmReader<R> {
    pub fn new(inner: R, content_type: &'static [u8], max_frame: usize) -> Self {
        FstrmReader {
            inner,
            buf: Vec::with_capacity(4096),
            max_frame,
            content_type,
            state: State::Begin,
            drain_after_stop: true,
        }
    }

    /// For a bidirectional stream after [`super::fstrm_bidi::accept`]: STOP ends the stream
    /// without reading on (the sender waits for FINISH).
    pub fn bidirectional(mut self) -> Self {
        self.drain_after_stop = false;
        self
    }

    /// The next data frame. `Err(Ok(e))` is a protocol error: if `e.recoverable()` the caller
    /// may call again, otherwise the stream is over. `Err(Err(io))` is an I/O failure.
    pub fn next_frame(&mut self) -> Result<Step<'_>, Result<FstrmError, io::Error>> {
        match self.state {
            State::Done => return Ok(Step::End),
            State::Begin => {
                self.state = State::Done;
                self.read_start()?;
                self.state = State::Data;
            }
            State::Data => {}
        }
        let len = match self.read_u32("frame length")? {
            None => {
                self.state = State::Done;
                return Err(Ok(FstrmError::MissingStop));
            }
            Some(0) => {
                self.state = State::Done;
                let ctype = self.read_control()?;
                if ctype != CONTROL_STOP {
                    return Err(Ok(FstrmError::UnexpectedControl(ctype)));
                }
                if !self.drain_after_stop {
                    return Ok(Step::End);
                }
                let rest = io::copy(&mut self.inner, &mut io::sink()).map_err(Err)?;
                if rest > 0 {
                    return Err(Ok(FstrmError::AfterStop(rest)));
                }
                return Ok(Step::End);
            }
            Some(n) => n as usize,
        };
        if len > self.max_frame {
            let skipped = io::copy(&mut (&mut self.inner).take(len as u64), &mut io::sink()).map_err(Err)?;
            if skipped < len as u64 {
                self.state = State::Done;
                return Err(Ok(FstrmError::Truncated("data frame")));
            }
            return Err(Ok(FstrmError::FrameTooLong { len, max: self.max_frame }));
        }
        self.buf.resize(len, 0);
        if let Err(e) = fill(&mut self.inner, &mut self.buf, "data frame") {
            self.state = State::Done;
            return Err(e);
        }
        Ok(Step::Data(&self.buf))
    }

    fn read_start(&mut self) -> Result<(), Result<FstrmError, io::Error>> {
        match self.read_u32("escape")? {
            Some(0) => {}
            _ => return Err(Ok(FstrmError::MissingStart)),
        }
        let ctype = self.read_control()?;
        if ctype != CONTROL_START {
            return Err(Ok(FstrmError::MissingStart));
        }
        let fields = parse_control_fields(&self.buf[4..]).map_err(Ok)?;
        if fields.is_empty() || fields.contains(&self.content_type) {
            return Ok(());
        }
        Err(Ok(FstrmError::ContentType(String::from_utf8_lossy(fields[0]).into_owned())))
    }

    /// Reads a control frame (after the escape) into `buf`; returns its type.
    fn read_control(&mut self) -> Result<u32, Result<FstrmError, io::Error>> {
        let len = self.read_u32("control frame length")?.ok_or(Ok(FstrmError::Truncated("control frame")))? as usize;
        if len > MAX_CONTROL {
            return Err(Ok(FstrmError::ControlTooLong(len)));
        }
        if len < 4 {
            return Err(Ok(FstrmError::BadControl("shorter than its type")));
        }
        self.buf.resize(len, 0);
        fill(&mut self.inner, &mut self.buf, "control frame")?;
        Ok(u32::from_be_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]]))
    }

    /// Reads a big-endian u32; `None` at a clean end of input, an error if it ends mid-way.
    fn read_u32(&mut self, what: &'static str) -> Result<Option<u32>, Result<FstrmError, io::Error>> {
        let mut b = [0u8; 4];
        let mut got = 0;
        while got < 4 {
            match self.inner.read(&mut b[got..]) {
                Ok(0) if got == 0 => return Ok(None),
                Ok(0) => return Err(Ok(FstrmError::Truncated(what))),
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Err(e)),
            }
        }
        Ok(Some(u32::from_be_bytes(b)))
    }
}

/// Fills `buf` from `r`; an early end of input is a truncated `what`.
fn fill<R: Read>(r: &mut R, buf: &mut [u8], what: &'static str) -> Result<(), Result<FstrmError, io::Error>> {
    match r.read_exact(buf) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Err(Ok(FstrmError::Truncated(what))),
        Err(e) => Err(Err(e)),
    }
}

/// Splits the fields of a control frame (after its type) into content-type values.
pub fn parse_control_fields(mut b: &[u8]) -> Result<Vec<&[u8]>, FstrmError> {
    let mut out = Vec::new();
    while !b.is_empty() {
        if b.len() < 8 {
            return Err(FstrmError::BadControl("truncated field header"));
        }
        let ftype = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        let flen = u32::from_be_bytes([b[4], b[5], b[6], b[7]]) as usize;
        let val = b.get(8..8 + flen).ok_or(FstrmError::BadControl("field longer than the frame"))?;
        if ftype != FIELD_CONTENT_TYPE {
            return Err(FstrmError::BadControl("unknown field type"));
        }
        out.push(val);
        b = &b[8 + flen..];
    }
    Ok(out)
}

/// Encodes a control frame with its escape and length: for writers and tests.
pub fn control_frame(ctype: u32, content_type: Option<&[u8]>) -> Vec<u8> {
    let mut body = ctype.to_be_bytes().to_vec();
    if let Some(ct) = content_type {
        body.extend_from_slice(&FIELD_CONTENT_TYPE.to_be_bytes());
        body.extend_from_slice(&(ct.len() as u32).to_be_bytes());
        body.extend_from_slice(ct);
    }
    let mut out = vec![0, 0, 0, 0];
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.extend_from_slice(&body);
    out
}

/// Sniff score for a dnstap Frame Streams file.
pub fn sniff_dnstap(head: &[u8]) -> u8 {
    if head.len() < 12 || head[..4] != [0, 0, 0, 0] || head[8..12] != CONTROL_START.to_be_bytes() {
        return 0;
    }
    let len = u32::from_be_bytes([head[4], head[5], head[6], head[7]]) as usize;
    let end = (8 + len).min(head.len());
    if memchr::memmem::find(&head[12..end], DNSTAP_CONTENT_TYPE).is_some() {
        100
    } else {
        0
    }
}

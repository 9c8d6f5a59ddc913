//! Frame Streams bidirectional handshake, receiver side (what `fstrm_capture` does for a unix
//! or TCP socket that BIND, Unbound or Knot write dnstap to): the sender sends READY listing
//! the content types it can send, the receiver answers ACCEPT with the one it takes, then the
//! stream is a unidirectional one (START, data frames, STOP) read with
//! [`super::fstrm::FstrmReader`], and the receiver ends it with FINISH after STOP.
//!
//! Works over anything `Read + Write` (`&UnixStream`, `&TcpStream`); no socket is opened here.

use super::fstrm::{
    control_frame, parse_control_fields, FstrmError, CONTROL_ACCEPT, CONTROL_FINISH, CONTROL_READY, MAX_CONTROL,
};
use std::io::{self, Read, Write};

/// Reads READY and answers ACCEPT for `content_type`. A READY that does not offer it is
/// answered with nothing (the spec says to close) and reported as [`FstrmError::ContentType`].
pub fn accept<S: Read + Write>(stream: &mut S, content_type: &[u8]) -> Result<(), Result<FstrmError, io::Error>> {
    let body = read_control(stream)?;
    let ctype = u32::from_be_bytes([body[0], body[1], body[2], body[3]]);
    if ctype != CONTROL_READY {
        return Err(Ok(FstrmError::UnexpectedControl(ctype)));
    }
    let offered = parse_control_fields(&body[4..]).map_err(Ok)?;
    if !offered.is_empty() && !offered.contains(&content_type) {
        let first = offered.first().map(|f| String::from_utf8_lossy(f).into_owned()).unwrap_or_default();
        return Err(Ok(FstrmError::ContentType(first)));
    }
    stream.write_all(&control_frame(CONTROL_ACCEPT, Some(content_type))).map_err(Err)?;
    stream.flush().map_err(Err)
}

/// Sends FINISH, after the reader saw STOP.
pub fn finish<W: Write>(stream: &mut W) -> io::Result<()> {
    stream.write_all(&control_frame(CONTROL_FINISH, None))?;
    stream.flush()
}

fn read_control<R: Read>(r: &mut R) -> Result<Vec<u8>, Result<FstrmError, io::Error>> {
    let mut word = [0u8; 4];
    let eof = |e: io::Error| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            Ok(FstrmError::Truncated("control frame"))
        } else {
            Err(e)
        }
    };
    r.read_exact(&mut word).map_err(eof)?;
    if word != [0; 4] {
        return Err(Ok(FstrmError::MissingStart));
    }
    r.read_exact(&mut word).map_err(eof)?;
    let len = u32::from_be_bytes(word) as usize;
    if len > MAX_CONTROL {
        return Err(Ok(FstrmError::ControlTooLong(len)));
    }
    if len < 4 {
        return Err(Ok(FstrmError::BadControl("shorter than its type")));
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).map_err(eof)?;
    Ok(body)
}

//! Ctrl-C and SIGTERM for a live hunt, with no code running inside a signal handler: SIGINT and
//! SIGTERM are blocked (the mask is set before any other thread starts, and threads inherit it),
//! and one thread takes them with sigwait(3) and records the first in a flag the engine thread
//! polls. A second signal, while the first one's drain runs, exits at once (status 130).

use std::io;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;

/// The signal that asked the hunt to stop (0 while none has).
pub struct StopFlag(Arc<AtomicI32>);

impl StopFlag {
    pub fn signal(&self) -> Option<&'static str> {
        match self.0.load(Ordering::Acquire) {
            0 => None,
            libc::SIGINT => Some("SIGINT"),
            libc::SIGTERM => Some("SIGTERM"),
            _ => Some("a signal"),
        }
    }
}

/// Blocks SIGINT and SIGTERM in the calling thread (and so in every thread it starts later) and
/// starts the thread that waits for them. Call before starting any other thread.
pub fn watch() -> io::Result<StopFlag> {
    // SAFETY: sigset_t is plain data that sigemptyset initialises; the calls only read and
    // write the set passed to them and the calling thread's signal mask.
    let set = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        let rc = libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        set
    };
    let flag = Arc::new(AtomicI32::new(0));
    let seen = flag.clone();
    std::thread::Builder::new().name("signals".into()).spawn(move || loop {
        let mut sig: libc::c_int = 0;
        // SAFETY: `set` is an initialised sigset_t; `sig` is a valid out-pointer.
        if unsafe { libc::sigwait(&set, &mut sig) } != 0 {
            continue;
        }
        if seen.swap(sig, Ordering::AcqRel) != 0 {
            std::process::exit(130);
        }
    })?;
    Ok(StopFlag(flag))
}

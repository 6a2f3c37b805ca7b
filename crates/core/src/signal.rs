//! Signal names as `kill` takes them: `TERM`, `SIGTERM`, `sigterm`, `15`, `RTMIN+2`.

use std::str::FromStr;

use nix::sys::signal::Signal;

#[derive(Debug, thiserror::Error)]
pub enum SignalError {
    #[error("unknown signal {0:?}")]
    Unknown(String),
}

/// A signal number that `kill(2)` accepts; real-time signals have no `nix::Signal`.
pub fn parse(s: &str) -> Result<i32, SignalError> {
    let unknown = || SignalError::Unknown(s.to_string());
    if let Ok(n) = s.parse::<i32>() {
        return if (1..=libc::SIGRTMAX()).contains(&n) { Ok(n) } else { Err(unknown()) };
    }
    let upper = s.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    if let Some(rt) = name.strip_prefix("RTMIN") {
        let off = if rt.is_empty() { 0 } else { rt.strip_prefix('+').and_then(|n| n.parse().ok()).ok_or_else(unknown)? };
        let n = libc::SIGRTMIN() + off;
        return if n <= libc::SIGRTMAX() { Ok(n) } else { Err(unknown()) };
    }
    if let Some(rt) = name.strip_prefix("RTMAX") {
        let off: i32 = if rt.is_empty() { 0 } else { rt.strip_prefix('-').and_then(|n| n.parse().ok()).ok_or_else(unknown)? };
        let n = libc::SIGRTMAX() - off;
        return if n >= libc::SIGRTMIN() { Ok(n) } else { Err(unknown()) };
    }
    let name = match name {
        "CLD" => "CHLD",
        "POLL" => "IO",
        n => n,
    };
    Signal::from_str(&format!("SIG{name}")).map(|s| s as i32).map_err(|_| unknown())
}

/// Signals the foreground `run` and `--init` pass on to the container: all of them except
/// those that cannot be caught, that stop or continue the relay itself, or that report on
/// our own children.
pub fn forwardable() -> impl Iterator<Item = Signal> {
    Signal::iterator().filter(|s| {
        !matches!(
            s,
            Signal::SIGKILL
                | Signal::SIGSTOP
                | Signal::SIGCHLD
                | Signal::SIGTSTP
                | Signal::SIGTTIN
                | Signal::SIGTTOU
                | Signal::SIGSEGV
                | Signal::SIGBUS
                | Signal::SIGILL
                | Signal::SIGFPE
                | Signal::SIGTRAP
                | Signal::SIGSYS
                | Signal::SIGPIPE
                | Signal::SIGWINCH
                | Signal::SIGCONT
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_numbers() {
        assert_eq!(parse("TERM").unwrap(), libc::SIGTERM);
        assert_eq!(parse("SIGTERM").unwrap(), libc::SIGTERM);
        assert_eq!(parse("sigkill").unwrap(), libc::SIGKILL);
        assert_eq!(parse("kill").unwrap(), libc::SIGKILL);
        assert_eq!(parse("9").unwrap(), 9);
        assert_eq!(parse("USR1").unwrap(), libc::SIGUSR1);
        assert_eq!(parse("CLD").unwrap(), libc::SIGCHLD);
        assert_eq!(parse("RTMIN+2").unwrap(), libc::SIGRTMIN() + 2);
        assert_eq!(parse("SIGRTMAX").unwrap(), libc::SIGRTMAX());
    }

    #[test]
    fn refuses_garbage() {
        for s in ["", "0", "-1", "65", "NOPE", "SIG", "RTMIN+99", "RTMIN+x"] {
            assert!(parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn forwards_the_usual_signals_but_not_sigchld() {
        let f: Vec<_> = forwardable().collect();
        for s in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP, Signal::SIGQUIT, Signal::SIGUSR1, Signal::SIGUSR2] {
            assert!(f.contains(&s));
        }
        assert!(!f.contains(&Signal::SIGCHLD));
        assert!(!f.contains(&Signal::SIGKILL));
    }
}

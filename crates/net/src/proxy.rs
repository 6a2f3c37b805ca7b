//! The user-space relay of published TCP ports that nftables cannot redirect: [::1] (the
//! kernel drops a reply routed towards ::1 from a container's link; IPv6 has no
//! route_localnet) and IPv6 host addresses of a container without IPv6. One process per
//! container (`tsc-box-runtime port-proxy`), started by net-attach with the listening
//! sockets already bound (a port in use fails the attach, before the container runs), ended
//! by the container's exit (companion.rs) or by a disconnect.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::Command;

use crate::companion::{self, CompanionError};

#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("port {addr} is already in use on the host ({source})")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error(transparent)]
    Companion(#[from] CompanionError),
    #[error("the runtime binary (/proc/self/exe): {0}")]
    Exe(std::io::Error),
    #[error("port-proxy: invalid --forward {0:?}: expected FD=ADDRESS:PORT")]
    Arg(String),
}

/// One relayed port: where the host listens, where the container answers.
pub struct Forward {
    pub listen: SocketAddr,
    pub to: SocketAddr,
}

/// The process serving a container's relayed ports: its pid and start time (to stop it on
/// a disconnect without ever signalling a recycled pid).
pub type Running = (i32, u64);

/// Binds every port, then starts the relay for the container whose init is `pid`.
pub fn start(pid: i32, forwards: &[Forward]) -> Result<Running, ProxyError> {
    let listeners =
        forwards.iter().map(|f| TcpListener::bind(f.listen).map_err(|source| ProxyError::Bind { addr: f.listen, source })).collect::<Result<Vec<_>, _>>()?;
    let pidfd = companion::pidfd_open(pid)?;
    let exe = std::fs::read_link("/proc/self/exe").map_err(ProxyError::Exe)?;
    let mut cmd = Command::new(exe);
    cmd.arg0("tsc-box-port-proxy").args(["helper", "port-proxy", "--pidfd", "3"]);
    let mut fds = vec![(pidfd.as_raw_fd(), 3)];
    for (i, (l, f)) in listeners.iter().zip(forwards).enumerate() {
        let n = 4 + i as i32;
        fds.push((l.as_raw_fd(), n));
        cmd.args(["--forward", &format!("{n}={}", f.to)]);
    }
    let child = companion::spawn(&mut cmd, "the port proxy", &fds)?;
    let id = child.id() as i32;
    Ok((id, tsc_box_core::state::proc_start_time(id).unwrap_or(0)))
}

/// Stops a relay started by `start` (a disconnect); one already gone is fine.
pub fn stop(r: Running) {
    if tsc_box_core::state::proc_start_time(r.0) == Some(r.1) {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(r.0), nix::sys::signal::Signal::SIGKILL);
    }
}

/// "4=[fd00::2]:80" into the fd and the target.
pub fn parse_forward(s: &str) -> Result<(i32, SocketAddr), ProxyError> {
    let (fd, to) = s.split_once('=').ok_or_else(|| ProxyError::Arg(s.into()))?;
    let fd: i32 = fd.parse().map_err(|_| ProxyError::Arg(s.into()))?;
    let to: SocketAddr = to.parse().map_err(|_| ProxyError::Arg(s.into()))?;
    if fd < 3 {
        return Err(ProxyError::Arg(s.into()));
    }
    Ok((fd, to))
}

/// The relay's life: accept on every listener, copy both ways, until the container exits.
pub fn serve(pidfd: OwnedFd, listeners: Vec<(TcpListener, SocketAddr)>) {
    for (l, to) in listeners {
        std::thread::spawn(move || {
            for conn in l.incoming().flatten() {
                std::thread::spawn(move || relay(conn, to));
            }
        });
    }
    companion::wait_exit(&pidfd);
}

fn relay(client: TcpStream, to: SocketAddr) {
    let Ok(server) = TcpStream::connect(to) else { return };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else { return };
    let up = std::thread::spawn(move || pump(client, server));
    pump(s2, c2);
    let _ = up.join();
}

/// Copies until EOF, then passes the half-close on.
fn pump(mut from: TcpStream, mut to: TcpStream) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forwards() {
        assert_eq!(parse_forward("4=[fd00::2]:80").unwrap(), (4, "[fd00::2]:80".parse().unwrap()));
        assert_eq!(parse_forward("5=10.1.0.2:8080").unwrap().1, "10.1.0.2:8080".parse().unwrap());
        for bad in ["4", "x=[::1]:80", "4=fd00::2:80", "2=[::1]:80"] {
            assert!(parse_forward(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn relays_until_the_watched_process_exits() {
        let backend = TcpListener::bind("127.0.0.1:0").unwrap();
        let to = backend.local_addr().unwrap();
        std::thread::spawn(move || {
            for c in backend.incoming().flatten() {
                let mut c = c;
                let mut s = String::new();
                c.read_to_string(&mut s).unwrap();
                c.write_all(format!("got {s}").as_bytes()).unwrap();
            }
        });
        let front = TcpListener::bind("[::1]:0").unwrap();
        let addr = front.local_addr().unwrap();
        let mut watched = Command::new("sleep").arg("0.5").spawn().unwrap();
        let pidfd = companion::pidfd_open(watched.id() as i32).unwrap();
        let server = std::thread::spawn(move || serve(pidfd, vec![(front, to)]));
        let mut c = TcpStream::connect(addr).unwrap();
        c.write_all(b"ping").unwrap();
        c.shutdown(Shutdown::Write).unwrap();
        let mut s = String::new();
        c.read_to_string(&mut s).unwrap();
        assert_eq!(s, "got ping");
        watched.wait().unwrap();
        server.join().unwrap();
    }
}

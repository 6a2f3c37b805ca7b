//! User-mode networking for containers of a user without root (`--network slirp4netns`, as
//! podman names it): slirp4netns (Debian package slirp4netns) joins the container's user and
//! network namespaces, makes tap0 there (10.0.2.100/24, gateway 10.0.2.2, DNS 10.0.2.3) and
//! carries its traffic through ordinary sockets of the user. Published ports are added
//! through its API socket (add_hostfwd). It lives exactly as long as the container's init: its
//! --exit-fd is a pipe that hangs up when the init exits (companion::watch), on every path
//! (rm -f, a SIGKILLed tsc-box, a crashed monitor).

use std::io::{Read, Write};
use std::net::IpAddr;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::companion::{self, CompanionError};
use crate::ports::{Port, PortError};

#[derive(Debug, thiserror::Error)]
pub enum SlirpError {
    #[error("slirp4netns is not installed (Debian package slirp4netns): rootless networking needs it; use --network none or host without it")]
    Missing,
    #[error("slirp4netns needs /dev/net/tun, which this host lacks (as root: modprobe tun)")]
    NoTun,
    #[error("slirp4netns needs /dev/net/tun, which this user cannot open (udev makes it mode 0666)")]
    TunDenied,
    #[error(transparent)]
    Companion(#[from] CompanionError),
    #[error(transparent)]
    Port(#[from] PortError),
    #[error("port {0}: slirp4netns publishes on IPv4 host addresses only")]
    Ipv6Port(Port),
    #[error("slirp4netns did not become ready in {0} s{1}")]
    NotReady(u64, String),
    #[error("slirp4netns exited before it was ready{0}")]
    Died(String),
    #[error("publishing port {port} through slirp4netns: {why}")]
    Publish { port: Port, why: String },
    #[error("{what} {path}: {source}")]
    Io { what: &'static str, path: PathBuf, source: std::io::Error },
}

/// What the CLI asks for, written as JSON next to the bundle's config.json.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SlirpPlan {
    #[serde(default)]
    pub ports: Vec<Port>,
    /// slirp4netns's own messages (the container's directory).
    pub log: PathBuf,
    #[serde(default = "default_mtu")]
    pub mtu: u32,
}

/// slirp4netns's largest: fewer, bigger packets through user space.
fn default_mtu() -> u32 {
    65520
}

const READY_WAIT: Duration = Duration::from_secs(10);
const TUN: &str = "/dev/net/tun";

fn find_binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    std::env::split_paths(&path).map(|d| d.join("slirp4netns")).find(|p| p.is_file())
}

/// The tail of slirp4netns's log, for an error message.
fn log_tail(p: &Path) -> String {
    let text = std::fs::read_to_string(p).unwrap_or_default();
    let last: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    match last.len() {
        0 => String::new(),
        n => format!(": {}", last[n.saturating_sub(3)..].join("; ")),
    }
}

/// Starts slirp4netns for the container whose init is `pid` and publishes the plan's ports.
/// On failure nothing is left: slirp4netns is killed and reaped.
pub fn attach(plan: &SlirpPlan, pid: i32) -> Result<i32, SlirpError> {
    for p in &plan.ports {
        p.check()?;
        if matches!(p.host_ip, Some(IpAddr::V6(_))) {
            return Err(SlirpError::Ipv6Port(*p));
        }
    }
    let bin = find_binary().ok_or(SlirpError::Missing)?;
    if std::fs::metadata(TUN).is_err() {
        return Err(SlirpError::NoTun);
    }
    if nix::unistd::access(TUN, nix::unistd::AccessFlags::R_OK | nix::unistd::AccessFlags::W_OK).is_err() {
        return Err(SlirpError::TunDenied);
    }
    let pidfd = companion::pidfd_open(pid)?;
    // The API socket lives in a private directory of its own for the attach only: a short
    // path (sun_path holds 108 bytes) that no other user can race for.
    let api_dir = private_dir()?;
    let sock = api_dir.join("api.sock");
    let r = start(&bin, plan, pid, &pidfd, &sock);
    let _ = std::fs::remove_dir_all(&api_dir);
    r
}

fn private_dir() -> Result<PathBuf, SlirpError> {
    let base = std::env::temp_dir();
    for _ in 0..16 {
        let mut b = [0u8; 6];
        let _ = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut b));
        let d = base.join(format!("tsc-box-slirp-{}", b.iter().map(|x| format!("{x:02x}")).collect::<String>()));
        match std::fs::DirBuilder::new().mode(0o700).create(&d) {
            Ok(()) => return Ok(d),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(source) => return Err(SlirpError::Io { what: "create", path: d, source }),
        }
    }
    Err(SlirpError::Io { what: "create", path: base, source: std::io::ErrorKind::AlreadyExists.into() })
}

fn start(bin: &Path, plan: &SlirpPlan, pid: i32, pidfd: &OwnedFd, sock: &Path) -> Result<i32, SlirpError> {
    let (ready_r, ready_w) = companion::pipe()?;
    let (exit_r, exit_w) = companion::pipe()?;
    let log = std::fs::OpenOptions::new().create(true).append(true).open(&plan.log).map_err(|source| SlirpError::Io {
        what: "open",
        path: plan.log.clone(),
        source,
    })?;
    let mut cmd = Command::new(bin);
    cmd.args(["--configure", "--mtu", &plan.mtu.to_string(), "--disable-host-loopback", "--enable-sandbox", "--enable-seccomp"]).args([
        "--exit-fd",
        "3",
        "--ready-fd",
        "4",
    ]);
    if !plan.ports.is_empty() {
        cmd.arg("--api-socket").arg(sock);
    }
    cmd.args([pid.to_string().as_str(), "tap0"]);
    let mut child = companion::spawn(&mut cmd, "slirp4netns", &[(exit_r.as_raw_fd(), 3), (ready_w.as_raw_fd(), 4), (log.as_raw_fd(), 2)])?;
    drop(ready_w);
    drop(exit_r);
    // From here the watcher alone holds the write end: slirp4netns ends when it does.
    let watching = companion::watch(pidfd, &exit_w);
    drop(exit_w);
    let undo = |child: &mut std::process::Child| {
        let _ = child.kill();
        let _ = child.wait();
    };
    if let Err(e) = watching {
        undo(&mut child);
        return Err(e.into());
    }
    if let Err(e) = wait_ready(ready_r, &mut child, &plan.log) {
        undo(&mut child);
        return Err(e);
    }
    for p in &plan.ports {
        if let Err(e) = add_hostfwd(sock, p) {
            undo(&mut child);
            return Err(e);
        }
    }
    Ok(child.id() as i32)
}

/// slirp4netns writes "1" to the ready fd once tap0 is configured and the API socket listens.
fn wait_ready(r: OwnedFd, child: &mut std::process::Child, log: &Path) -> Result<(), SlirpError> {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    use std::os::fd::AsFd;
    let deadline = Instant::now() + READY_WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(SlirpError::NotReady(READY_WAIT.as_secs(), log_tail(log)));
        }
        let mut fds = [PollFd::new(r.as_fd(), PollFlags::POLLIN)];
        let ms = u16::try_from(left.as_millis()).unwrap_or(u16::MAX);
        match poll(&mut fds, PollTimeout::from(ms)) {
            Ok(0) | Err(nix::errno::Errno::EINTR) => continue,
            Ok(_) => break,
            Err(e) => return Err(SlirpError::Io { what: "poll", path: "ready".into(), source: e.into() }),
        }
    }
    let mut b = [0u8; 1];
    match nix::unistd::read(&r, &mut b) {
        Ok(1) if b[0] == b'1' => Ok(()),
        _ => {
            let _ = child.wait();
            Err(SlirpError::Died(log_tail(log)))
        }
    }
}

/// The API request publishing one port, in slirp4netns's JSON.
pub fn hostfwd_request(p: &Port) -> String {
    let host = p.host_ip.map_or_else(|| "0.0.0.0".to_string(), |ip| ip.to_string());
    serde_json::json!({
        "execute": "add_hostfwd",
        "arguments": {"proto": p.proto.as_str(), "host_addr": host, "host_port": p.host_port, "guest_port": p.container_port}
    })
    .to_string()
}

#[derive(Deserialize)]
struct ApiReply {
    #[serde(default)]
    error: Option<serde_json::Value>,
    #[serde(rename = "return", default)]
    ret: Option<serde_json::Value>,
}

fn add_hostfwd(sock: &Path, p: &Port) -> Result<(), SlirpError> {
    let fail = |why: String| SlirpError::Publish { port: *p, why };
    let mut s = UnixStream::connect(sock).map_err(|e| fail(format!("API socket {}: {e}", sock.display())))?;
    s.set_read_timeout(Some(READY_WAIT)).map_err(|e| fail(e.to_string()))?;
    s.write_all(hostfwd_request(p).as_bytes()).map_err(|e| fail(e.to_string()))?;
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut reply = String::new();
    s.read_to_string(&mut reply).map_err(|e| fail(e.to_string()))?;
    check_reply(&reply).map_err(fail)
}

/// Ok for {"return":...}; the error's description otherwise ("port in use" comes this way).
pub fn check_reply(reply: &str) -> Result<(), String> {
    let r: ApiReply = serde_json::from_str(reply.trim()).map_err(|_| format!("unexpected answer {:?}", reply.trim()))?;
    match (r.error, r.ret) {
        (Some(e), _) => Err(e.get("desc").and_then(|d| d.as_str()).map_or_else(|| e.to_string(), str::to_string)),
        (None, Some(_)) => Ok(()),
        (None, None) => Err(format!("unexpected answer {:?}", reply.trim())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::Proto;

    #[test]
    fn requests_and_replies() {
        let p = Port { host_ip: Some("127.0.0.1".parse().unwrap()), host_port: 8080, container_port: 80, proto: Proto::Tcp };
        let v: serde_json::Value = serde_json::from_str(&hostfwd_request(&p)).unwrap();
        assert_eq!(v["execute"], "add_hostfwd");
        assert_eq!(v["arguments"]["host_addr"], "127.0.0.1");
        assert_eq!(v["arguments"]["host_port"], 8080);
        assert_eq!(v["arguments"]["guest_port"], 80);
        let all = Port { host_ip: None, ..p };
        assert!(hostfwd_request(&all).contains("\"host_addr\":\"0.0.0.0\""));
        check_reply(r#"{"return": {"id": 1}}"#).unwrap();
        assert_eq!(
            check_reply(r#"{"error": {"desc": "bad request: add_hostfwd: slirp_add_hostfwd failed"}}"#).unwrap_err(),
            "bad request: add_hostfwd: slirp_add_hostfwd failed"
        );
        assert!(check_reply("garbage").is_err());
    }

    #[test]
    fn refuses_ipv6_ports_before_starting_anything() {
        let plan = SlirpPlan {
            ports: vec![Port { host_ip: Some("::1".parse().unwrap()), host_port: 8080, container_port: 80, proto: Proto::Tcp }],
            log: "/nonexistent/log".into(),
            mtu: 65520,
        };
        assert!(matches!(attach(&plan, std::process::id() as i32), Err(SlirpError::Ipv6Port(_))));
    }
}

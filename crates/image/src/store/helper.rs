//! A rootless user's layers are unpacked, and removed, by a helper process in a user namespace
//! mapping the user's subordinate ids (`tsc-box-runtime unpack-layer` / `remove-tree`): only
//! there can a layer's file owned by uid 33 be given uid 33 (on the host: subordinate id
//! 33's), and only there can the user remove such files again. This process never unshares
//! (it may be threaded, as the napi binding is): it runs the helper and waits.
use crate::digest::Digest;
use crate::layer::{LayerError, LayerOptions, MadeLayer};
use crate::unpack::{LayerSource, UnpackError};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The helper's exit status when the content did not match its digests.
pub const EXIT_CONTENT_MISMATCH: i32 = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnpackHelper {
    pub program: PathBuf,
    /// Given before the subcommand's own arguments: the maps (`--uidmap C:H:S` ...).
    pub map_args: Vec<String>,
}

impl UnpackHelper {
    fn command(&self, sub: &str) -> Command {
        let mut c = Command::new(&self.program);
        c.arg("helper").arg(sub).args(&self.map_args).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
        c
    }

    /// Unpacks like `unpack_layer`, in the helper. With `abort` the blob is still being
    /// downloaded: the helper follows it, and is killed when `abort` is set.
    pub fn unpack(&self, src: &LayerSource<'_>, dest: &Path, abort: Option<&AtomicBool>) -> Result<(), UnpackError> {
        let mut c = self.command("unpack-layer");
        c.arg("--digest").arg(src.digest.to_string()).arg("--size").arg(src.size.to_string());
        c.arg("--diff-id").arg(src.diff_id.to_string());
        if abort.is_some() {
            c.arg("--follow");
        }
        c.arg(src.blob).arg(dest);
        // The helper counts its layer against the image total from what the image's other
        // layers hold now (layers unpacked beside it are counted once it has finished).
        let image = crate::unpack::ImageTally::current();
        if let Some(t) = &image {
            c.env(crate::unpack::IMAGE_MAX_BYTES_VAR, t.max().to_string()).env(crate::unpack::IMAGE_BYTES_USED_VAR, t.used().to_string());
        }
        let mut child = c.spawn().map_err(|e| UnpackError::Helper(format!("starting {}: {e}", self.program.display())))?;
        let status = loop {
            match child.try_wait() {
                Ok(Some(st)) => break st,
                Ok(None) => {}
                Err(e) => return Err(UnpackError::Helper(format!("waiting for {}: {e}", self.program.display()))),
            }
            if abort.is_some_and(|a| a.load(Ordering::Acquire)) {
                let _ = child.kill();
                let _ = child.wait();
                return Err(UnpackError::Read(
                    dest.display().to_string(),
                    std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "the download of this layer stopped before its end"),
                ));
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        if status.success() {
            if let Some(Err(e)) = image.as_ref().map(|t| t.add(super::import::disk_usage(dest))) {
                // Over the image's limit with the layers unpacked beside it: not kept.
                let _ = self.remove_tree(dest);
                return Err(e.into());
            }
            return Ok(());
        }
        let mut msg = String::new();
        if let Some(mut err) = child.stderr.take() {
            use std::io::Read;
            let _ = err.read_to_string(&mut msg);
        }
        let msg = msg.trim().trim_start_matches("tsc-box-runtime: ").to_string();
        let msg = if msg.is_empty() { format!("{} unpack-layer failed ({status})", self.program.display()) } else { msg };
        Err(if status.code() == Some(EXIT_CONTENT_MISMATCH) { UnpackError::ContentMismatch(msg) } else { UnpackError::Helper(msg) })
    }

    /// Makes a layer of `upper` (see `layer::from_upper`) in the helper, which puts its blob into
    /// the store at `store_root` and prints what it made.
    pub fn layer_from_upper(&self, store_root: &Path, upper: &Path, opts: &LayerOptions) -> Result<MadeLayer, LayerError> {
        let mut c = self.command("layer-from-upper");
        c.arg("--store").arg(store_root);
        if let Some(e) = opts.epoch {
            c.arg("--epoch").arg(e.to_string());
        }
        for p in &opts.skip_empty {
            c.arg("--skip-empty").arg(p);
        }
        let out = c.arg(upper).stdout(Stdio::piped()).output().map_err(|e| LayerError::Helper(format!("starting {}: {e}", self.program.display())))?;
        let said = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            let msg = String::from_utf8_lossy(&out.stderr).trim().trim_start_matches("tsc-box-runtime: ").to_string();
            return Err(LayerError::Helper(if msg.is_empty() { format!("{} layer-from-upper failed ({})", self.program.display(), out.status) } else { msg }));
        }
        MadeLayer::parse_line(said.trim()).ok_or_else(|| LayerError::Helper(format!("{} layer-from-upper printed {:?}", self.program.display(), said.trim())))
    }

    /// Removes a directory tree whose files may belong to the user's subordinate ids; returns
    /// the bytes freed (which the helper prints).
    pub fn remove_tree(&self, dir: &Path) -> Result<u64, String> {
        let out = self.command("remove-tree").arg(dir).stdout(Stdio::piped()).output().map_err(|e| format!("starting {}: {e}", self.program.display()))?;
        if !out.status.success() {
            let msg = String::from_utf8_lossy(&out.stderr).trim().to_string();
            return Err(if msg.is_empty() { format!("{} remove-tree failed ({})", self.program.display(), out.status) } else { msg });
        }
        let said = String::from_utf8_lossy(&out.stdout);
        said.trim().parse::<u64>().map_err(|_| format!("{} remove-tree printed {:?}, not the bytes it freed", self.program.display(), said.trim()))
    }
}

/// The helper's own arguments for one layer, parsed back (the runtime's side).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerArgs {
    pub blob: PathBuf,
    pub digest: Digest,
    pub size: u64,
    pub diff_id: Digest,
    pub follow: bool,
    pub dest: PathBuf,
}

impl LayerArgs {
    /// Unpacks in this process (the helper, inside its user namespace).
    pub fn unpack(&self) -> Result<crate::unpack::Report, UnpackError> {
        let never = AtomicBool::new(false);
        let src = LayerSource { blob: &self.blob, digest: &self.digest, size: self.size, diff_id: &self.diff_id, follow: self.follow.then_some(&never) };
        // The store passed the image's limit and what its other layers use in the environment.
        let image = crate::unpack::ImageTally::from_env()?;
        image.counting(|| crate::unpack::unpack_layer(&src, &self.dest))
    }
}

//! `tsc-box inspect CONTAINER...`: docker's inspect document for what tsc-box knows of each
//! container, and its output (pretty JSON, or a --format template per container), written once
//! for the runtime's native front door and the Node CLI (through the binding).

use serde::Serialize;
use tsc_box_format::{Format, Template, TemplateError, Value};

use crate::paths::Paths;
use crate::resolve::{resolve_container, ResolveError};
use crate::view::{ContainerView, State};
use crate::{Coded, ErrorCode};

/// A bad --format template (inspect's, ps's): docker's 125 with Go's message.
impl Coded for TemplateError {
    fn code(&self) -> ErrorCode {
        ErrorCode::InvalidFormat
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InspectState {
    pub status: State,
    pub running: bool,
    pub paused: bool,
    pub restarting: bool,
    #[serde(rename = "OOMKilled")]
    pub oom_killed: bool,
    pub dead: bool,
    pub pid: i32,
    /// docker's 0 while it has not ended; null when it ended and nobody recorded how (the
    /// `run` waiting for it was killed), never a made-up 0.
    pub exit_code: Option<i32>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RestartPolicy {
    pub name: String,
    pub maximum_retry_count: u64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct HostConfig {
    pub restart_policy: RestartPolicy,
}

/// One inspect document: docker's field names, in docker's order (the JSON is a stable API).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InspectDoc {
    pub id: String,
    pub name: String,
    pub created: String,
    pub path: String,
    pub args: Vec<String>,
    pub state: InspectState,
    pub restart_count: u32,
    pub host_config: HostConfig,
    pub rootfs: String,
    pub log_path: String,
    pub bundle_path: String,
}

pub fn document(v: &ContainerView) -> InspectDoc {
    let (policy, retries) = v.restart_policy.split_once(':').unwrap_or((&v.restart_policy, "0"));
    let ended = matches!(v.state, State::Exited | State::Dead);
    InspectDoc {
        id: v.id.clone(),
        name: v.name.clone(),
        created: v.created.clone(),
        path: v.command.first().cloned().unwrap_or_default(),
        args: v.command.iter().skip(1).cloned().collect(),
        state: InspectState {
            status: v.state,
            running: matches!(v.state, State::Running | State::Paused),
            paused: v.state == State::Paused,
            restarting: v.state == State::Restarting,
            oom_killed: v.oom_killed,
            dead: v.state == State::Dead,
            pid: v.pid,
            exit_code: v.exit_code.or(if ended { None } else { Some(0) }),
            started_at: v.started_at.clone(),
            finished_at: v.finished_at.clone(),
        },
        restart_count: v.restart_count,
        host_config: HostConfig { restart_policy: RestartPolicy { name: policy.to_string(), maximum_retry_count: retries.parse().unwrap_or(0) } },
        rootfs: v.rootfs.clone(),
        log_path: v.dir.join("container.log").to_string_lossy().into_owned(),
        bundle_path: v.dir.to_string_lossy().into_owned(),
    }
}

/// The documents of the containers `refs` name, and the references that named none (docker
/// goes on past a missing one; the command then fails with the first failure).
pub fn inspect(paths: &Paths, refs: &[String]) -> (Vec<InspectDoc>, Vec<ResolveError>) {
    let mut docs = Vec::new();
    let mut failures = Vec::new();
    for r in refs {
        match resolve_container(paths, r) {
            Ok(v) => docs.push(document(&v)),
            Err(e) => failures.push(e),
        }
    }
    (docs, failures)
}

/// Checks a --format value before any container is looked at.
pub fn parse_format(format: Option<&str>) -> Result<Option<Template>, TemplateError> {
    match format.map(Format::parse).transpose()? {
        Some(Format::Template(t) | Format::Table(t)) => Ok(Some(t)),
        // `json` and `table` alone: the document as JSON, as without --format.
        _ => Ok(None),
    }
}

/// What inspect prints (without the final newline): the documents as a two-space indented
/// JSON array, or `template` run over each.
pub fn render(docs: &[InspectDoc], template: Option<&Template>) -> Result<String, TemplateError> {
    let Some(t) = template else { return Ok(serde_json::to_string_pretty(docs).unwrap_or_else(|_| "[]".into())) };
    let mut lines = Vec::with_capacity(docs.len());
    for d in docs {
        let value = Value::from_json(&serde_json::to_string(d).unwrap_or_default()).unwrap_or(Value::Null);
        lines.push(t.render(&value)?);
    }
    Ok(lines.join("\n"))
}

//! `tsc-box ps`: which containers it lists and what it prints, written once for its two
//! entries (the runtime's native front door, and the Node CLI through the binding). The output
//! itself (tables, --format templates, JSON) is tsc-box-format's.

use serde::Serialize;
use tsc_box_format::filter::{label_matches, FilterError, Filters};
use tsc_box_format::time::{created_ago, time_ago, time_since};
use tsc_box_format::{table, Format, ListError, Value};

use crate::view::{ContainerView, State};
use crate::{Coded, ErrorCode};

/// `ps`'s flags.
#[derive(Debug, Default, Clone)]
pub struct PsOptions {
    pub all: bool,
    pub quiet: bool,
    pub no_trunc: bool,
    pub filters: Vec<String>,
    pub format: Option<String>,
}

pub type PsError = ListError;

/// A bad --filter or --format of a list command (ps, network ls): docker's 125.
impl Coded for ListError {
    fn code(&self) -> ErrorCode {
        match self {
            ListError::Filter(_) => ErrorCode::InvalidFilter,
            ListError::Format(_) => ErrorCode::InvalidFormat,
        }
    }
}

/// docker's `ps --filter` keys that tsc-box has.
pub const FILTER_KEYS: [&str; 10] = ["status", "name", "id", "exited", "label", "ancestor", "before", "since", "network", "volume"];

const STATUSES: [&str; 7] = ["created", "restarting", "running", "removing", "paused", "exited", "dead"];

/// One `ps --json` entry: the stable API shape (the order of its keys included).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PsEntry {
    pub id: String,
    pub name: String,
    pub command: Vec<String>,
    pub created: String,
    pub state: State,
    pub status: String,
    pub exit_code: Option<i32>,
    pub pid: i32,
    pub restart_count: u32,
}

/// docker's STATUS column: "Up 5 seconds", "Exited (0) 3 minutes ago", "Created", "Dead". An
/// exit status nobody recorded (the `run` waiting for it was killed) reads "unknown", never 0.
pub fn status_text(v: &ContainerView, now_ms: i64) -> String {
    let code = v.exit_code.map_or_else(|| "unknown".to_string(), |c| c.to_string());
    match v.state {
        State::Created => "Created".into(),
        State::Running => format!("Up {}", time_since(v.started_at.as_deref(), now_ms)),
        State::Paused => format!("Up {} (Paused)", time_since(v.started_at.as_deref(), now_ms)),
        State::Restarting => format!("Restarting ({code}) {}", time_ago(v.finished_at.as_deref(), now_ms)),
        State::Exited => match &v.finished_at {
            Some(f) => format!("Exited ({code}) {}", time_ago(Some(f), now_ms)),
            None => format!("Exited ({code})"),
        },
        State::Dead => "Dead".into(),
    }
}

pub fn entry(v: &ContainerView, now_ms: i64) -> PsEntry {
    PsEntry {
        id: v.id.clone(),
        name: v.name.clone(),
        command: v.command.clone(),
        created: v.created.clone(),
        state: v.state,
        status: status_text(v, now_ms),
        exit_code: v.exit_code,
        pid: v.pid,
        restart_count: v.restart_count,
    }
}

/// The image a container was made from as the user named it (its record's config), else in
/// the short form docker prints (docker.io/library/nginx:latest is `nginx`) from what `run`
/// wrote beside its overlay (src/image/rootfs.ts: image.json); a --rootfs container shows its
/// root directory.
pub fn image_shown(v: &ContainerView) -> String {
    // What run/create were given, as docker shows it; older records have only image.json.
    if let Some(image) = v.config.as_ref().map(|c| &c.image).filter(|i| !i.is_empty()) {
        return image.clone();
    }
    #[derive(serde::Deserialize)]
    struct Meta {
        reference: String,
    }
    let meta = std::path::Path::new(&v.rootfs).parent().and_then(|d| std::fs::read(d.join("image.json")).ok());
    let Some(Meta { reference }) = meta.and_then(|b| serde_json::from_slice(&b).ok()) else { return v.rootfs.clone() };
    let short = reference.strip_prefix("docker.io/library/").or_else(|| reference.strip_prefix("docker.io/")).unwrap_or(&reference);
    short.strip_suffix(":latest").unwrap_or(short).to_string()
}

/// Parses `--filter` values, refusing unknown keys and values a key cannot take.
pub fn check_filters(filters: &[String]) -> Result<Filters, PsError> {
    let f = Filters::parse(filters, &FILTER_KEYS)?;
    f.validate(|k, v| match k {
        "status" => STATUSES.contains(&v),
        "exited" => v.parse::<i32>().is_ok(),
        _ => true,
    })?;
    Ok(f)
}

/// The image IDs `ancestor=` values name, as docker resolves them: each value looked up in the
/// image store (a reference, an ID or a prefix). The store is the data root's, beside the
/// containers' directory (paths.rs: `<data root>/containers/<id>`).
fn ancestor_ids(views: &[ContainerView], f: &Filters) -> Vec<(String, String)> {
    let Some(root) = views.first().and_then(|v| v.dir.parent()?.parent().map(|d| d.join("images"))) else { return Vec::new() };
    if !f.has("ancestor") || !root.join("blobs").is_dir() {
        return Vec::new();
    }
    let Ok(store) = tsc_box_image::Store::open(&root) else { return Vec::new() };
    let Ok(index) = store.index() else { return Vec::new() };
    f.values("ancestor").filter_map(|a| tsc_box_image::inspect::find(&index, a).ok().map(|r| (a.to_string(), r.id.to_string()))).collect()
}

/// The image a container was made from matches `want`: the image `want` names now (its ID),
/// or, for an image since removed or retagged, the name given at run (in any spelling of the
/// same reference) or a prefix of the ID it had.
fn ancestor_matches(v: &ContainerView, want: &str, resolved: &[(String, String)]) -> bool {
    let Some(c) = &v.config else { return false };
    if c.image.is_empty() {
        return false;
    }
    if resolved.iter().any(|(a, id)| a == want && *id == c.image_id) {
        return true;
    }
    let norm = |s: &str| tsc_box_image::reference::normalize(s);
    let id = c.image_id.strip_prefix("sha256:").unwrap_or(&c.image_id);
    let want_id = want.strip_prefix("sha256:").unwrap_or(want);
    c.image == want || (norm(&c.image).is_some() && norm(&c.image) == norm(want)) || (want_id.len() >= 4 && !id.is_empty() && id.starts_with(want_id))
}

/// docker's `volume=`: a volume's name, or a mount's source or destination. The record's mounts
/// (binds, volumes, tmpfs), else, for records older than them, the `-v` binds as given.
fn volume_matches(v: &ContainerView, want: &str) -> bool {
    let mounts = crate::record::read(&v.dir).map(|r| r.mounts).unwrap_or_default();
    if !mounts.is_empty() {
        return mounts.iter().any(|m| m.name == want || m.source == want || m.destination == want);
    }
    let Some(c) = &v.config else { return false };
    c.host.binds.iter().any(|b| {
        let mut p = b.split(':');
        p.next() == Some(want) || p.next() == Some(want)
    })
}

/// The container `r` names among `all` (name, id or id prefix), for before= and since=.
fn reference<'a>(all: &'a [ContainerView], r: &str) -> Option<&'a ContainerView> {
    all.iter().find(|v| v.name == r || v.id == r).or_else(|| {
        let mut m = all.iter().filter(|v| v.id.starts_with(r));
        let first = m.next()?;
        m.next().is_none().then_some(first)
    })
}

fn matches_filter(v: &ContainerView, all: &[ContainerView], resolved: &[(String, String)], key: &str, val: &str) -> bool {
    match key {
        "status" => v.state.as_str() == val,
        "name" => v.name.contains(val.trim_start_matches('/')),
        "id" => v.id.starts_with(val),
        "exited" => v.state == State::Exited && v.exit_code.map(|c| c.to_string()).as_deref() == Some(val),
        "label" => v.config.as_ref().is_some_and(|c| label_matches(c.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())), val)),
        "ancestor" => ancestor_matches(v, val, resolved),
        "before" => reference(all, val).is_some_and(|r| v.created < r.created),
        "since" => reference(all, val).is_some_and(|r| v.created > r.created),
        "network" => v.config.as_ref().is_some_and(|c| c.host.network_mode == val),
        "volume" => volume_matches(v, val),
        _ => false,
    }
}

/// The containers `ps` shows, in the store's order (newest first).
pub fn select(views: Vec<ContainerView>, o: &PsOptions) -> Result<Vec<ContainerView>, PsError> {
    let f = check_filters(&o.filters)?;
    for key in ["before", "since"] {
        if let Some(r) = f.values(key).find(|r| reference(&views, r).is_none()) {
            return Err(PsError::Filter(FilterError::Value(key.into(), r.into())));
        }
    }
    let all = o.all || f.has("status") || f.has("exited");
    let resolved = ancestor_ids(&views, &f);
    let keep: Vec<bool> = views
        .iter()
        .map(|v| {
            (all || matches!(v.state, State::Running | State::Paused | State::Restarting)) && f.matches(|k, val| matches_filter(v, &views, &resolved, k, val))
        })
        .collect();
    Ok(views.into_iter().zip(keep).filter_map(|(v, k)| k.then_some(v)).collect())
}

fn id_shown(id: &str, no_trunc: bool) -> String {
    if no_trunc {
        id.to_string()
    } else {
        id.chars().take(12).collect()
    }
}

/// The fields a --format template reads (docker's names), and their column titles.
fn template_item(v: &ContainerView, no_trunc: bool, now_ms: i64) -> Value {
    let s = |x: String| Value::Str(x);
    Value::Map(vec![
        ("ID".into(), s(id_shown(&v.id, no_trunc))),
        ("Names".into(), s(v.name.clone())),
        ("Command".into(), s(serde_json::to_string(&v.command.join(" ")).unwrap_or_default())),
        ("CreatedAt".into(), s(v.created.clone())),
        ("RunningFor".into(), s(time_ago(Some(&v.created), now_ms))),
        ("Status".into(), s(status_text(v, now_ms))),
        ("State".into(), s(v.state.as_str().into())),
        ("Image".into(), s(image_shown(v))),
        ("Ports".into(), s(crate::port::ps_column(v))),
        ("Labels".into(), s(v.config.as_ref().map(|c| c.labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")).unwrap_or_default())),
        ("Networks".into(), s(v.config.as_ref().map(|c| c.host.network_mode.clone()).unwrap_or_default())),
    ])
}

fn titles() -> Value {
    let t = [
        ("ID", "CONTAINER ID"),
        ("Names", "NAMES"),
        ("Command", "COMMAND"),
        ("CreatedAt", "CREATED AT"),
        ("RunningFor", "CREATED"),
        ("Status", "STATUS"),
        ("State", "STATE"),
        ("Image", "IMAGE"),
        ("Ports", "PORTS"),
        ("Labels", "LABELS"),
        ("Networks", "NETWORKS"),
    ];
    Value::Map(t.iter().map(|(k, v)| (k.to_string(), Value::Str(v.to_string()))).collect())
}

/// What `ps` prints for `shown` without --json (no final newline; None: nothing at all).
pub fn render(shown: &[ContainerView], o: &PsOptions, now_ms: i64) -> Result<Option<String>, PsError> {
    let format = Format::parse(o.format.as_deref().unwrap_or(""))?;
    if o.quiet {
        return Ok((!shown.is_empty()).then(|| shown.iter().map(|v| id_shown(&v.id, o.no_trunc)).collect::<Vec<_>>().join("\n")));
    }
    match format {
        Format::Json => {
            let lines: Vec<String> = shown.iter().map(|v| serde_json::to_string(&entry(v, now_ms)).unwrap_or_default()).collect();
            Ok((!lines.is_empty()).then(|| lines.join("\n")))
        }
        Format::Default => {
            let cmd = |c: &[String]| {
                let s = serde_json::to_string(&c.join(" ")).unwrap_or_default();
                if o.no_trunc || s.chars().count() <= 22 {
                    s
                } else {
                    format!("{}…\"", s.chars().take(19).collect::<String>())
                }
            };
            let rows: Vec<Vec<String>> = shown
                .iter()
                .map(|v| {
                    let (image, ports) = (image_shown(v), crate::port::ps_column(v));
                    vec![id_shown(&v.id, o.no_trunc), image, cmd(&v.command), created_ago(&v.created, now_ms), status_text(v, now_ms), ports, v.name.clone()]
                })
                .collect();
            Ok(Some(table(&["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"], &rows)))
        }
        f @ Format::Template(_) => {
            let items: Vec<Value> = shown.iter().map(|v| template_item(v, o.no_trunc, now_ms)).collect();
            Ok(f.render(&items, &titles())?.filter(|s| !s.is_empty() || !items.is_empty()))
        }
        f @ Format::Table(_) => {
            let items: Vec<Value> = shown.iter().map(|v| template_item(v, o.no_trunc, now_ms)).collect();
            Ok(f.render(&items, &titles())?)
        }
    }
}

/// `ps --json`: the entries as the Node CLI printed them (two-space indented).
pub fn render_json(shown: &[ContainerView], now_ms: i64) -> String {
    let entries: Vec<PsEntry> = shown.iter().map(|v| entry(v, now_ms)).collect();
    serde_json::to_string_pretty(&entries).unwrap_or_else(|_| "[]".into())
}

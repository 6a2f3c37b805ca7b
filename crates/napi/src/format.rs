//! tsc-box-format for the TypeScript commands whose output is still composed in TypeScript
//! (history, network ls, stats, top, pull's progress): the same tables, sizes and ages as the
//! Rust-rendered commands, from one implementation.
use napi_derive::napi;

use crate::errors::CodedResult as Result;

/// docker's plain table (columns padded to their widest cell plus three spaces, the last not).
#[napi]
pub fn format_table(header: Vec<String>, rows: Vec<Vec<String>>) -> String {
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    tsc_box_format::table(&header, &rows)
}

/// Bytes in powers of 1000, as docker prints them ("5.60MB").
#[napi]
pub fn format_human_size(bytes: f64) -> String {
    tsc_box_format::time::human_size(bytes)
}

/// "3 minutes ago" (N/A without a time) of an RFC 3339 time, at `now_ms`.
#[napi]
pub fn format_time_ago(iso: Option<String>, now_ms: f64) -> String {
    tsc_box_format::time::time_ago(iso.as_deref(), now_ms as i64)
}

/// A `--format` value run over the items of a list composed in TypeScript (history, stats,
/// network ls): null for the command's own table (no --format, or `table`), else the text
/// without its final newline. `titles` maps each field to its column title for `table T`.
#[napi]
pub fn format_items(format: String, items_json: String, titles_json: String) -> Result<Option<String>> {
    let bad = |e: tsc_box_format::TemplateError| crate::errors::fail(crate::errors::ErrorCode::InvalidFormat, e);
    let f = tsc_box_format::Format::parse(&format).map_err(bad)?;
    let items = match tsc_box_format::Value::from_json(&items_json) {
        Ok(tsc_box_format::Value::List(l)) => l,
        _ => Vec::new(),
    };
    let titles = tsc_box_format::Value::from_json(&titles_json).unwrap_or(tsc_box_format::Value::Null);
    f.render(&items, &titles).map_err(bad)
}

/// What a prune command may remove (`container prune`, `image prune`).
#[napi(object)]
pub struct PruneCandidate {
    /// RFC 3339.
    pub created: Option<String>,
    pub labels: std::collections::HashMap<String, String>,
}

/// `--filter` of the prune commands (docker's until=, label=, label!=) over `candidates`: for
/// each, whether it may be removed. An unknown key or a bad time fails (invalid_filter).
#[napi]
pub fn prune_filter(filters: Vec<String>, candidates: Vec<PruneCandidate>) -> Result<Vec<bool>> {
    let f = tsc_box_format::prune::PruneFilter::parse(&filters, tsc_box_format::time::now_ms())
        .map_err(|e| crate::errors::fail(crate::errors::ErrorCode::InvalidFilter, e))?;
    Ok(candidates.iter().map(|c| f.matches(c.created.as_deref(), || Box::new(c.labels.iter().map(|(k, v)| (k.as_str(), v.as_str()))))).collect())
}

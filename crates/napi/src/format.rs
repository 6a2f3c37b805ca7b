//! tsc-box-format for the TypeScript commands whose output is still composed in TypeScript
//! (history, network ls, stats, top, pull's progress): the same tables, sizes and ages as the
//! Rust-rendered commands, from one implementation.
use napi_derive::napi;

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

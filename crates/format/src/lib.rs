//! Output formatting of tsc-box's list and inspect commands, written once and used by both
//! entries: the runtime's native front door links it, and the Node CLI calls it through napi.
//!
//! - [`table`]: docker's plain tables (columns as wide as their widest cell, three spaces apart);
//! - [`Format`]: what `--format` asks for: the default table, `json` (one JSON object a line), a
//!   Go text/template ([`template::Template`]) per item, or `table TEMPLATE` (a header row from
//!   the template run over the column titles, cells aligned like docker's tabwriter).

pub mod filter;
pub mod prune;
pub mod template;
pub mod time;
pub mod value;

pub use template::{Template, TemplateError};

/// What a list command refuses before listing: a bad --filter or a bad --format.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error(transparent)]
    Filter(#[from] filter::FilterError),
    #[error(transparent)]
    Format(#[from] TemplateError),
}
pub use value::Value;

/// docker's plain table: each column but the last padded to its widest cell plus three spaces.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let width = |i: usize| rows.iter().map(|r| r.get(i).map_or(0, |c| c.chars().count())).chain([header[i].chars().count()]).max().unwrap_or(0);
    let widths: Vec<usize> = (0..header.len()).map(width).collect();
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        let last = cells.len().saturating_sub(1);
        for (i, c) in cells.into_iter().enumerate() {
            out.push_str(c);
            if i < last {
                out.extend(std::iter::repeat_n(' ', widths[i] + 3 - c.chars().count()));
            }
        }
        out
    };
    let mut lines = vec![line(header.to_vec())];
    lines.extend(rows.iter().map(|r| line(r.iter().map(String::as_str).collect())));
    lines.join("\n")
}

/// Lines of tab-separated cells aligned as docker's tabwriter does (minimum width 10, padding 3):
/// each cell followed by a tab is a column cell; the last cell of a line is left as it is.
pub fn tabwriter(text: &str) -> String {
    let lines: Vec<Vec<&str>> = text.split('\n').map(|l| l.split('\t').collect()).collect();
    let cols = lines.iter().map(|l| l.len().saturating_sub(1)).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols).map(|i| lines.iter().filter(|l| l.len() > i + 1).map(|l| l[i].chars().count() + 3).max().unwrap_or(0).max(10)).collect();
    let mut out = Vec::with_capacity(lines.len());
    for l in &lines {
        let mut s = String::new();
        for (i, c) in l.iter().enumerate() {
            s.push_str(c);
            if i + 1 < l.len() {
                s.extend(std::iter::repeat_n(' ', widths[i].saturating_sub(c.chars().count())));
            }
        }
        out.push(s);
    }
    out.join("\n")
}

/// What a `--format` value asks for.
#[derive(Clone, Debug)]
pub enum Format {
    /// No --format, or `table`: the command's own table.
    Default,
    /// `json`: each item as one line of JSON.
    Json,
    /// A template run once per item, each followed by a newline.
    Template(Template),
    /// `table TEMPLATE`: a header row, then the template per item, aligned by tabs.
    Table(Template),
}

impl Format {
    /// Parses a --format value (`\t` written as two characters stands for a tab, as in docker).
    pub fn parse(spec: &str) -> Result<Format, TemplateError> {
        let s = spec.trim();
        if s.is_empty() || s == "table" {
            return Ok(Format::Default);
        }
        if s == "json" {
            return Ok(Format::Json);
        }
        let unescaped = |t: &str| t.replace("\\t", "\t");
        if let Some(rest) = s.strip_prefix("table ").or_else(|| s.strip_prefix("table\t")) {
            return Ok(Format::Table(Template::parse(&unescaped(rest))?));
        }
        Ok(Format::Template(Template::parse(&unescaped(spec))?))
    }

    /// The output for `items` (without the final newline; None for [`Format::Default`], which
    /// the command prints itself). `titles` maps the fields a `table` template names to the
    /// column titles of its header row.
    pub fn render(&self, items: &[Value], titles: &Value) -> Result<Option<String>, TemplateError> {
        Ok(Some(match self {
            Format::Default => return Ok(None),
            Format::Json => items.iter().map(Value::to_json).collect::<Vec<_>>().join("\n"),
            Format::Template(t) => items.iter().map(|i| t.render(i)).collect::<Result<Vec<_>, _>>()?.join("\n"),
            Format::Table(t) => {
                let mut lines = vec![t.render(titles)?];
                for i in items {
                    lines.push(t.render(i)?);
                }
                tabwriter(&lines.join("\n"))
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_tables_pad_every_column_but_the_last() {
        let t = table(&["ID", "NAME"], &[vec!["abcdef".into(), "x".into()], vec!["a".into(), "longer".into()]]);
        assert_eq!(t, "ID       NAME\nabcdef   x\na        longer");
        assert_eq!(table(&["A", "B"], &[]), "A   B");
    }

    #[test]
    fn formats_parse_and_render() {
        let items = vec![Value::from_json(r#"{"ID":"abc","Names":"web"}"#).unwrap(), Value::from_json(r#"{"ID":"defghi","Names":"db"}"#).unwrap()];
        let titles = Value::from_json(r#"{"ID":"CONTAINER ID","Names":"NAMES"}"#).unwrap();
        assert!(matches!(Format::parse("").unwrap(), Format::Default));
        assert!(matches!(Format::parse("table").unwrap(), Format::Default));
        assert_eq!(
            Format::parse("json").unwrap().render(&items, &titles).unwrap().unwrap(),
            "{\"ID\":\"abc\",\"Names\":\"web\"}\n{\"ID\":\"defghi\",\"Names\":\"db\"}"
        );
        assert_eq!(Format::parse("{{.ID}}\\t{{.Names}}").unwrap().render(&items, &titles).unwrap().unwrap(), "abc\tweb\ndefghi\tdb");
        assert_eq!(
            Format::parse("table {{.ID}}\\t{{.Names}}").unwrap().render(&items, &titles).unwrap().unwrap(),
            "CONTAINER ID   NAMES\nabc            web\ndefghi         db"
        );
        assert_eq!(
            Format::parse("table {{.Names}}\\t{{.ID}}").unwrap().render(&items[..1], &titles).unwrap().unwrap(),
            "NAMES     CONTAINER ID\nweb       abc"
        );
    }

    #[test]
    fn an_unknown_field_in_a_table_header_is_the_same_error() {
        let titles = Value::from_json(r#"{"ID":"CONTAINER ID"}"#).unwrap();
        let e = Format::parse("table {{.Nope}}").unwrap().render(&[], &titles).unwrap_err();
        assert!(e.to_string().contains("can't evaluate field Nope"), "{e}");
    }
}

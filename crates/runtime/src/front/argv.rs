//! docker's flags of `exec`, parsed as the Node CLI parses them (src/cli/argv.ts): they end at
//! the container (everything after it is the command, untouched). Same messages and codes for
//! unknown flags and missing values.

use super::{ErrorCode, FrontError};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bool,
    Value,
}

struct Flag {
    long: &'static str,
    short: Option<char>,
    kind: Kind,
}

const fn flag(long: &'static str, short: Option<char>, kind: Kind) -> Flag {
    Flag { long, short, kind }
}

const EXEC: [Flag; 9] = [
    flag("interactive", Some('i'), Kind::Bool),
    flag("tty", Some('t'), Kind::Bool),
    flag("detach", Some('d'), Kind::Bool),
    flag("env", Some('e'), Kind::Value),
    flag("user", Some('u'), Kind::Value),
    flag("workdir", Some('w'), Kind::Value),
    flag("root", None, Kind::Value),
    flag("json", None, Kind::Bool),
    flag("help", None, Kind::Bool),
];

/// Parsed flags: booleans by their last value, values in order.
#[derive(Default, Debug)]
pub struct Parsed {
    bools: Vec<(&'static str, bool)>,
    values: Vec<(&'static str, String)>,
    /// The first positional and everything after it.
    pub rest: Vec<String>,
}

impl Parsed {
    pub fn bool(&self, name: &str) -> bool {
        self.bools.iter().rev().find(|(n, _)| *n == name).is_some_and(|(_, v)| *v)
    }
    /// A single-valued flag keeps its last value (pflag).
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.iter().rev().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }
    pub fn values(&self, name: &str) -> Vec<String> {
        self.values.iter().filter(|(n, _)| *n == name).map(|(_, v)| v.clone()).collect()
    }
    /// --root, else TSC_BOX_ROOT (as the Node CLI's root flag).
    pub fn root(&self) -> Option<String> {
        self.value("root").map(String::from).or_else(|| std::env::var("TSC_BOX_ROOT").ok().filter(|v| !v.is_empty()))
    }
}

fn unknown(token: &str, command: &str) -> FrontError {
    FrontError::usage(ErrorCode::UnknownFlag, &format!("unknown flag: {token}\nSee 'tsc-box {command} --help'."))
}

fn needs_value(token: &str) -> FrontError {
    FrontError::usage(ErrorCode::FlagNeedsValue, &format!("flag needs an argument: {token}"))
}

fn parse(argv: &[String], flags: &[Flag], command: &str) -> Result<Parsed, FrontError> {
    let mut p = Parsed::default();
    let mut i = 0;
    while i < argv.len() {
        let tok = argv[i].as_str();
        if tok == "--" {
            i += 1;
            break;
        }
        if !tok.starts_with('-') || tok == "-" {
            break;
        }
        if let Some(body) = tok.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (body, None),
            };
            let Some(f) = flags.iter().find(|f| f.long == name) else {
                return Err(unknown(tok.split('=').next().unwrap_or(tok), command));
            };
            match (f.kind, inline) {
                (Kind::Bool, None) => p.bools.push((f.long, true)),
                (Kind::Bool, Some(v)) => {
                    if v != "true" && v != "false" {
                        return Err(FrontError::usage(ErrorCode::InvalidFlag, &format!("invalid value \"{v}\" for --{name}: expected true or false")));
                    }
                    p.bools.push((f.long, v == "true"));
                }
                (Kind::Value, Some(v)) => p.values.push((f.long, v.to_string())),
                (Kind::Value, None) => {
                    i += 1;
                    let v = argv.get(i).ok_or_else(|| needs_value(tok))?;
                    p.values.push((f.long, v.clone()));
                }
            }
            i += 1;
            continue;
        }
        // Short flags: booleans may be grouped (-it); a value flag takes the rest of the token
        // (-eFOO, -e=FOO) or the next argument.
        let chars: Vec<char> = tok.chars().skip(1).collect();
        for (j, c) in chars.iter().enumerate() {
            let Some(f) = flags.iter().find(|f| f.short == Some(*c)) else { return Err(unknown(&format!("-{c}"), command)) };
            if f.kind == Kind::Bool {
                p.bools.push((f.long, true));
                continue;
            }
            let tail: String = chars[j + 1..].iter().collect();
            let v = if let Some(v) = tail.strip_prefix('=') {
                v.to_string()
            } else if tail.is_empty() {
                i += 1;
                argv.get(i).ok_or_else(|| needs_value(&format!("-{c}")))?.clone()
            } else {
                tail
            };
            p.values.push((f.long, v));
            break;
        }
        i += 1;
    }
    p.rest = argv[i.min(argv.len())..].to_vec();
    Ok(p)
}

const RM: [Flag; 5] = [
    flag("force", Some('f'), Kind::Bool),
    flag("volumes", Some('v'), Kind::Bool),
    flag("root", None, Kind::Value),
    flag("json", None, Kind::Bool),
    flag("help", None, Kind::Bool),
];

/// `rm`: docker takes flags after the names too (rm ID -f); everything after `--` is a name.
pub fn rm(argv: &[String]) -> Result<Parsed, FrontError> {
    let (mut flags, mut names) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < argv.len() {
        let tok = &argv[i];
        if tok == "--" {
            names.extend_from_slice(&argv[i + 1..]);
            break;
        }
        if tok == "--root" && i + 1 < argv.len() {
            flags.extend_from_slice(&argv[i..i + 2]);
            i += 1;
        } else if tok.starts_with('-') && tok != "-" {
            flags.push(tok.clone());
        } else {
            names.push(tok.clone());
        }
        i += 1;
    }
    let mut p = parse(&flags, &RM, "rm")?;
    p.rest = names;
    Ok(p)
}

pub fn exec(argv: &[String]) -> Result<Parsed, FrontError> {
    parse(argv, &EXEC, "exec")
}

/// Whether `--json` was asked for, tolerating argv that does not parse: it decides the shape
/// of the parse error itself.
pub fn json_requested(argv: &[String]) -> bool {
    let mut i = 0;
    while i < argv.len() {
        let tok = argv[i].as_str();
        if tok == "--" || !tok.starts_with('-') || tok == "-" {
            return false;
        }
        if tok == "--json" || tok == "--json=true" {
            return true;
        }
        if let Some(name) = tok.strip_prefix("--") {
            if !name.contains('=') && EXEC.iter().any(|f| f.long == name && f.kind == Kind::Value) {
                i += 1;
            }
        } else {
            let chars: Vec<char> = tok.chars().skip(1).collect();
            let kind_of = |c: char| EXEC.iter().find(|f| f.short == Some(c)).map(|f| f.kind);
            let all_bools = chars[..chars.len() - 1].iter().all(|c| kind_of(*c) == Some(Kind::Bool));
            if all_bools && chars.last().and_then(|c| kind_of(*c)) == Some(Kind::Value) {
                i += 1;
            }
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn exec_flags_end_at_the_container() {
        let p = exec(&v(&["-it", "-eA=1", "--env", "B", "-u=app", "--workdir=/w", "c1", "sh", "-c", "echo -e"])).unwrap();
        assert!(p.bool("interactive") && p.bool("tty") && !p.bool("detach"));
        assert_eq!(p.values("env"), v(&["A=1", "B"]));
        assert_eq!((p.value("user"), p.value("workdir")), (Some("app"), Some("/w")));
        assert_eq!(p.rest, v(&["c1", "sh", "-c", "echo -e"]));
        assert_eq!(exec(&v(&["--", "-c", "x"])).unwrap().rest, v(&["-c", "x"]));
        assert!(!exec(&v(&["--tty=false", "c"])).unwrap().bool("tty"));
    }

    #[test]
    fn bad_flags_are_named() {
        let e = exec(&v(&["--bogus", "c", "sh"])).unwrap_err();
        assert_eq!((e.code().as_str().to_string(), e.to_string()), ("unknown_flag".into(), "unknown flag: --bogus\nSee 'tsc-box exec --help'.".into()));
        assert_eq!(exec(&v(&["-x"])).unwrap_err().to_string(), "unknown flag: -x\nSee 'tsc-box exec --help'.");
        assert_eq!(exec(&v(&["-e"])).unwrap_err().to_string(), "flag needs an argument: -e");
        assert_eq!(exec(&v(&["--user"])).unwrap_err().code().as_str(), "flag_needs_value");
        assert_eq!(exec(&v(&["--json=yes"])).unwrap_err().code().as_str(), "invalid_flag");
    }

    #[test]
    fn rm_flags_go_anywhere() {
        let p = rm(&v(&["a", "-f", "--root", "/r", "b", "--json", "--", "-c"])).unwrap();
        assert!(p.bool("force") && p.bool("json") && !p.bool("volumes"));
        assert_eq!((p.value("root"), p.rest.clone()), (Some("/r"), v(&["a", "b", "-c"])));
        assert!(rm(&v(&["-fv", "x"])).unwrap().bool("volumes"));
        assert_eq!(rm(&v(&["x", "-t"])).unwrap_err().to_string(), "unknown flag: -t\nSee 'tsc-box rm --help'.");
    }

    #[test]
    fn json_is_found_only_among_exec_flags() {
        assert!(json_requested(&v(&["-u", "x", "--json", "c"])));
        assert!(json_requested(&v(&["-ie", "X", "--json"])));
        assert!(!json_requested(&v(&["c", "--json"])));
    }
}

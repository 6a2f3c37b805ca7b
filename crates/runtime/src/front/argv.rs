//! The front door's flag parser, driven by the command table (src/cli/commands.json, turned
//! into `COMMANDS` by build.rs) and parsing as the Node CLI's parser does (src/cli/argv.ts):
//! the same flags, the same messages and codes for unknown flags, missing and bad values.
//! Flags end at the first positional (everything after it is the container's command,
//! untouched), except for commands whose flags may follow their arguments (`rm ID -f`).

use tsc_box_containers::paths::{PathEnv, Paths};

use super::{ErrorCode, FrontError};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Bool,
    Value,
    Int,
}

/// One flag of the table.
#[derive(Debug)]
pub struct Flag {
    pub long: &'static str,
    pub short: Option<char>,
    pub kind: Kind,
    pub multiple: bool,
    /// `--no-NAME` sets a boolean to false.
    pub allow_no: bool,
    /// The environment variable that supplies the value when the flag is absent.
    pub env: Option<&'static str>,
    pub default: Option<&'static str>,
    /// The only values accepted.
    pub options: Option<&'static [&'static str]>,
    pub min: Option<i64>,
    pub max: Option<i64>,
}

/// A command the front door answers, with every flag its parser takes.
#[derive(Debug)]
pub struct Command {
    pub name: &'static str,
    /// Flags may follow the positionals; everything after `--` is a positional.
    pub flags_after_args: bool,
    pub flags: &'static [Flag],
}

include!(concat!(env!("OUT_DIR"), "/commands.rs"));

pub fn command(name: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// Parsed flags: booleans by their last value, values in order.
#[derive(Debug)]
pub struct Parsed {
    flags: &'static [Flag],
    bools: Vec<(&'static str, bool)>,
    values: Vec<(&'static str, String)>,
    /// The first positional and everything after it (with `flags_after_args`: the positionals).
    pub rest: Vec<String>,
}

impl Parsed {
    fn spec(&self, name: &str) -> Option<&'static Flag> {
        self.flags.iter().find(|f| f.long == name)
    }
    pub fn bool(&self, name: &str) -> bool {
        if let Some((_, v)) = self.bools.iter().rev().find(|(n, _)| *n == name) {
            return *v;
        }
        match self.spec(name).and_then(|f| f.env).and_then(|e| std::env::var(e).ok()).filter(|v| !v.is_empty()) {
            Some(v) => v == "true" || v == "1",
            None => self.spec(name).and_then(|f| f.default) == Some("true"),
        }
    }
    /// A single-valued flag keeps its last value (pflag), else its environment variable, else
    /// its default.
    pub fn value(&self, name: &str) -> Option<String> {
        if let Some((_, v)) = self.values.iter().rev().find(|(n, _)| *n == name) {
            return Some(v.clone());
        }
        let f = self.spec(name)?;
        f.env.and_then(|e| std::env::var(e).ok()).filter(|v| !v.is_empty()).or_else(|| f.default.map(String::from))
    }
    pub fn values(&self, name: &str) -> Vec<String> {
        self.values.iter().filter(|(n, _)| *n == name).map(|(_, v)| v.clone()).collect()
    }
    /// --root, else TSC_BOX_ROOT (the table's env of the global root flag).
    pub fn root(&self) -> Option<String> {
        self.value("root")
    }

    /// The store's paths for `--root` (else the environment's, as the Node CLI finds them).
    pub fn paths(&self) -> Paths {
        tsc_box_containers::paths::resolve(self.root().as_deref(), &PathEnv::current())
    }
}

fn unknown(token: &str, command: &str) -> FrontError {
    FrontError::usage(ErrorCode::UnknownFlag, &format!("unknown flag: {token}\nSee 'tsc-box {command} --help'."))
}

fn needs_value(token: &str) -> FrontError {
    FrontError::usage(ErrorCode::FlagNeedsValue, &format!("flag needs an argument: {token}"))
}

fn invalid(msg: String) -> FrontError {
    FrontError::usage(ErrorCode::InvalidFlag, &msg)
}

/// The Node parser's checks of a value: `options`, and integers within their bounds.
fn check_value(f: &Flag, v: &str) -> Result<(), FrontError> {
    if let Some(opts) = f.options {
        if !opts.contains(&v) {
            return Err(invalid(format!("invalid value \"{v}\" for --{}: expected one of {}", f.long, opts.join(", "))));
        }
    }
    if f.kind == Kind::Int {
        let digits = v.strip_prefix('-').unwrap_or(v);
        let n = match v.parse::<i64>() {
            Ok(n) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => return Err(invalid(format!("expected an integer but received: {v}"))),
        };
        if let Some(min) = f.min.filter(|m| n < *m) {
            return Err(invalid(format!("expected an integer >= {min} but received: {v}")));
        }
        if let Some(max) = f.max.filter(|m| n > *m) {
            return Err(invalid(format!("expected an integer <= {max} but received: {v}")));
        }
    }
    Ok(())
}

fn parse_flags(argv: &[String], c: &'static Command) -> Result<Parsed, FrontError> {
    let flags = c.flags;
    let mut p = Parsed { flags, bools: Vec::new(), values: Vec::new(), rest: Vec::new() };
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
            let found = flags.iter().find(|f| f.long == name);
            if found.is_none() && inline.is_none() {
                if let Some(f) = name.strip_prefix("no-").and_then(|n| flags.iter().find(|f| f.long == n)).filter(|f| f.kind == Kind::Bool && f.allow_no) {
                    p.bools.push((f.long, false));
                    i += 1;
                    continue;
                }
            }
            let Some(f) = found else {
                return Err(unknown(tok.split('=').next().unwrap_or(tok), c.name));
            };
            match (f.kind, inline) {
                (Kind::Bool, None) => p.bools.push((f.long, true)),
                (Kind::Bool, Some(v)) => {
                    if v != "true" && v != "false" {
                        return Err(invalid(format!("invalid value \"{v}\" for --{name}: expected true or false")));
                    }
                    p.bools.push((f.long, v == "true"));
                }
                (_, Some(v)) => p.values.push((f.long, v.to_string())),
                (_, None) => {
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
        for (j, ch) in chars.iter().enumerate() {
            let Some(f) = flags.iter().find(|f| f.short == Some(*ch)) else { return Err(unknown(&format!("-{ch}"), c.name)) };
            if f.kind == Kind::Bool {
                p.bools.push((f.long, true));
                continue;
            }
            let tail: String = chars[j + 1..].iter().collect();
            let v = if let Some(v) = tail.strip_prefix('=') {
                v.to_string()
            } else if tail.is_empty() {
                i += 1;
                argv.get(i).ok_or_else(|| needs_value(&format!("-{ch}")))?.clone()
            } else {
                tail
            };
            p.values.push((f.long, v));
            break;
        }
        i += 1;
    }
    // As the Node parser: in the table's order, each value a single-valued flag keeps.
    for f in flags.iter().filter(|f| f.kind != Kind::Bool) {
        let given: Vec<&String> = p.values.iter().filter(|(n, _)| *n == f.long).map(|(_, v)| v).collect();
        let checked = if f.multiple { &given[..] } else { &given[given.len().saturating_sub(1)..] };
        for v in checked {
            check_value(f, v)?;
        }
    }
    p.rest = argv[i.min(argv.len())..].to_vec();
    Ok(p)
}

/// With `flags_after_args`: the flag tokens (each valued flag with the next argument) and
/// the positionals, everything after `--` being one.
fn split(argv: &[String], c: &Command) -> (Vec<String>, Vec<String>) {
    let valued_long = |n: &str| c.flags.iter().any(|f| f.long == n && f.kind != Kind::Bool);
    let valued_short = |ch: char| c.flags.iter().any(|f| f.short == Some(ch) && f.kind != Kind::Bool);
    // `--name` of a valued flag, or a short group whose first valued flag is its last letter
    // (`-f`, `-af`): the value is the next argument (in `-fX` it is attached).
    let valued = |tok: &str| match tok.strip_prefix("--") {
        Some(n) => valued_long(n),
        None => tok.strip_prefix('-').and_then(|g| g.chars().position(valued_short).map(|at| at + 1 == g.chars().count())).unwrap_or(false),
    };
    let (mut flags, mut names) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < argv.len() {
        let tok = &argv[i];
        if tok == "--" {
            names.extend_from_slice(&argv[i + 1..]);
            break;
        }
        if valued(tok) && i + 1 < argv.len() {
            flags.extend_from_slice(&argv[i..i + 2]);
            i += 1;
        } else if tok.starts_with('-') && tok != "-" {
            flags.push(tok.clone());
        } else {
            names.push(tok.clone());
        }
        i += 1;
    }
    (flags, names)
}

/// Parses the arguments of `command` (one of `COMMANDS`).
pub fn parse(command: &str, argv: &[String]) -> Result<Parsed, FrontError> {
    let Some(c) = self::command(command) else {
        return Err(FrontError::usage(ErrorCode::UnknownCommand, &format!("command {command} not found")));
    };
    if !c.flags_after_args {
        return parse_flags(argv, c);
    }
    let (flags, names) = split(argv, c);
    let mut p = parse_flags(&flags, c)?;
    p.rest = names;
    Ok(p)
}

/// A command over named containers (rm, stop, start, wait, ...): its parsed arguments and the
/// store's paths, or None when Node answers it (`--help`, and no name: oclif's message).
pub fn over_containers(command: &str, argv: &[String]) -> Result<Option<(Parsed, Paths)>, FrontError> {
    let p = parse(command, argv)?;
    if p.bool("help") || p.rest.is_empty() {
        return Ok(None);
    }
    let paths = p.paths();
    Ok(Some((p, paths)))
}

/// Whether `--json` was asked for, tolerating argv that does not parse: it decides the shape
/// of the parse error itself. Among the flags only (not in the container's command), or, for
/// a command whose flags may follow its arguments, anywhere.
pub fn json_requested(command: &str, argv: &[String]) -> bool {
    let Some(c) = self::command(command) else { return false };
    if c.flags_after_args {
        return argv.iter().any(|a| a == "--json");
    }
    let kind_of = |f: Option<&Flag>| f.map(|f| f.kind);
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
            if !name.contains('=') && c.flags.iter().any(|f| f.long == name && f.kind != Kind::Bool) {
                i += 1;
            }
        } else {
            let chars: Vec<char> = tok.chars().skip(1).collect();
            let short = |ch: char| c.flags.iter().find(|f| f.short == Some(ch));
            let all_bools = chars[..chars.len() - 1].iter().all(|ch| kind_of(short(*ch)) == Some(Kind::Bool));
            if all_bools && chars.last().and_then(|ch| kind_of(short(*ch))).is_some_and(|k| k != Kind::Bool) {
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

    fn exec(a: &[String]) -> Result<Parsed, FrontError> {
        parse("exec", a)
    }

    fn rm(a: &[String]) -> Result<Parsed, FrontError> {
        parse("rm", a)
    }

    #[test]
    fn exec_flags_end_at_the_container() {
        let p = exec(&v(&["-it", "-eA=1", "--env", "B", "-u=app", "--workdir=/w", "c1", "sh", "-c", "echo -e"])).unwrap();
        assert!(p.bool("interactive") && p.bool("tty") && !p.bool("detach"));
        assert_eq!(p.values("env"), v(&["A=1", "B"]));
        assert_eq!((p.value("user"), p.value("workdir")), (Some("app".into()), Some("/w".into())));
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
        assert_eq!(parse("nope", &[]).unwrap_err().code().as_str(), "unknown_command");
    }

    #[test]
    fn rm_flags_go_anywhere() {
        let p = rm(&v(&["a", "-f", "--root", "/r", "b", "--json", "--", "-c"])).unwrap();
        assert!(p.bool("force") && p.bool("json") && !p.bool("volumes"));
        assert_eq!((p.value("root"), p.rest.clone()), (Some("/r".into()), v(&["a", "b", "-c"])));
        assert!(rm(&v(&["-fv", "x"])).unwrap().bool("volumes"));
        assert_eq!(rm(&v(&["x", "-t"])).unwrap_err().to_string(), "unknown flag: -t\nSee 'tsc-box rm --help'.");
    }

    #[test]
    fn a_valued_short_flag_after_the_names_takes_the_next_argument() {
        let p = parse("inspect", &v(&["a", "-f", "{{.Id}}", "b"])).unwrap();
        assert_eq!((p.value("format"), p.rest.clone()), (Some("{{.Id}}".into()), v(&["a", "b"])));
        let p = parse("inspect", &v(&["-f{{.Name}}", "a"])).unwrap();
        assert_eq!((p.value("format"), p.rest.clone()), (Some("{{.Name}}".into()), v(&["a"])));
        assert_eq!(parse("inspect", &v(&["a", "-f"])).unwrap_err().code().as_str(), "flag_needs_value");
    }

    #[test]
    fn json_is_found_only_among_exec_flags() {
        assert!(json_requested("exec", &v(&["-u", "x", "--json", "c"])));
        assert!(json_requested("exec", &v(&["-ie", "X", "--json"])));
        assert!(!json_requested("exec", &v(&["c", "--json"])));
        assert!(json_requested("rm", &v(&["c", "--json"])));
    }

    #[test]
    fn every_native_command_has_the_global_flags_and_help() {
        assert!(!COMMANDS.is_empty());
        for c in COMMANDS {
            for g in ["root", "json", "help"] {
                assert!(c.flags.iter().any(|f| f.long == g), "{}: no --{g}", c.name);
            }
            let root = c.flags.iter().find(|f| f.long == "root").unwrap();
            assert_eq!((root.kind, root.env), (Kind::Value, Some("TSC_BOX_ROOT")));
        }
    }

    /// What the table may hold beyond exec's and rm's flags today: the checks of the Node
    /// parser (src/cli/flags.ts), for the commands to come.
    #[test]
    fn values_are_checked_like_the_node_parser() {
        let f =
            |kind, options, min| Flag { long: "x", short: None, kind, multiple: false, allow_no: false, env: None, default: None, options, min, max: Some(9) };
        assert!(check_value(&f(Kind::Value, Some(&["a", "b"]), None), "b").is_ok());
        assert_eq!(check_value(&f(Kind::Value, Some(&["a", "b"]), None), "c").unwrap_err().to_string(), "invalid value \"c\" for --x: expected one of a, b");
        assert!(check_value(&f(Kind::Int, None, Some(0)), "3").is_ok());
        assert_eq!(check_value(&f(Kind::Int, None, Some(0)), "3x").unwrap_err().to_string(), "expected an integer but received: 3x");
        assert_eq!(check_value(&f(Kind::Int, None, Some(0)), "+3").unwrap_err().to_string(), "expected an integer but received: +3");
        assert_eq!(check_value(&f(Kind::Int, None, Some(0)), "-1").unwrap_err().to_string(), "expected an integer >= 0 but received: -1");
        assert_eq!(check_value(&f(Kind::Int, None, None), "10").unwrap_err().to_string(), "expected an integer <= 9 but received: 10");
    }
}

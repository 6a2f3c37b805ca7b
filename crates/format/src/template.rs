//! `--format` templates: the part of Go's text/template that docker's `--format` is used with
//! (fields and nested fields, `$`, pipelines, parentheses, if/else if/else, range/else, with,
//! and docker's functions), over [`Value`]s. Errors read like Go's ("template: :1:3: ...").
//!
//! Hand-written rather than taken from crates.io: the one Go-template crate there (gtmpl 0.7,
//! unchanged since 2021) prints lists and maps as Rust's Debug (`[String("a")]` where Go prints
//! `[a]`), ranges over maps in hash order where Go sorts the keys, and keeps no key order for
//! `json`: each is output a user would see differ from docker's.

use std::fmt::Write as _;

use crate::value::Value;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TemplateError {
    #[error("template parsing error: template: :{line}: {msg}")]
    Parse { line: usize, msg: String },
    #[error("template: :{line}:{col}: executing \"\" at <{at}>: {msg}")]
    Exec { line: usize, col: usize, at: String, msg: String },
}

#[derive(Clone, Debug)]
enum Arg {
    /// `.A.B` (an empty list is `.` itself) on dot.
    Field(Vec<String>),
    /// `$name.A.B` (`$` alone is the name ""): a variable, then fields of it.
    Var(String, Vec<String>),
    Func(String),
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Nil,
    /// `(pipeline).A.B`
    Sub(Box<Pipeline>, Vec<String>),
}

#[derive(Clone, Debug)]
struct Command {
    args: Vec<Arg>,
}

#[derive(Clone, Debug)]
struct Pipeline {
    /// `$x :=` or `$i, $e :=` (range) before the commands; `$x =` when `assign`.
    decl: Vec<String>,
    assign: bool,
    cmds: Vec<Command>,
    line: usize,
    col: usize,
    text: String,
}

#[derive(Clone, Debug)]
enum Node {
    Text(String),
    Action(Pipeline),
    If(Pipeline, Vec<Node>, Vec<Node>),
    Range(Pipeline, Vec<Node>, Vec<Node>),
    With(Pipeline, Vec<Node>, Vec<Node>),
}

/// A parsed template.
#[derive(Clone, Debug)]
pub struct Template {
    nodes: Vec<Node>,
}

/// One `{{ }}` action's text with where it starts.
struct Action {
    body: String,
    line: usize,
    col: usize,
}

enum Piece {
    Text(String),
    Action(Action),
}

/// Splits the source into text and actions, applying the `{{-` and `-}}` trim markers.
fn split(src: &str) -> Result<Vec<Piece>, TemplateError> {
    let mut out = Vec::new();
    let mut rest = src;
    let mut consumed = 0usize;
    let mut trim_next = false;
    while let Some(open) = rest.find("{{") {
        let mut text = &rest[..open];
        if trim_next {
            text = text.trim_start();
        }
        let after = &rest[open + 2..];
        let trim_before = after.starts_with("- ") || after.starts_with("-\t") || after.starts_with("-\n");
        if trim_before {
            text = text.trim_end();
        }
        if !text.is_empty() {
            out.push(Piece::Text(text.to_string()));
        }
        let start = consumed + open;
        let line = src[..start].matches('\n').count() + 1;
        let col = start - src[..start].rfind('\n').map_or(0, |i| i + 1) + 2;
        let inner_start = if trim_before { 1 } else { 0 };
        let close = find_close(&after[inner_start..]).ok_or_else(|| TemplateError::Parse { line, msg: "unclosed action".into() })?;
        let mut body = &after[inner_start..inner_start + close];
        trim_next = false;
        if body.ends_with(" -") || body.ends_with("\t-") || body.ends_with("\n-") {
            body = &body[..body.len() - 1];
            trim_next = true;
        }
        out.push(Piece::Action(Action { body: body.to_string(), line, col }));
        let used = open + 2 + inner_start + close + 2;
        consumed += used;
        rest = &rest[used..];
    }
    let text = if trim_next { rest.trim_start() } else { rest };
    if !text.is_empty() {
        out.push(Piece::Text(text.to_string()));
    }
    Ok(out)
}

/// The `}}` that ends an action, skipping those inside string literals.
fn find_close(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'`' => {
                i += 1;
                while i < b.len() && b[i] != b'`' {
                    i += 1;
                }
            }
            b'}' if b.get(i + 1) == Some(&b'}') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(String),
    Field(String),
    Dollar(String),
    Str(String),
    Num(String),
    LParen,
    RParen,
    Pipe,
    Declare,
    Assign,
    Comma,
}

fn lex(a: &Action) -> Result<Vec<Tok>, TemplateError> {
    let bad = |msg: String| TemplateError::Parse { line: a.line, msg };
    let chars: Vec<char> = a.body.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let ident = |i: &mut usize| {
        let s = *i;
        while *i < chars.len() && (chars[*i].is_alphanumeric() || chars[*i] == '_') {
            *i += 1;
        }
        chars[s..*i].iter().collect::<String>()
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                toks.push(Tok::LParen);
                i += 1;
            }
            ')' => {
                toks.push(Tok::RParen);
                i += 1;
            }
            '|' => {
                toks.push(Tok::Pipe);
                i += 1;
            }
            ':' if chars.get(i + 1) == Some(&'=') => {
                toks.push(Tok::Declare);
                i += 2;
            }
            '=' => {
                toks.push(Tok::Assign);
                i += 1;
            }
            ',' => {
                toks.push(Tok::Comma);
                i += 1;
            }
            '.' if chars.get(i + 1).is_some_and(|c| c.is_ascii_digit()) => {
                let s = i;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                toks.push(Tok::Num(chars[s..i].iter().collect()));
            }
            '.' => {
                // `.`, `.A`, `.A.B`: one token, the path after the first dot.
                let mut path = String::new();
                while i < chars.len() && chars[i] == '.' {
                    i += 1;
                    let name = ident(&mut i);
                    if !path.is_empty() || !name.is_empty() {
                        path.push('.');
                        path.push_str(&name);
                    }
                    if name.is_empty() {
                        break;
                    }
                }
                toks.push(Tok::Field(path));
            }
            '$' => {
                i += 1;
                let name = ident(&mut i);
                let mut path = String::new();
                while i < chars.len() && chars[i] == '.' {
                    i += 1;
                    path.push('.');
                    path.push_str(&ident(&mut i));
                }
                toks.push(Tok::Dollar(format!("{name}{path}")));
            }
            '"' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(bad("unterminated quoted string".into())),
                        Some('"') => break,
                        Some('\\') => {
                            i += 1;
                            match chars.get(i) {
                                Some('n') => s.push('\n'),
                                Some('t') => s.push('\t'),
                                Some('\\') => s.push('\\'),
                                Some('"') => s.push('"'),
                                other => return Err(bad(format!("invalid syntax: escape \\{}", other.copied().unwrap_or(' ')))),
                            }
                        }
                        Some(ch) => s.push(*ch),
                    }
                    i += 1;
                }
                i += 1;
                toks.push(Tok::Str(s));
            }
            '`' => {
                i += 1;
                let s = i;
                while i < chars.len() && chars[i] != '`' {
                    i += 1;
                }
                if i >= chars.len() {
                    return Err(bad("unterminated raw quoted string".into()));
                }
                toks.push(Tok::Str(chars[s..i].iter().collect()));
                i += 1;
            }
            c if c.is_ascii_digit() || (c == '-' && chars.get(i + 1).is_some_and(|c| c.is_ascii_digit())) => {
                let s = i;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                toks.push(Tok::Num(chars[s..i].iter().collect()));
            }
            c if c.is_alphabetic() || c == '_' => toks.push(Tok::Word(ident(&mut i))),
            other => return Err(bad(format!("unexpected {other:?} in command"))),
        }
    }
    Ok(toks)
}

fn path_of(p: &str) -> Vec<String> {
    p.split('.').filter(|s| !s.is_empty()).map(String::from).collect()
}

struct PipeParser<'a> {
    toks: &'a [Tok],
    pos: usize,
    line: usize,
    /// The variables in scope (parse time, as Go checks them).
    vars: &'a [String],
}

impl PipeParser<'_> {
    fn bad(&self, msg: String) -> TemplateError {
        TemplateError::Parse { line: self.line, msg }
    }

    /// `$x :=`, `$x =` or `$i, $e :=` at the start of a pipeline, if there.
    fn declarations(&mut self) -> Result<(Vec<String>, bool), TemplateError> {
        let name = |t: Option<&Tok>| match t {
            Some(Tok::Dollar(n)) if !n.is_empty() && !n.contains('.') => Some(n.clone()),
            _ => None,
        };
        let Some(first) = name(self.toks.get(self.pos)) else { return Ok((Vec::new(), false)) };
        match self.toks.get(self.pos + 1) {
            Some(Tok::Declare) => {
                self.pos += 2;
                Ok((vec![first], false))
            }
            Some(Tok::Assign) => {
                if !self.vars.contains(&first) {
                    return Err(self.bad(format!("undefined variable \"${first}\"")));
                }
                self.pos += 2;
                Ok((vec![first], true))
            }
            Some(Tok::Comma) => match (name(self.toks.get(self.pos + 2)), self.toks.get(self.pos + 3)) {
                (Some(second), Some(Tok::Declare)) => {
                    self.pos += 4;
                    Ok((vec![first, second], false))
                }
                _ => Err(self.bad("too many declarations in command".into())),
            },
            _ => Ok((Vec::new(), false)),
        }
    }

    fn pipeline(&mut self, a: &Action) -> Result<Pipeline, TemplateError> {
        self.pipeline_with(a, Vec::new(), false)
    }

    fn pipeline_with(&mut self, a: &Action, decl: Vec<String>, assign: bool) -> Result<Pipeline, TemplateError> {
        let mut cmds = Vec::new();
        loop {
            let mut args = Vec::new();
            while let Some(t) = self.toks.get(self.pos) {
                if matches!(t, Tok::Pipe | Tok::RParen) {
                    break;
                }
                args.push(self.operand(a)?);
            }
            if args.is_empty() {
                return Err(self.bad("missing value for command".into()));
            }
            cmds.push(Command { args });
            if self.toks.get(self.pos) == Some(&Tok::Pipe) {
                self.pos += 1;
                continue;
            }
            break;
        }
        Ok(Pipeline { decl, assign, cmds, line: a.line, col: a.col, text: a.body.trim().to_string() })
    }

    fn operand(&mut self, a: &Action) -> Result<Arg, TemplateError> {
        let t = self.toks[self.pos].clone();
        self.pos += 1;
        Ok(match t {
            Tok::Field(p) => Arg::Field(path_of(&p)),
            Tok::Dollar(p) => {
                let (name, path) = p.split_once('.').map_or((p.as_str(), ""), |(n, rest)| (n, rest));
                if !name.is_empty() && !self.vars.iter().any(|v| v == name) {
                    return Err(self.bad(format!("undefined variable \"${name}\"")));
                }
                Arg::Var(name.to_string(), path_of(path))
            }
            Tok::Str(s) => Arg::Str(s),
            Tok::Num(n) => {
                if let Ok(i) = n.parse::<i64>() {
                    Arg::Int(i)
                } else {
                    Arg::Float(n.parse().map_err(|_| self.bad(format!("bad number syntax: {n:?}")))?)
                }
            }
            Tok::Word(w) => match w.as_str() {
                "true" => Arg::Bool(true),
                "false" => Arg::Bool(false),
                "nil" => Arg::Nil,
                _ if FUNCS.contains(&w.as_str()) => Arg::Func(w),
                _ => return Err(self.bad(format!("function {w:?} not defined"))),
            },
            Tok::LParen => {
                let inner = self.pipeline(a)?;
                if self.toks.get(self.pos) != Some(&Tok::RParen) {
                    return Err(self.bad("unclosed left paren".into()));
                }
                self.pos += 1;
                let mut path = Vec::new();
                if let Some(Tok::Field(p)) = self.toks.get(self.pos) {
                    path = path_of(p);
                    self.pos += 1;
                }
                Arg::Sub(Box::new(inner), path)
            }
            Tok::RParen => return Err(self.bad("unexpected right paren".into())),
            Tok::Pipe => return Err(self.bad("unexpected \"|\"".into())),
            Tok::Declare | Tok::Assign | Tok::Comma => return Err(self.bad("unexpected declaration in command".into())),
        })
    }
}

/// A pipeline, its declarations (`$x :=`) then in scope in `vars`; two (`$i, $e :=`) only for range.
fn parse_pipeline(a: &Action, toks: &[Tok], vars: &mut Vec<String>, range: bool) -> Result<Pipeline, TemplateError> {
    let mut p = PipeParser { toks, pos: 0, line: a.line, vars };
    let (decl, assign) = p.declarations()?;
    if decl.len() > 1 && !range {
        return Err(p.bad("too many declarations in command".into()));
    }
    let pipe = p.pipeline_with(a, decl, assign)?;
    if p.pos != toks.len() {
        return Err(p.bad("unexpected right paren".into()));
    }
    if !pipe.assign {
        vars.extend(pipe.decl.iter().cloned());
    }
    Ok(pipe)
}

const FUNCS: &[&str] = &[
    "json", "join", "split", "lower", "upper", "title", "truncate", "pad", "len", "index", "print", "printf", "println", "eq", "ne", "lt", "le", "gt", "ge",
    "and", "or", "not",
];

/// What ended a list of nodes: `{{end}}`, `{{else}}`, `{{else if ...}}` or the source's end.
enum Stop {
    Eof,
    End,
    Else,
    ElseIf(Pipeline),
}

struct Parser {
    pieces: std::vec::IntoIter<Piece>,
    vars: Vec<String>,
}

impl Parser {
    fn list(&mut self) -> Result<(Vec<Node>, Stop, usize), TemplateError> {
        let mut nodes = Vec::new();
        while let Some(piece) = self.pieces.next() {
            let a = match piece {
                Piece::Text(t) => {
                    nodes.push(Node::Text(t));
                    continue;
                }
                Piece::Action(a) => a,
            };
            let toks = lex(&a)?;
            if toks.is_empty() {
                return Err(TemplateError::Parse { line: a.line, msg: "missing value for command".into() });
            }
            let keyword = match &toks[0] {
                Tok::Word(w) if ["if", "range", "with", "else", "end"].contains(&w.as_str()) => w.clone(),
                _ => {
                    nodes.push(Node::Action(parse_pipeline(&a, &toks, &mut self.vars, false)?));
                    continue;
                }
            };
            match keyword.as_str() {
                "end" => return Ok((nodes, Stop::End, a.line)),
                "else" if toks.len() == 1 => return Ok((nodes, Stop::Else, a.line)),
                "else" if toks.get(1) == Some(&Tok::Word("if".into())) => {
                    return Ok((nodes, Stop::ElseIf(parse_pipeline(&a, &toks[2..], &mut self.vars, false)?), a.line))
                }
                "else" => return Err(TemplateError::Parse { line: a.line, msg: "unexpected tokens after else".into() }),
                _ => {
                    // A variable declared in the pipeline lives until the block's end.
                    let mark = self.vars.len();
                    let pipe = parse_pipeline(&a, &toks[1..], &mut self.vars, keyword == "range")?;
                    let node = self.control(&keyword, pipe, a.line)?;
                    self.vars.truncate(mark);
                    nodes.push(node);
                }
            }
        }
        Ok((nodes, Stop::Eof, 0))
    }

    /// The body (and else branch) of an if, range or with whose pipeline is `pipe`.
    fn control(&mut self, keyword: &str, pipe: Pipeline, line: usize) -> Result<Node, TemplateError> {
        let (body, end, at) = self.list()?;
        let els = match end {
            Stop::Eof => return Err(TemplateError::Parse { line, msg: format!("unexpected EOF in {keyword}") }),
            Stop::End => Vec::new(),
            Stop::Else => {
                let (els, end, at) = self.list()?;
                if !matches!(end, Stop::End) {
                    return Err(TemplateError::Parse { line: at.max(line), msg: format!("expected end; found else in {keyword}") });
                }
                els
            }
            Stop::ElseIf(cond) if keyword == "if" => vec![self.control("if", cond, at)?],
            Stop::ElseIf(_) => return Err(TemplateError::Parse { line: at, msg: format!("else if in {keyword}") }),
        };
        Ok(match keyword {
            "if" => Node::If(pipe, body, els),
            "range" => Node::Range(pipe, body, els),
            _ => Node::With(pipe, body, els),
        })
    }
}

impl Template {
    pub fn parse(src: &str) -> Result<Template, TemplateError> {
        let mut p = Parser { pieces: split(src)?.into_iter(), vars: Vec::new() };
        let (nodes, end, line) = p.list()?;
        match end {
            Stop::Eof => Ok(Template { nodes }),
            Stop::End => Err(TemplateError::Parse { line, msg: "unexpected {{end}}".into() }),
            Stop::Else | Stop::ElseIf(_) => Err(TemplateError::Parse { line, msg: "unexpected {{else}}".into() }),
        }
    }

    /// The template executed with `dot` (and `$`) as `data`.
    pub fn render(&self, data: &Value) -> Result<String, TemplateError> {
        let mut out = String::new();
        Exec { vars: std::cell::RefCell::new(vec![(String::new(), data.clone())]) }.list(&self.nodes, data, &mut out)?;
        Ok(out)
    }
}

struct Exec {
    /// The variables in scope, innermost last; `$` (the name "") is the data first given.
    vars: std::cell::RefCell<Vec<(String, Value)>>,
}

impl Exec {
    fn list(&self, nodes: &[Node], dot: &Value, out: &mut String) -> Result<(), TemplateError> {
        // Variables declared in this list end with it (Go: at the enclosing block's end).
        let mark = self.vars.borrow().len();
        let r = self.nodes(nodes, dot, out);
        self.vars.borrow_mut().truncate(mark);
        r
    }

    fn nodes(&self, nodes: &[Node], dot: &Value, out: &mut String) -> Result<(), TemplateError> {
        for n in nodes {
            let mark = self.vars.borrow().len();
            match n {
                Node::Text(t) => out.push_str(t),
                Node::Action(p) => {
                    let v = self.pipeline(p, dot)?;
                    // A declaration or assignment prints nothing.
                    if p.decl.is_empty() {
                        let _ = write!(out, "{v}");
                    } else {
                        self.bind(p, v);
                    }
                }
                Node::If(p, body, els) => {
                    let v = self.pipeline(p, dot)?;
                    self.bind(p, v.clone());
                    self.list(if v.truthy() { body } else { els }, dot, out)?;
                }
                Node::With(p, body, els) => {
                    let v = self.pipeline(p, dot)?;
                    self.bind(p, v.clone());
                    if v.truthy() {
                        self.list(body, &v, out)?;
                    } else {
                        self.list(els, dot, out)?;
                    }
                }
                Node::Range(p, body, els) => {
                    let items: Vec<(Value, Value)> = match self.pipeline(p, dot)? {
                        Value::List(l) => l.into_iter().enumerate().map(|(i, v)| (Value::Int(i as i64), v)).collect(),
                        Value::Map(mut m) => {
                            // Go visits a map's keys in sorted order.
                            m.sort_by(|a, b| a.0.cmp(&b.0));
                            m.into_iter().map(|(k, v)| (Value::Str(k), v)).collect()
                        }
                        Value::Int(n) => (0..n.max(0)).map(|i| (Value::Int(i), Value::Int(i))).collect(),
                        Value::Null => Vec::new(),
                        other => return Err(self.fail(p, format!("range can't iterate over {other}"))),
                    };
                    if items.is_empty() {
                        self.list(els, dot, out)?;
                    }
                    for (key, item) in &items {
                        let inner = self.vars.borrow().len();
                        match p.decl.as_slice() {
                            [e] => self.vars.borrow_mut().push((e.clone(), item.clone())),
                            [k, e] => self.vars.borrow_mut().extend([(k.clone(), key.clone()), (e.clone(), item.clone())]),
                            _ => {}
                        }
                        self.list(body, item, out)?;
                        self.vars.borrow_mut().truncate(inner);
                    }
                }
            }
            // A block's own declarations end with it; an action's stay for the rest of the list.
            if !matches!(n, Node::Action(_)) {
                self.vars.borrow_mut().truncate(mark);
            }
        }
        Ok(())
    }

    /// `$x := v` declares, `$x = v` sets the innermost `$x`.
    fn bind(&self, p: &Pipeline, v: Value) {
        let Some(name) = p.decl.first() else { return };
        let mut vars = self.vars.borrow_mut();
        if p.assign {
            if let Some(slot) = vars.iter_mut().rev().find(|(n, _)| n == name) {
                slot.1 = v;
            }
        } else {
            vars.push((name.clone(), v));
        }
    }

    fn fail(&self, p: &Pipeline, msg: String) -> TemplateError {
        TemplateError::Exec { line: p.line, col: p.col, at: p.text.clone(), msg }
    }

    fn pipeline(&self, p: &Pipeline, dot: &Value) -> Result<Value, TemplateError> {
        let mut last: Option<Value> = None;
        for c in &p.cmds {
            last = Some(self.command(p, c, dot, last)?);
        }
        Ok(last.unwrap_or(Value::Null))
    }

    fn command(&self, p: &Pipeline, c: &Command, dot: &Value, piped: Option<Value>) -> Result<Value, TemplateError> {
        if let Arg::Func(name) = &c.args[0] {
            let mut args = c.args[1..].iter().map(|a| self.arg(p, a, dot)).collect::<Result<Vec<_>, _>>()?;
            args.extend(piped);
            return call(name, &args).map_err(|msg| self.fail(p, format!("error calling {name}: {msg}")));
        }
        // docker's one method with an argument on list items: `{{.Label "KEY"}}` (ps, images,
        // volume ls, network ls), read from the item's Labels ("k=v,k2=v2" or a map).
        if let (Arg::Field(path), [Arg::Str(key)], None) = (&c.args[0], &c.args[1..], &piped) {
            if path.last().is_some_and(|l| l == "Label") {
                let parent = self.field(p, dot, &path[..path.len() - 1])?;
                if let Some(labels) = parent.get("Labels") {
                    return Ok(Value::Str(label_of(labels, key)));
                }
            }
        }
        if c.args.len() > 1 || piped.is_some() {
            return Err(self.fail(p, "can't give argument to non-function".into()));
        }
        self.arg(p, &c.args[0], dot)
    }

    fn arg(&self, p: &Pipeline, a: &Arg, dot: &Value) -> Result<Value, TemplateError> {
        Ok(match a {
            Arg::Field(path) => self.field(p, dot, path)?,
            Arg::Var(name, path) => {
                let v = self.vars.borrow().iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or(Value::Null);
                self.field(p, &v, path)?
            }
            Arg::Str(s) => Value::Str(s.clone()),
            Arg::Int(n) => Value::Int(*n),
            Arg::Float(f) => Value::Float(*f),
            Arg::Bool(b) => Value::Bool(*b),
            Arg::Nil => Value::Null,
            Arg::Func(name) => call(name, &[]).map_err(|msg| self.fail(p, format!("error calling {name}: {msg}")))?,
            Arg::Sub(inner, path) => {
                let v = self.pipeline(inner, dot)?;
                self.field(p, &v, path)?
            }
        })
    }

    fn field(&self, p: &Pipeline, from: &Value, path: &[String]) -> Result<Value, TemplateError> {
        let mut cur = from;
        for name in path {
            cur = match cur {
                Value::Map(_) => cur.get(name).ok_or_else(|| self.fail(p, format!("can't evaluate field {name}")))?,
                Value::Null => return Err(self.fail(p, format!("nil pointer evaluating .{name}"))),
                other => return Err(self.fail(p, format!("can't evaluate field {name} in type {}", other.kind()))),
            };
        }
        Ok(cur.clone())
    }
}

/// One label's value from a `Labels` map or docker's "k=v,k2=v2" text ("" when absent).
fn label_of(labels: &Value, key: &str) -> String {
    match labels {
        Value::Map(_) => labels.get(key).map(as_str).unwrap_or_default(),
        Value::Str(s) => s.split(',').filter_map(|kv| kv.split_once('=')).find(|(k, _)| *k == key).map(|(_, v)| v.to_string()).unwrap_or_default(),
        _ => String::new(),
    }
}

fn as_str(v: &Value) -> String {
    v.to_string()
}

fn want_args(name: &str, args: &[Value], n: usize) -> Result<(), String> {
    if args.len() == n {
        Ok(())
    } else {
        Err(format!("wrong number of args for {name}: want {n} got {}", args.len()))
    }
}

fn compare(a: &Value, b: &Value) -> Result<std::cmp::Ordering, String> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Ok(x.cmp(y)),
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
            let f = |v: &Value| match v {
                Value::Int(n) => *n as f64,
                Value::Float(x) => *x,
                _ => 0.0,
            };
            f(a).partial_cmp(&f(b)).ok_or_else(|| "incomparable values".to_string())
        }
        (Value::Str(x), Value::Str(y)) => Ok(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) if x == y => Ok(std::cmp::Ordering::Equal),
        _ => Err(format!("incompatible types for comparison: {} and {}", a.kind(), b.kind())),
    }
}

/// Go's printf verbs that templates use: %s %v %d %q %t %f and %%, with width and `-`.
fn printf(args: &[Value]) -> Result<String, String> {
    let fmt = match args.first() {
        Some(Value::Str(s)) => s.clone(),
        _ => return Err("printf needs a format string".into()),
    };
    let mut rest = args[1..].iter();
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut left = false;
        let mut width = String::new();
        while let Some(&d) = chars.peek() {
            if d == '-' {
                left = true;
            } else if d.is_ascii_digit() {
                width.push(d);
            } else {
                break;
            }
            chars.next();
        }
        let verb = chars.next().unwrap_or('%');
        if verb == '%' {
            out.push('%');
            continue;
        }
        let s = match (verb, rest.next()) {
            (_, None) => format!("%!{verb}(MISSING)"),
            ('q', Some(v)) => serde_json::to_string(&as_str(v)).unwrap_or_default(),
            ('d', Some(v @ Value::Int(_))) | ('s' | 'v' | 't' | 'f', Some(v)) => as_str(v),
            (_, Some(v)) => format!("%!{verb}({} {})", v.kind(), v),
        };
        let w: usize = width.parse().unwrap_or(0);
        let pad = w.saturating_sub(s.chars().count());
        if left {
            out.push_str(&s);
            out.extend(std::iter::repeat_n(' ', pad));
        } else {
            out.extend(std::iter::repeat_n(' ', pad));
            out.push_str(&s);
        }
    }
    Ok(out)
}

fn call(name: &str, args: &[Value]) -> Result<Value, String> {
    let s = |i: usize| args.get(i).map(as_str).unwrap_or_default();
    Ok(match name {
        "json" => {
            want_args(name, args, 1)?;
            Value::Str(args[0].to_json())
        }
        "join" => {
            want_args(name, args, 2)?;
            match &args[0] {
                Value::List(l) => Value::Str(l.iter().map(as_str).collect::<Vec<_>>().join(&s(1))),
                other => Value::Str(as_str(other)),
            }
        }
        "split" => {
            want_args(name, args, 2)?;
            Value::List(s(0).split(s(1).as_str()).map(|p| Value::Str(p.to_string())).collect())
        }
        "lower" => {
            want_args(name, args, 1)?;
            Value::Str(s(0).to_lowercase())
        }
        "upper" => {
            want_args(name, args, 1)?;
            Value::Str(s(0).to_uppercase())
        }
        "title" => {
            want_args(name, args, 1)?;
            let mut out = String::new();
            let mut start = true;
            for c in s(0).chars() {
                if start && c.is_alphabetic() {
                    out.extend(c.to_uppercase());
                } else {
                    out.push(c);
                }
                start = !c.is_alphanumeric();
            }
            Value::Str(out)
        }
        "truncate" => {
            want_args(name, args, 2)?;
            let n = match args[1] {
                Value::Int(n) if n >= 0 => n as usize,
                _ => return Err("truncate needs a length".into()),
            };
            Value::Str(s(0).chars().take(n).collect())
        }
        "pad" => {
            want_args(name, args, 3)?;
            let n = |v: &Value| if let Value::Int(n) = v { (*n).max(0) as usize } else { 0 };
            Value::Str(format!("{}{}{}", " ".repeat(n(&args[1])), s(0), " ".repeat(n(&args[2]))))
        }
        "len" => {
            want_args(name, args, 1)?;
            Value::Int(match &args[0] {
                Value::Str(x) => x.len(),
                Value::List(l) => l.len(),
                Value::Map(m) => m.len(),
                other => return Err(format!("len of type {}", other.kind())),
            } as i64)
        }
        "index" => {
            let mut cur = args.first().cloned().ok_or("index of nothing")?;
            for k in &args[1..] {
                cur = match (&cur, k) {
                    (Value::List(l), Value::Int(i)) => l.get(*i as usize).cloned().ok_or_else(|| format!("index out of range: {i}"))?,
                    (Value::Map(_), Value::Str(key)) => cur.get(key).cloned().unwrap_or(Value::Null),
                    (Value::Null, _) => return Err("index of untyped nil".into()),
                    (c, k) => return Err(format!("can't index item of type {} with {}", c.kind(), k.kind())),
                };
            }
            cur
        }
        "print" => Value::Str(args.iter().map(as_str).collect::<Vec<_>>().join("")),
        "println" => Value::Str(format!("{}\n", args.iter().map(as_str).collect::<Vec<_>>().join(" "))),
        "printf" => Value::Str(printf(args)?),
        "eq" => {
            if args.len() < 2 {
                return Err("missing argument for comparison".into());
            }
            Value::Bool(args[1..].iter().any(|b| compare(&args[0], b).map(|o| o.is_eq()).unwrap_or(args[0] == *b)))
        }
        "ne" => {
            want_args(name, args, 2)?;
            Value::Bool(!compare(&args[0], &args[1]).map(|o| o.is_eq()).unwrap_or(args[0] == args[1]))
        }
        "lt" | "le" | "gt" | "ge" => {
            want_args(name, args, 2)?;
            let o = compare(&args[0], &args[1])?;
            Value::Bool(match name {
                "lt" => o.is_lt(),
                "le" => o.is_le(),
                "gt" => o.is_gt(),
                _ => o.is_ge(),
            })
        }
        "and" => args.iter().find(|v| !v.truthy()).or(args.last()).cloned().unwrap_or(Value::Null),
        "or" => args.iter().find(|v| v.truthy()).or(args.last()).cloned().unwrap_or(Value::Null),
        "not" => {
            want_args(name, args, 1)?;
            Value::Bool(!args[0].truthy())
        }
        other => return Err(format!("function {other:?} not defined")),
    })
}

#[cfg(test)]
mod tests;

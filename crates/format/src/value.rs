//! The data a template reads: JSON, with the order of object keys kept (serde_json's own map
//! sorts them unless its `preserve_order` feature is on, which would change the order of every
//! other crate's JSON in the workspace), printed the way Go's `fmt` prints values.

use std::fmt::{self, Write as _};

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Value>),
    /// An object, its keys in the order they came.
    Map(Vec<(String, Value)>),
}

impl Value {
    pub fn from_json(text: &str) -> Result<Value, serde_json::Error> {
        serde_json::from_str(text)
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Go's truth: false, 0, nil and empty strings, lists and maps are false.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Int(n) => *n != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.is_empty(),
        }
    }

    /// Go's name of the kind, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "nil",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float64",
            Value::Str(_) => "string",
            Value::List(_) => "slice",
            Value::Map(_) => "map",
        }
    }

    /// Any serializable value, its struct fields in their declared order.
    pub fn from_serialize<T: serde::Serialize>(t: &T) -> Value {
        serde_json::to_string(t).ok().and_then(|s| Value::from_json(&s).ok()).unwrap_or(Value::Null)
    }

    /// An object from its entries, in this order.
    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(s.into())
    }

    /// A list of strings.
    pub fn strs<S: AsRef<str>>(l: impl IntoIterator<Item = S>) -> Value {
        Value::List(l.into_iter().map(|s| Value::Str(s.as_ref().to_string())).collect())
    }

    /// JSON indented as docker's inspect prints it (four spaces, `[]` and `{}` when empty).
    pub fn to_json_pretty(&self) -> String {
        let mut out = String::new();
        self.write_pretty(&mut out, 0);
        out
    }

    fn write_pretty(&self, out: &mut String, depth: usize) {
        let pad = |out: &mut String, d: usize| out.extend(std::iter::repeat_n(' ', 4 * d));
        match self {
            Value::List(l) if !l.is_empty() => {
                out.push_str("[\n");
                for (i, v) in l.iter().enumerate() {
                    pad(out, depth + 1);
                    v.write_pretty(out, depth + 1);
                    out.push_str(if i + 1 < l.len() { ",\n" } else { "\n" });
                }
                pad(out, depth);
                out.push(']');
            }
            Value::Map(m) if !m.is_empty() => {
                out.push_str("{\n");
                for (i, (k, v)) in m.iter().enumerate() {
                    pad(out, depth + 1);
                    out.push_str(&serde_json::to_string(k).unwrap_or_default());
                    out.push_str(": ");
                    v.write_pretty(out, depth + 1);
                    out.push_str(if i + 1 < m.len() { ",\n" } else { "\n" });
                }
                pad(out, depth);
                out.push('}');
            }
            other => other.write_json(out),
        }
    }

    /// JSON with the keys in their order, as `{{json .}}` and `--format json` print it.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Value::Float(f) => out.push_str(&serde_json::Number::from_f64(*f).map_or_else(|| "null".to_string(), |n| n.to_string())),
            Value::Str(s) => out.push_str(&serde_json::to_string(s).unwrap_or_default()),
            Value::List(l) => {
                out.push('[');
                for (i, v) in l.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write_json(out);
                }
                out.push(']');
            }
            Value::Map(m) => {
                out.push('{');
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::to_string(k).unwrap_or_default());
                    out.push(':');
                    v.write_json(out);
                }
                out.push('}');
            }
        }
    }
}

/// Go's `%v`: strings bare, lists as `[a b]`, maps as `map[k:v]` with sorted keys, nil as `<nil>`.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("<nil>"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(n) => write!(f, "{n}"),
            Value::Float(x) => {
                if x.fract() == 0.0 && x.abs() < 1e21 {
                    write!(f, "{}", *x as i64)
                } else {
                    write!(f, "{x}")
                }
            }
            Value::Str(s) => f.write_str(s),
            Value::List(l) => {
                f.write_char('[')?;
                for (i, v) in l.iter().enumerate() {
                    if i > 0 {
                        f.write_char(' ')?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_char(']')
            }
            Value::Map(m) => {
                let mut sorted: Vec<&(String, Value)> = m.iter().collect();
                sorted.sort_by(|a, b| a.0.cmp(&b.0));
                f.write_str("map[")?;
                for (i, (k, v)) in sorted.into_iter().enumerate() {
                    if i > 0 {
                        f.write_char(' ')?;
                    }
                    write!(f, "{k}:{v}")?;
                }
                f.write_char(']')
            }
        }
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Int(n))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(i64::try_from(n).map_or(Value::Float(n as f64), Value::Int))
    }
    fn visit_f64<E>(self, x: f64) -> Result<Value, E> {
        Ok(Value::Float(x))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::Str(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::Str(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::List(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out: Vec<(String, Value)> = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            // A repeated key: the last one wins, in the first one's place (as JSON.parse does).
            match out.iter_mut().find(|(key, _)| *key == k) {
                Some(slot) => slot.1 = v,
                None => out.push((k, v)),
            }
        }
        Ok(Value::Map(out))
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_their_order_and_print_like_go() {
        let v = Value::from_json(r#"{"b":1,"a":[1,"x",true,null],"c":{"z":1,"y":2.5}}"#).unwrap();
        assert_eq!(v.to_json(), r#"{"b":1,"a":[1,"x",true,null],"c":{"z":1,"y":2.5}}"#);
        assert_eq!(v.get("a").unwrap().to_string(), "[1 x true <nil>]");
        assert_eq!(v.get("c").unwrap().to_string(), "map[y:2.5 z:1]");
        assert!(!Value::Str(String::new()).truthy());
        assert!(Value::List(vec![Value::Null]).truthy());
    }

    #[test]
    fn pretty_json_is_indented_as_dockers() {
        let v = Value::from_json(r#"[{"a":[1,2],"b":{},"c":[]}]"#).unwrap();
        assert_eq!(
            v.to_json_pretty(),
            "[\n    {\n        \"a\": [\n            1,\n            2\n        ],\n        \"b\": {},\n        \"c\": []\n    }\n]"
        );
        assert_eq!(Value::List(vec![]).to_json_pretty(), "[]");
    }
}

/// Serializes a number as JavaScript's JSON.stringify writes it: a whole value without a
/// fraction (`0`, not serde's `0.0`), so that the Node CLI and the runtime's front door print
/// the same `--json` bytes (`#[serde(serialize_with = "tsc_box_format::value::js_number")]`).
pub fn js_number<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 9_007_199_254_740_992.0 {
        s.serialize_i64(*v as i64)
    } else {
        s.serialize_f64(*v)
    }
}

#[cfg(test)]
mod js_number_tests {
    #[derive(serde::Serialize)]
    struct N(#[serde(serialize_with = "super::js_number")] f64);

    #[test]
    fn whole_numbers_have_no_fraction_as_in_javascript() {
        let j = |v| serde_json::to_string(&N(v)).unwrap();
        assert_eq!((j(0.0), j(3.0), j(0.01), j(12.5), j(-2.0)), ("0".into(), "3".into(), "0.01".into(), "12.5".into(), "-2".into()));
    }
}

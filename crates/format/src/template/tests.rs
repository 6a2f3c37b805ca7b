use super::*;

fn data() -> Value {
    Value::from_json(
        r#"{"ID":"0123456789abcdef","Names":"web","Labels":{"b":"2","a":"1"},"Ports":[80,443],"State":{"Status":"running","Pid":42,"Running":true},"Empty":[],"Nil":null,"Command":"sh -c x"}"#,
    )
    .unwrap()
}

fn run(t: &str) -> Result<String, TemplateError> {
    Template::parse(t)?.render(&data())
}

#[test]
fn fields_nested_fields_and_root() {
    assert_eq!(run("{{.Names}} {{.State.Status}} {{.State.Pid}}").unwrap(), "web running 42");
    assert_eq!(run("{{with .State}}{{.Status}} {{$.Names}}{{end}}").unwrap(), "running web");
    assert_eq!(run("{{.Ports}} {{.Labels}} {{.Nil}}").unwrap(), "[80 443] map[a:1 b:2] <nil>");
    assert_eq!(run("plain text").unwrap(), "plain text");
}

#[test]
fn json_keeps_key_order() {
    assert_eq!(run("{{json .State}}").unwrap(), r#"{"Status":"running","Pid":42,"Running":true}"#);
    assert_eq!(run("{{json .Names}}").unwrap(), r#""web""#);
    assert_eq!(run("{{.State | json}}").unwrap(), r#"{"Status":"running","Pid":42,"Running":true}"#);
}

#[test]
fn range_if_else_and_with() {
    assert_eq!(run("{{range .Ports}}<{{.}}>{{end}}").unwrap(), "<80><443>");
    // Go visits map keys sorted.
    assert_eq!(run("{{range .Labels}}{{.}}{{end}}").unwrap(), "12");
    assert_eq!(run("{{range .Empty}}x{{else}}none{{end}}").unwrap(), "none");
    assert_eq!(run("{{if .State.Running}}up{{else}}down{{end}}").unwrap(), "up");
    assert_eq!(run("{{if eq .Names \"db\"}}db{{else if eq .Names \"web\"}}web!{{else}}?{{end}}").unwrap(), "web!");
    assert_eq!(run("{{if not .Empty}}empty{{end}}").unwrap(), "empty");
    assert_eq!(run("{{with .Nil}}x{{else}}no{{end}}").unwrap(), "no");
    assert_eq!(run("{{if and .Names .State.Running}}both{{end}}{{if or .Nil .Names}} one{{end}}").unwrap(), "both one");
    assert_eq!(run("{{- if .Names -}}  a  {{- end -}}  ").unwrap(), "a");
    assert_eq!(run("{{ if .Names }}  a  {{- end }}").unwrap(), "  a");
}

#[test]
fn dockers_functions() {
    assert_eq!(run("{{index .Ports 1}} {{index .Labels \"b\"}} {{len .Ports}} {{len .Names}}").unwrap(), "443 2 2 3");
    assert_eq!(run("{{join (split .Command \" \") \",\"}}").unwrap(), "sh,-c,x");
    assert_eq!(run("{{upper .Names}} {{lower \"AB\"}} {{title \"hello big world\"}}").unwrap(), "WEB ab Hello Big World");
    assert_eq!(run("{{truncate .ID 4}}|{{pad .Names 1 2}}|").unwrap(), "0123| web  |");
    assert_eq!(run("{{printf \"%-6s|%5d|%q|%%\" .Names .State.Pid .Names}}").unwrap(), "web   |   42|\"web\"|%");
    assert_eq!(run("{{println .Names .State.Pid}}").unwrap(), "web 42\n");
    assert_eq!(run("{{print .Names 1}}").unwrap(), "web1");
    assert_eq!(run("{{if gt .State.Pid 40}}big{{end}}{{if lt 1 2}} lt{{end}}{{if ne .Names \"x\"}} ne{{end}}").unwrap(), "big lt ne");
}

#[test]
fn unknown_fields_and_bad_templates_are_errors_like_gos() {
    let e = run("{{.Nope}}").unwrap_err();
    assert_eq!(e.to_string(), "template: :1:2: executing \"\" at <.Nope>: can't evaluate field Nope");
    let e = run("x\n {{.State.Nope}}").unwrap_err();
    assert_eq!(e.to_string(), "template: :2:3: executing \"\" at <.State.Nope>: can't evaluate field Nope");
    assert!(run("{{.Names.X}}").unwrap_err().to_string().contains("can't evaluate field X in type string"));
    assert!(matches!(Template::parse("{{.Names"), Err(TemplateError::Parse { .. })));
    assert!(matches!(Template::parse("{{if .Names}}x"), Err(TemplateError::Parse { .. })));
    assert!(matches!(Template::parse("{{end}}"), Err(TemplateError::Parse { .. })));
    assert_eq!(Template::parse("{{nosuch .Names}}").unwrap_err().to_string(), "template parsing error: template: :1: function \"nosuch\" not defined");
    assert!(run("{{index .Ports 5}}").unwrap_err().to_string().contains("error calling index"));
    assert!(run("{{.Names 1}}").is_err());
}

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

/// The examples of docker's "Format command and log output" page and `docker inspect`'s reference.
#[test]
fn dockers_documented_examples() {
    let c = Value::from_json(
        r#"{"Name":"/Web","Args":["-c","x"],"Image":"sha256:abc","Config":{"Image":"nginx:1.25"},"NetworkSettings":{"Networks":{"bridge":{"IPAddress":"10.0.0.2","MacAddress":"02:42"},"alt":{"IPAddress":"10.1.0.2","MacAddress":"02:43"}},"Ports":{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"}],"8787/tcp":[{"HostIp":"","HostPort":"8787"}]}}}"#,
    )
    .unwrap();
    let r = |t: &str| Template::parse(t).unwrap().render(&c).unwrap();
    assert_eq!(r(r#"{{join .Args " , "}}"#), "-c , x");
    assert_eq!(r("{{lower .Name}} {{upper .Name}} {{title .Name}}"), "/web /WEB /Web");
    assert_eq!(r(r#"{{split .Config.Image ":"}}"#), "[nginx 1.25]");
    assert_eq!(r("{{range .NetworkSettings.Networks}}{{println .IPAddress}}{{end}}"), "10.1.0.2\n10.0.0.2\n");
    assert_eq!(r("{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}"), "10.1.0.210.0.0.2");
    assert_eq!(r("{{.Config.Image}}"), "nginx:1.25");
    assert_eq!(r("{{range $p, $conf := .NetworkSettings.Ports}} {{$p}} -> {{(index $conf 0).HostPort}} {{end}}"), " 80/tcp -> 8080  8787/tcp -> 8787 ");
    assert_eq!(r(r#"{{(index (index .NetworkSettings.Ports "8787/tcp") 0).HostPort}}"#), "8787");
    assert_eq!(r("{{json .Config}}"), r#"{"Image":"nginx:1.25"}"#);
}

#[test]
fn variables_declare_assign_and_end_with_their_block() {
    assert_eq!(run("{{$n := .Names}}{{$n}}-{{$n = \"x\"}}{{$n}}").unwrap(), "web-x");
    assert_eq!(run("{{range $i, $p := .Ports}}{{$i}}:{{$p}} {{end}}").unwrap(), "0:80 1:443 ");
    assert_eq!(run("{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}").unwrap(), "a=1;b=2;");
    assert_eq!(run("{{range $p := .Ports}}{{$p}}{{$.Names}}{{end}}").unwrap(), "80web443web");
    assert_eq!(run("{{with $s := .State}}{{$s.Status}}{{end}}").unwrap(), "running");
    assert_eq!(run("{{if $x := .Names}}{{$x}}{{end}}").unwrap(), "web");
    // Out of its block a variable is undefined, as Go's parser says.
    assert_eq!(
        Template::parse("{{range $p := .Ports}}{{end}}{{$p}}").unwrap_err().to_string(),
        "template parsing error: template: :1: undefined variable \"$p\""
    );
    assert!(Template::parse("{{$a, $b := .Ports}}").is_err());
    assert!(Template::parse("{{$nope = 1}}").is_err());
}

#[test]
fn the_label_method_of_list_items() {
    let item = Value::from_json(r#"{"Labels":"com.example.a=1,b=two"}"#).unwrap();
    let r = |t: &str| Template::parse(t).unwrap().render(&item).unwrap();
    assert_eq!(r(r#"{{.Label "b"}}|{{.Label "com.example.a"}}|{{.Label "none"}}"#), "two|1|");
    assert_eq!(run(r#"{{.Label "a"}}"#).unwrap(), "1");
}

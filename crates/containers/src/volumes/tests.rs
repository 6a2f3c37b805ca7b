use super::*;
use std::cell::Cell;

struct NoRuntime(Cell<u32>);
impl RuntimeOps for NoRuntime {
    fn kill_all(&self, _: &str) -> Result<(), String> {
        Err("no runtime in this test".into())
    }
    fn delete(&self, _: &str) -> Result<(), String> {
        Err("no runtime in this test".into())
    }
    fn resume(&self, _: &str) -> Result<(), String> {
        Err("no runtime in this test".into())
    }
    fn remove_tree(&self, _: &Path) -> Result<(), String> {
        self.0.set(self.0.get() + 1);
        Err("no runtime in this test".into())
    }
}

fn tmp(tag: &str) -> Paths {
    let base = std::env::temp_dir().join(format!("tsc-box-volumes-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    Paths { data_root: base.join("data"), run_dir: base.join("run") }
}

fn named(n: &str) -> NewVolume {
    NewVolume { name: Some(n.into()), ..Default::default() }
}

#[test]
fn names_follow_dockers_rule() {
    for ok in ["ab", "my-vol", "a.b_c", "0x"] {
        assert!(validate_name(ok).is_ok(), "{ok}");
    }
    for bad in ["a", "", "-x", ".x", "a/b", "a b", "..", "é1"] {
        let e = validate_name(bad).unwrap_err();
        assert_eq!(e.code().as_str(), "invalid_volume_name", "{bad}");
    }
}

#[test]
fn create_is_whole_or_nothing_and_idempotent() {
    let p = tmp("create");
    let (v, made) = create(&p, named("data"), None).unwrap();
    assert!(made && v.mountpoint().is_dir());
    assert_eq!(get(&p, "data").unwrap().meta.driver, "local");
    // The same name again: the same volume, as docker's create.
    let (again, made) = create(&p, named("data"), None).unwrap();
    assert!(!made);
    assert_eq!(again.meta.created_at, v.meta.created_at);
    // Anonymous: a 64-hex name and docker's label.
    let (anon, _) = create(&p, NewVolume { anonymous: true, ..Default::default() }, None).unwrap();
    assert_eq!(anon.meta.name.len(), 64);
    assert!(anon.anonymous());
    // A copy-up that fails (its source root is missing) leaves nothing.
    let root = p.data_root.join("no-such-root");
    let e = create(&p, named("broken"), Some(CopySource { rootfs: &root, path: "/x" })).unwrap_err();
    assert_eq!(e.code().as_str(), "volume_failed");
    let left: Vec<_> = std::fs::read_dir(volumes_dir(&p)).unwrap().flatten().map(|e| e.file_name().into_string().unwrap()).collect();
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(get(&p, "broken").is_err());
    std::fs::remove_dir_all(p.data_root.parent().unwrap()).unwrap();
}

#[test]
fn abandoned_staging_goes_with_the_next_listing() {
    let p = tmp("abandoned");
    create(&p, named("kept"), None).unwrap();
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    let dead = volumes_dir(&p).join(format!("{STAGING}{pid}-1-abcd"));
    std::fs::create_dir_all(dead.join(DATA)).unwrap();
    let dead_rm = volumes_dir(&p).join(format!("{REMOVING}{pid}-1-abcd"));
    std::fs::create_dir_all(dead_rm.join(DATA)).unwrap();
    let mine = volumes_dir(&p).join(staging_name(STAGING).unwrap());
    let my_rm = volumes_dir(&p).join(staging_name(REMOVING).unwrap());
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::create_dir_all(&my_rm).unwrap();
    let names: Vec<String> = list(&p).into_iter().map(|v| v.meta.name).collect();
    assert_eq!(names, vec!["kept".to_string()]);
    // A live process's staging and removal directories are its own.
    assert!(!dead.exists() && !dead_rm.exists() && mine.exists() && my_rm.exists());
    std::fs::remove_dir_all(p.data_root.parent().unwrap()).unwrap();
}

#[test]
fn options_are_docker_locals_tmpfs_and_bind_only() {
    let opts = |kv: &[(&str, &str)]| kv.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>();
    assert!(check_options("v", &opts(&[("type", "tmpfs"), ("device", "tmpfs"), ("o", "size=1m")])).is_ok());
    assert!(check_options("v", &opts(&[("type", "none"), ("o", "bind"), ("device", "/tmp")])).is_ok());
    for (bad, msg) in [
        (opts(&[("foo", "bar")]), "invalid option key: \"foo\""),
        (opts(&[("type", "nfs"), ("o", "addr=1.2.3.4")]), "type=tmpfs and o=bind"),
        (opts(&[("type", "none"), ("o", "bind"), ("device", "rel")]), "ABSOLUTE-PATH"),
    ] {
        let e = check_options("v", &bad).unwrap_err();
        assert!(e.to_string().contains(msg), "{e}");
        assert_eq!(e.code().as_str(), "invalid_volume_option");
    }
}

#[test]
fn rm_and_prune_follow_dockers_rules() {
    let p = tmp("rm");
    create(&p, named("named"), None).unwrap();
    let (anon, _) = create(&p, NewVolume { anonymous: true, ..Default::default() }, None).unwrap();
    let ops = NoRuntime(Cell::new(0));
    // A container's record that mounts the named one.
    let dir = p.container_dir("c1");
    std::fs::create_dir_all(&dir).unwrap();
    let m = mounts::MountPoint {
        kind: MountType::Volume,
        name: "named".into(),
        source: String::new(),
        destination: "/d".into(),
        mode: String::new(),
        rw: true,
        propagation: String::new(),
        anonymous: false,
        driver: "local".into(),
        options: vec![],
    };
    std::fs::write(
        dir.join(crate::record::RECORD),
        format!(
            r#"{{"id":"c1","name":"x","created":"","rootfs":"","command":[],"status":"exited","exitCode":0,"oomKilled":false,"mounts":[{}]}}"#,
            serde_json::to_string(&m).unwrap()
        ),
    )
    .unwrap();
    let e = remove(&p, "named", false, &ops).unwrap_err();
    assert_eq!((e.to_string().as_str(), e.exit_code()), ("remove named: volume is in use - [c1]", 1));
    let e = remove(&p, "nope", false, &ops).unwrap_err();
    assert_eq!((e.to_string().as_str(), e.code().as_str()), ("get nope: no such volume", "no_such_volume"));
    assert_eq!(remove(&p, "nope", true, &ops).unwrap(), 0);
    // prune: anonymous and unused only, unless all; used ones never.
    let (gone, _) = prune(&p, false, &[], &ops).unwrap();
    assert_eq!(gone, vec![anon.meta.name.clone()]);
    let (gone, _) = prune(&p, true, &[], &ops).unwrap();
    assert!(gone.is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::write(get(&p, "named").unwrap().mountpoint().join("f"), "12345").unwrap();
    let (gone, freed) = prune(&p, true, &["label=nope".into()], &ops).unwrap();
    assert!(gone.is_empty() && freed == 0);
    let (gone, freed) = prune(&p, true, &[], &ops).unwrap();
    assert_eq!((gone, freed), (vec!["named".to_string()], 5));
    assert_eq!(ops.0.get(), 0);
    assert!(list(&p).is_empty());
    std::fs::remove_dir_all(p.data_root.parent().unwrap()).unwrap();
}

#[test]
fn ls_renders_dockers_table_templates_and_filters() {
    let p = tmp("ls");
    let mut labelled = named("web-data");
    labelled.labels.insert("env".into(), "prod".into());
    create(&p, labelled, None).unwrap();
    create(&p, named("cache"), None).unwrap();
    let ls_ = |format: Option<&str>, filters: &[&str], quiet: bool| {
        list::ls(&p, &list::LsOptions { quiet, filters: filters.iter().map(|s| s.to_string()).collect(), format: format.map(Into::into) }, false)
    };
    assert_eq!(ls_(None, &[], false).unwrap(), "DRIVER    VOLUME NAME\nlocal     cache\nlocal     web-data");
    assert_eq!(ls_(None, &["label=env=prod"], true).unwrap(), "web-data");
    assert_eq!(ls_(None, &["name=che"], true).unwrap(), "cache");
    assert_eq!(ls_(None, &["dangling=true"], true).unwrap(), "cache\nweb-data");
    assert_eq!(ls_(Some("{{.Name}}:{{.Labels}}"), &[], false).unwrap(), "cache:\nweb-data:env=prod");
    assert_eq!(ls_(Some("table {{.Name}}\t{{.Scope}}"), &["name=cache"], false).unwrap(), "VOLUME NAME   SCOPE\ncache         local");
    assert_eq!(ls_(None, &["bogus=1"], false).unwrap_err().to_string(), "invalid filter 'bogus'");
    assert_eq!(ls_(None, &["dangling=maybe"], false).unwrap_err().code().as_str(), "invalid_filter");
    assert_eq!(ls_(Some("{{.Nope}}"), &[], false).unwrap_err().code().as_str(), "invalid_format");
    let (out, failures) = list::inspect(&p, &["cache".into(), "gone".into()], Some("{{.Name}} {{.Driver}} {{.Scope}}")).unwrap();
    assert_eq!(out.as_deref(), Some("cache local local"));
    assert_eq!(failures.len(), 1);
    let (out, _) = list::inspect(&p, &["web-data".into()], None).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&out.unwrap()).unwrap();
    let keys: Vec<&String> = doc[0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["CreatedAt", "Driver", "Labels", "Mountpoint", "Name", "Options", "Scope"]);
    assert_eq!(doc[0]["Labels"]["env"], "prod");
    std::fs::remove_dir_all(p.data_root.parent().unwrap()).unwrap();
}

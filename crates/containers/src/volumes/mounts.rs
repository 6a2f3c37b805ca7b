//! What a container's record remembers of its mounts (record.json's `mounts`): enough for
//! `rm -v` (its anonymous volumes), `--volumes-from` (the same mounts again) and `inspect`'s
//! `Mounts` (docker's Type, Name, Source, Destination, Driver, Mode, RW, Propagation).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MountType {
    Bind,
    Volume,
    Tmpfs,
}

impl MountType {
    pub fn as_str(self) -> &'static str {
        match self {
            MountType::Bind => "bind",
            MountType::Volume => "volume",
            MountType::Tmpfs => "tmpfs",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MountPoint {
    #[serde(rename = "type")]
    pub kind: MountType,
    /// The volume's name (volumes only).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The host path mounted: a bind's source, a volume's `_data` (empty for tmpfs).
    #[serde(default)]
    pub source: String,
    pub destination: String,
    /// As docker shows it: the mode text of `-v` (`ro`, `rw`, `z`...), empty for `--mount`.
    #[serde(default)]
    pub mode: String,
    pub rw: bool,
    /// A bind's propagation (`rprivate` unless asked); empty for volumes and tmpfs.
    #[serde(default)]
    pub propagation: String,
    /// A volume made for this container only (`-v /path`, the image's VOLUME): `rm -v` and
    /// `run --rm` remove it.
    #[serde(default)]
    pub anonymous: bool,
    /// The volume's driver (`local`); empty for binds and tmpfs.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub driver: String,
    /// The options the mount was made with (tmpfs size and mode, `volume-nocopy`...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mount_points_keep_their_json_shape() {
        let m = MountPoint {
            kind: MountType::Volume,
            name: "data".into(),
            source: "/v/data/_data".into(),
            destination: "/data".into(),
            mode: "ro".into(),
            rw: false,
            propagation: String::new(),
            anonymous: false,
            driver: "local".into(),
            options: vec![],
        };
        let text = serde_json::to_string(&m).unwrap();
        assert_eq!(
            text,
            r#"{"type":"volume","name":"data","source":"/v/data/_data","destination":"/data","mode":"ro","rw":false,"propagation":"","anonymous":false,"driver":"local"}"#
        );
        assert_eq!(serde_json::from_str::<MountPoint>(&text).unwrap(), m);
        let t: MountPoint = serde_json::from_str(r#"{"type":"tmpfs","destination":"/run","rw":true}"#).unwrap();
        assert_eq!((t.kind, t.source.as_str(), t.anonymous), (MountType::Tmpfs, "", false));
    }
}

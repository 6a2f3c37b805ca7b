//! sha256 content digests: parsing (hostile strings never become paths unless they are exactly
//! 64 lowercase hex digits) and hashing while data streams through.
use sha2::{Digest as _, Sha256};
use std::fmt;
use std::io::{self, Read, Write};

#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    // Digests are read from archives and registries: shown escaped (crate::escape).
    #[error("unsupported digest algorithm in \"{}\": only sha256 is supported", crate::escape::escape_str(.0))]
    Algorithm(String),
    #[error("malformed digest \"{}\": expected sha256:<64 lowercase hex digits>", crate::escape::escape_str(.0))]
    Malformed(String),
}

/// A sha256 digest. Its hex form is safe to use as a file name.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest([u8; 32]);

impl Digest {
    pub fn parse(s: &str) -> Result<Self, DigestError> {
        let Some((alg, hex)) = s.split_once(':') else {
            return Err(DigestError::Malformed(s.to_string()));
        };
        if alg != "sha256" {
            return Err(DigestError::Algorithm(s.to_string()));
        }
        Self::from_hex(hex).ok_or_else(|| DigestError::Malformed(s.to_string()))
    }

    /// Accepts only the canonical lowercase form so that one blob has one name.
    pub fn from_hex(hex: &str) -> Option<Self> {
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, chunk) in hex.as_bytes().chunks(2).enumerate() {
            let v = |c: u8| if c.is_ascii_digit() { c - b'0' } else { c - b'a' + 10 };
            out[i] = v(chunk[0]) << 4 | v(chunk[1]);
        }
        Some(Digest(out))
    }

    pub fn of(data: &[u8]) -> Self {
        Digest(Sha256::digest(data).into())
    }

    pub fn hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.hex())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Digest::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Hashes and counts every byte read through it.
pub struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    count: u64,
}

impl<R: Read> HashingReader<R> {
    pub fn new(inner: R) -> Self {
        HashingReader { inner, hasher: Sha256::new(), count: 0 }
    }
    pub fn count(&self) -> u64 {
        self.count
    }
    pub fn finish(self) -> (Digest, u64) {
        (Digest(self.hasher.finalize().into()), self.count)
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}

/// Hashes and counts every byte written through it.
pub struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    count: u64,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W) -> Self {
        HashingWriter { inner, hasher: Sha256::new(), count: 0 }
    }
    pub fn finish(self) -> (W, Digest, u64) {
        (self.inner, Digest(self.hasher.finalize().into()), self.count)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_canonical_and_refuses_the_rest() {
        let d = Digest::of(b"");
        assert_eq!(d.to_string(), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(Digest::parse(&d.to_string()).unwrap(), d);
        assert!(matches!(Digest::parse("sha512:00"), Err(DigestError::Algorithm(_))));
        assert!(Digest::parse("sha256:../../etc/passwd").is_err());
        assert!(Digest::parse(&d.to_string().to_uppercase().replace("SHA256", "sha256")).is_err());
        assert!(Digest::parse("e3b0").is_err());
    }

    #[test]
    fn hashing_reader_matches_one_shot_digest() {
        let data = vec![7u8; 100_000];
        let mut r = HashingReader::new(&data[..]);
        io::copy(&mut r, &mut io::sink()).unwrap();
        assert_eq!(r.finish(), (Digest::of(&data), 100_000));
    }
}

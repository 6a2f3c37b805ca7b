//! Building rtnetlink messages: a header, a fixed struct, then (nested) attributes, each
//! padded to 4 bytes as the kernel's NLA_ALIGN wants.

pub struct Builder {
    buf: Vec<u8>,
    /// Offsets of the nested attributes still open.
    open: Vec<usize>,
}

const HDR: usize = 16;

fn align(n: usize) -> usize {
    (n + 3) & !3
}

impl Builder {
    pub fn new(ty: u16, flags: u16) -> Builder {
        let mut buf = vec![0u8; HDR];
        buf[4..6].copy_from_slice(&ty.to_ne_bytes());
        buf[6..8].copy_from_slice(&(flags | libc::NLM_F_REQUEST as u16 | libc::NLM_F_ACK as u16).to_ne_bytes());
        Builder { buf, open: Vec::new() }
    }

    pub fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(bytes);
        self.pad();
        self
    }

    /// struct ifinfomsg: family, pad, type, index, flags, change.
    pub fn ifinfo(&mut self, index: u32, flags: u32, change: u32) -> &mut Self {
        let mut b = [0u8; 16];
        b[0] = libc::AF_UNSPEC as u8;
        b[4..8].copy_from_slice(&(index as i32).to_ne_bytes());
        b[8..12].copy_from_slice(&flags.to_ne_bytes());
        b[12..16].copy_from_slice(&change.to_ne_bytes());
        self.raw(&b)
    }

    fn pad(&mut self) {
        let n = align(self.buf.len());
        self.buf.resize(n, 0);
    }

    pub fn attr(&mut self, ty: u16, data: &[u8]) -> &mut Self {
        let len = 4 + data.len();
        self.buf.extend_from_slice(&(len as u16).to_ne_bytes());
        self.buf.extend_from_slice(&ty.to_ne_bytes());
        self.buf.extend_from_slice(data);
        self.pad();
        self
    }

    pub fn attr_str(&mut self, ty: u16, s: &str) -> &mut Self {
        let mut v = s.as_bytes().to_vec();
        v.push(0);
        self.attr(ty, &v)
    }

    pub fn attr_u32(&mut self, ty: u16, v: u32) -> &mut Self {
        self.attr(ty, &v.to_ne_bytes())
    }

    pub fn begin(&mut self, ty: u16) -> &mut Self {
        self.open.push(self.buf.len());
        self.buf.extend_from_slice(&[0, 0]);
        self.buf.extend_from_slice(&(ty | libc::NLA_F_NESTED as u16).to_ne_bytes());
        self
    }

    pub fn end(&mut self) -> &mut Self {
        let start = self.open.pop().expect("begin before end");
        let len = (self.buf.len() - start) as u16;
        self.buf[start..start + 2].copy_from_slice(&len.to_ne_bytes());
        self
    }

    pub fn finish(&mut self, seq: u32) -> Vec<u8> {
        assert!(self.open.is_empty(), "unclosed nested attribute");
        let len = self.buf.len() as u32;
        self.buf[0..4].copy_from_slice(&len.to_ne_bytes());
        self.buf[8..12].copy_from_slice(&seq.to_ne_bytes());
        std::mem::take(&mut self.buf)
    }
}

/// Splits a datagram into (type, seq, payload) messages; stops at anything malformed.
pub fn parse(mut b: &[u8]) -> Vec<(u16, u32, &[u8])> {
    let mut out = Vec::new();
    while b.len() >= HDR {
        let len = u32::from_ne_bytes([b[0], b[1], b[2], b[3]]) as usize;
        if len < HDR || len > b.len() {
            break;
        }
        let ty = u16::from_ne_bytes([b[4], b[5]]);
        let seq = u32::from_ne_bytes([b[8], b[9], b[10], b[11]]);
        out.push((ty, seq, &b[HDR..len]));
        b = &b[align(len).min(b.len())..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_attributes_are_sized_and_padded() {
        let mut m = Builder::new(16, 0);
        m.ifinfo(0, 0, 0).attr_str(3, "ab").begin(18).attr_str(1, "veth").end();
        let b = m.finish(7);
        assert_eq!(u32::from_ne_bytes(b[0..4].try_into().unwrap()) as usize, b.len());
        assert_eq!(b.len() % 4, 0);
        // header 16 + ifinfo 16 + "ab\0" attr 8 + nest (4 + "veth\0" attr 12) = 56
        assert_eq!(b.len(), 56);
        assert_eq!(u16::from_ne_bytes(b[40..42].try_into().unwrap()), 16);
        let parsed = parse(&b);
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].0, 16);
        assert_eq!(parsed[0].1, 7);
    }

    #[test]
    fn parse_stops_at_garbage() {
        assert!(parse(&[1, 2, 3]).is_empty());
        let mut bad = vec![0u8; 16];
        bad[0] = 200;
        assert!(parse(&bad).is_empty());
    }
}

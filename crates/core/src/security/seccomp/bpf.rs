//! Classic BPF as seccomp uses it, and a tiny assembler with labels that resolves conditional
//! jumps longer than the 8-bit jt/jf fields can hold by routing them through `ja` trampolines.

/// `struct sock_filter` from <linux/filter.h>.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SockFilter {
    pub code: u16,
    pub jt: u8,
    pub jf: u8,
    pub k: u32,
}

pub const LD_W_ABS: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
pub const ALU_AND_K: u16 = 0x54; // BPF_ALU | BPF_AND | BPF_K
pub const JA: u16 = 0x05; // BPF_JMP | BPF_JA
pub const JEQ_K: u16 = 0x15;
pub const JGT_K: u16 = 0x25;
pub const JGE_K: u16 = 0x35;
pub const RET_K: u16 = 0x06;

/// The kernel refuses longer programs (BPF_MAXINSNS).
pub const MAX_INSNS: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label(usize);

#[derive(Debug, Clone, Copy)]
enum Item {
    Bind(Label),
    Stmt { code: u16, k: u32 },
    Jump { code: u16, k: u32, jt: Label, jf: Label },
    Ja(Label),
}

#[derive(Debug, Default)]
pub struct Asm {
    items: Vec<Item>,
    labels: usize,
}

impl Asm {
    pub fn label(&mut self) -> Label {
        self.labels += 1;
        Label(self.labels - 1)
    }

    pub fn bind(&mut self, l: Label) {
        self.items.push(Item::Bind(l));
    }

    /// A = 32-bit word at `offset` of struct seccomp_data.
    pub fn load(&mut self, offset: u32) {
        self.items.push(Item::Stmt { code: LD_W_ABS, k: offset });
    }

    pub fn and(&mut self, k: u32) {
        self.items.push(Item::Stmt { code: ALU_AND_K, k });
    }

    pub fn ret(&mut self, k: u32) {
        self.items.push(Item::Stmt { code: RET_K, k });
    }

    /// if (A <cond> k) goto jt else goto jf; `code` is one of JEQ_K/JGT_K/JGE_K.
    pub fn jump(&mut self, code: u16, k: u32, jt: Label, jf: Label) {
        self.items.push(Item::Jump { code, k, jt, jf });
    }

    pub fn ja(&mut self, l: Label) {
        self.items.push(Item::Ja(l));
    }

    /// Lay the program out. Every label used must have been bound after its jumps (BPF only
    /// jumps forward); that is a compiler bug, hence the panic rather than an error.
    pub fn finish(mut self) -> Vec<SockFilter> {
        loop {
            let pos = self.positions();
            // A conditional jump whose target is too far gets a trampoline right after it:
            // safe because a conditional jump never falls through (both targets are labels).
            let mut fixes = Vec::new();
            let mut at = 0usize;
            for (i, item) in self.items.iter().enumerate() {
                match *item {
                    Item::Bind(_) => continue,
                    Item::Jump { jt, jf, .. } => {
                        let far = |l: Label| pos[l.0].expect("unbound label") - (at + 1) > 255;
                        if far(jt) || far(jf) {
                            fixes.push((i, far(jt), far(jf)));
                        }
                    }
                    _ => {}
                }
                at += 1;
            }
            if fixes.is_empty() {
                return self.emit(&pos);
            }
            for (i, fix_t, fix_f) in fixes.into_iter().rev() {
                let Item::Jump { code, k, jt, jf } = self.items[i] else { unreachable!() };
                let mut tramp = Vec::new();
                let (mut njt, mut njf) = (jt, jf);
                if fix_t {
                    njt = self.label();
                    tramp.extend([Item::Bind(njt), Item::Ja(jt)]);
                }
                if fix_f {
                    njf = self.label();
                    tramp.extend([Item::Bind(njf), Item::Ja(jf)]);
                }
                self.items[i] = Item::Jump { code, k, jt: njt, jf: njf };
                self.items.splice(i + 1..i + 1, tramp);
            }
        }
    }

    fn positions(&self) -> Vec<Option<usize>> {
        let mut pos = vec![None; self.labels];
        let mut at = 0;
        for item in &self.items {
            match item {
                Item::Bind(l) => pos[l.0] = Some(at),
                _ => at += 1,
            }
        }
        pos
    }

    fn emit(&self, pos: &[Option<usize>]) -> Vec<SockFilter> {
        let mut out = Vec::with_capacity(self.items.len());
        for item in &self.items {
            let at = out.len();
            let rel = |l: &Label| {
                let target = pos[l.0].expect("unbound label");
                assert!(target > at, "backward jump");
                target - at - 1
            };
            match item {
                Item::Bind(_) => continue,
                Item::Stmt { code, k } => out.push(SockFilter { code: *code, jt: 0, jf: 0, k: *k }),
                Item::Jump { code, k, jt, jf } => out.push(SockFilter { code: *code, jt: rel(jt) as u8, jf: rel(jf) as u8, k: *k }),
                Item::Ja(l) => out.push(SockFilter { code: JA, jt: 0, jf: 0, k: rel(l) as u32 }),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_jumps_are_direct() {
        let mut a = Asm::default();
        let (t, f) = (a.label(), a.label());
        a.load(0);
        a.jump(JEQ_K, 7, t, f);
        a.bind(t);
        a.ret(1);
        a.bind(f);
        a.ret(2);
        let p = a.finish();
        assert_eq!(p.len(), 4);
        assert_eq!((p[1].jt, p[1].jf), (0, 1));
    }

    #[test]
    fn long_jumps_get_trampolines() {
        let mut a = Asm::default();
        let (t, f) = (a.label(), a.label());
        a.load(0);
        a.jump(JEQ_K, 7, t, f);
        a.bind(f);
        for _ in 0..300 {
            a.ret(9);
        }
        a.bind(t);
        a.ret(1);
        let p = a.finish();
        assert_eq!(p.len(), 1 + 1 + 1 + 300 + 1);
        // jt goes to the trampoline (next insn), which jumps 300 further to `t`.
        assert_eq!((p[1].jt, p[1].jf), (0, 1));
        assert_eq!(p[2].code, JA);
        assert_eq!(2 + 1 + p[2].k as usize, p.len() - 1);
        assert_eq!(p[p.len() - 1], SockFilter { code: RET_K, jt: 0, jf: 0, k: 1 });
    }
}

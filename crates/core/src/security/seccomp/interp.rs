//! A classic-BPF interpreter for the instructions the compiler emits, so tests can check a
//! filter's decision for any (arch, nr, args) without installing it.

use super::bpf::*;

pub struct Data {
    pub nr: u32,
    pub arch: u32,
    pub args: [u64; 6],
}

impl Data {
    fn word(&self, off: u32) -> u32 {
        match off {
            0 => self.nr,
            4 => self.arch,
            8 | 12 => 0,
            o if (16..64).contains(&o) && o % 4 == 0 => {
                let a = self.args[((o - 16) / 8) as usize];
                if o % 8 == 0 {
                    a as u32
                } else {
                    (a >> 32) as u32
                }
            }
            o => panic!("load from bad offset {o}"),
        }
    }
}

pub fn run(prog: &[SockFilter], d: &Data) -> u32 {
    let mut a: u32 = 0;
    let mut pc = 0usize;
    loop {
        let i = prog[pc];
        pc += 1;
        match i.code {
            LD_W_ABS => a = d.word(i.k),
            ALU_AND_K => a &= i.k,
            RET_K => return i.k,
            JA => pc += i.k as usize,
            JEQ_K | JGT_K | JGE_K => {
                let hit = match i.code {
                    JEQ_K => a == i.k,
                    JGT_K => a > i.k,
                    _ => a >= i.k,
                };
                pc += if hit { i.jt } else { i.jf } as usize;
            }
            c => panic!("unexpected opcode {c:#x}"),
        }
    }
}

//! The contract as TypeScript: the CLI's `ErrorCode` union, each code's exit status and the
//! runtime's kinds. Written to src/generated/error-codes.ts by `npm run gen:errors`; a test
//! here fails when the committed file differs, so the two cannot drift.

use crate::{ErrorCode, Kind};

/// Where the generated file lives, from the workspace root.
pub const TS_PATH: &str = "src/generated/error-codes.ts";

/// The file's text, formatted as biome formats it (biome.jsonc: single quotes, no semicolons).
pub fn typescript() -> String {
    let mut codes: Vec<ErrorCode> = ErrorCode::ALL.to_vec();
    codes.sort_by_key(|c| c.as_str());
    let mut out = String::new();
    out.push_str("// Generated from crates/errors by `npm run gen:errors`: do not edit. `cargo test -p tsc-box-errors`\n");
    out.push_str("// fails when this file is not what the crate generates.\n\n");
    out.push_str("/** Every error code a user can see: `{\"error\": {\"code\"}}` under --json. */\n");
    out.push_str("export type ErrorCode =\n");
    for c in &codes {
        out.push_str(&format!("  | '{c}'\n"));
    }
    out.push_str("\n/** docker's exit status for a failure with each code. */\n");
    out.push_str("export const EXIT_STATUS: {readonly [C in ErrorCode]: number} = {\n");
    for c in &codes {
        out.push_str(&format!("  {c}: {},\n", c.exit_status()));
    }
    out.push_str("}\n");
    out.push_str("\n/** The runtime's error kinds (the `kind` of its JSON log's error line): a failure of kind K is the code `runtime_K`. */\n");
    let kinds: Vec<String> = Kind::ALL.iter().map(|k| format!("'{}'", k.as_str())).collect();
    out.push_str(&format!("export const RUNTIME_KINDS = [{}] as const\n", kinds.join(", ")));
    out.push_str("export type RuntimeKind = (typeof RUNTIME_KINDS)[number]\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_typescript_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(TS_PATH);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(committed == typescript(), "{} is stale: run `npm run gen:errors` and commit it", path.display());
    }

    #[test]
    fn every_code_and_kind_is_emitted() {
        let ts = typescript();
        for &c in ErrorCode::ALL {
            assert!(ts.contains(&format!("  | '{c}'\n")) && ts.contains(&format!("  {c}: {},\n", c.exit_status())), "{c}");
        }
        for k in Kind::ALL {
            assert!(ts.contains(&format!("'{}'", k.as_str())));
        }
    }
}

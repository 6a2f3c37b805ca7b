//! `tsc-box cp [-a] [-L] [-q] SRC DEST` (tsc_box_containers::cp, the code the Node CLI calls
//! through the binding too), without starting Node, for a running container (reached through
//! its init). A stopped one's overlay must be mounted first, which the Node CLI does: that
//! case goes to Node.

use tsc_box_containers::cp::command::{self, Place};
use tsc_box_containers::cp::CpOptions;
use tsc_box_containers::Coded;

use super::{argv, ErrorCode, FrontError, Outcome};

pub fn run(args: &[String]) -> Result<Outcome, FrontError> {
    let p = argv::parse("cp", args)?;
    if p.bool("help") {
        return Ok(Outcome::ToNode);
    }
    let [src, dest] = p.rest.as_slice() else {
        return Err(FrontError::usage(
            ErrorCode::InvalidUsage,
            &format!("\"tsc-box cp\" requires exactly 2 arguments, got {}\nSee 'tsc-box cp --help'.", p.rest.len()),
        ));
    };
    let fail = |e: &dyn Coded| FrontError::Input { code: e.code(), msg: e.to_string() };
    let paths = p.paths();
    let (d, v) = command::target(&paths, src, dest).map_err(|e| fail(&e))?;
    let place = command::place(&paths, &v);
    if matches!(place, Place::Stopped(_)) {
        return Ok(Outcome::ToNode);
    }
    let o = CpOptions { archive: p.bool("archive"), follow_link: p.bool("follow-link") };
    command::run(&d, &place, o).map_err(|e| fail(&e))?;
    if p.bool("json") {
        println!("{}", serde_json::json!({"id": v.id, "name": v.name}));
    }
    Ok(Outcome::Exit(0))
}

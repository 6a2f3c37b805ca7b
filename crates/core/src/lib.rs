//! The container core of tsc-box: everything `tsc-box-runtime` needs to turn an OCI bundle
//! into a running, isolated process.

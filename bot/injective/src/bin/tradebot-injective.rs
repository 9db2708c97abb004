//! Ops CLI (filled in below).
fn main() {}

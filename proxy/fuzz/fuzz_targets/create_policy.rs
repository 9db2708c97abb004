//! Arbitrary bytes as a container-create body, against the shipped policy. Panics only when an
//! invariant of `invariants::create_policy` breaks (an accepted body that is not hardened, or
//! whose canonical form is not a fixed point).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tradebot_socket_proxy::{invariants, policy::Policy};

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| {
        Policy::from_toml(include_str!("../../policy.toml")).expect("shipped policy parses")
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = invariants::create_policy(policy(), data);
});

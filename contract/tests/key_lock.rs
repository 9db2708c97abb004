//! Each key is locked on a page of its own: dropping one key leaves the others locked.
//! Measured from the kernel's own count (`VmLck` in /proc/self/status), so this file holds one
//! test: no other test of this process locks or unlocks memory meanwhile.

#![allow(clippy::unwrap_used)] // helper outside a #[test] fn

use tradebot_contract::key::PrivateKey;

/// Locked memory of this process, in KiB.
fn locked_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmLck:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn every_key_locks_its_own_page_and_unlocks_only_it() {
    let start = locked_kib();
    let a = PrivateKey::generate();
    let b = PrivateKey::from_hex(&a.to_hex()).unwrap();
    if !(a.is_locked() && b.is_locked()) {
        // RLIMIT_MEMLOCK forbids locking here: the keys say so and nothing is locked.
        assert_eq!(locked_kib(), start);
        eprintln!("RLIMIT_MEMLOCK forbids mlock: only the unlocked path was checked");
        return;
    }
    assert_eq!(locked_kib(), start + 8, "two keys, two pages");
    drop(a);
    assert_eq!(locked_kib(), start + 4, "b's page is still locked");
    assert!(b.is_locked());
    drop(b);
    assert_eq!(locked_kib(), start);
}

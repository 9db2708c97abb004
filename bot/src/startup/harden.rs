//! Process hardening before any secret is in memory.

/// Not dumpable (no core dumps, no ptrace attach by same-uid processes, /proc/self/mem closed)
/// and no core files. Failures are logged, not fatal: a kernel may refuse, and the container
/// is already hardened by the proxy's policy.
pub fn harden_process() {
    use rustix::process::{set_dumpable_behavior, setrlimit, DumpableBehavior, Resource, Rlimit};
    if let Err(e) = set_dumpable_behavior(DumpableBehavior::NotDumpable) {
        tracing::warn!(error = %e, "PR_SET_DUMPABLE 0 failed");
    }
    if let Err(e) = setrlimit(
        Resource::Core,
        Rlimit {
            current: Some(0),
            maximum: Some(0),
        },
    ) {
        tracing::warn!(error = %e, "RLIMIT_CORE 0 failed");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hardening_applies() {
        super::harden_process();
        let dumpable = rustix::process::dumpable_behavior().unwrap();
        assert_eq!(dumpable, rustix::process::DumpableBehavior::NotDumpable);
        let core = rustix::process::getrlimit(rustix::process::Resource::Core);
        assert_eq!(core.current, Some(0));
    }
}

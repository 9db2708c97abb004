use super::*;

fn exited(code: i64) -> Evidence {
    Evidence {
        exit_code: Some(code),
        ..Evidence::default()
    }
}

#[test]
fn every_exit_code_of_the_bot_has_its_row() {
    let table = [
        (1, Ending::VenueFailed, Next::Restart),
        (2, Ending::BadSpec, Next::Fail),
        (10, Ending::Tampering, Next::Fail),
        (11, Ending::VaultUnreachable, Next::Restart),
        (12, Ending::VaultRefused, Next::Fail),
        (13, Ending::MalformedKey, Next::Fail),
        (14, Ending::StartupConfig, Next::Fail),
        (20, Ending::Stuck, Next::Fail),
        (21, Ending::PermissionGone, Next::Fail),
        (19, Ending::OtherExit(Some(19)), Next::Restart),
        (22, Ending::OtherExit(Some(22)), Next::Restart),
        (3, Ending::OtherExit(Some(3)), Next::Restart),
        (128, Ending::OtherExit(Some(128)), Next::Restart),
        (129, Ending::Signal(1), Next::Restart),
        (137, Ending::Signal(9), Next::Restart),
        (143, Ending::Signal(15), Next::Restart),
        (192, Ending::Signal(64), Next::Restart),
        (193, Ending::OtherExit(Some(193)), Next::Restart),
    ];
    for (code, ending, next) in table {
        let v = Verdict::of(&exited(code), Seen::Live);
        assert_eq!((v.ending, v.next), (ending, next), "exit code {code}");
        assert_eq!(v.exit_code, Some(code));
        assert!(!v.advice.is_empty());
    }
    let kill = Verdict::of(&exited(137), Seen::Live);
    assert_eq!(kill.says, "killed by signal SIGKILL (exit code 137)");
    let none = Verdict::of(&Evidence::default(), Seen::Live);
    assert_eq!(
        (none.ending, none.next),
        (Ending::OtherExit(None), Next::Restart)
    );
}

#[test]
fn exit_zero_is_an_outside_stop_only_after_the_bots_own_signal_stop() {
    for (event, ending) in [
        (Some("sigterm"), Ending::StoppedOutside),
        (Some("sigint"), Ending::StoppedOutside),
        (Some("end_of_data"), Ending::Finished),
        (Some("finished"), Ending::Finished),
        (None, Ending::Finished),
    ] {
        let e = Evidence {
            stopped_event: event.map(str::to_owned),
            ..exited(0)
        };
        let v = Verdict::of(&e, Seen::Live);
        assert_eq!((v.ending, v.next), (ending, Next::StayStopped), "{event:?}");
    }
    let outside = Evidence {
        stopped_event: Some("sigterm".into()),
        ..exited(0)
    };
    assert!(Verdict::of(&outside, Seen::Live)
        .says
        .starts_with("stopped outside the dashboard"));
    // A signal stop that did not exit 0 (grace period over) is not an orderly outside stop.
    let late = Evidence {
        stopped_event: Some("sigterm".into()),
        ..exited(137)
    };
    assert_eq!(Ending::classify(&late), Ending::Signal(9));
}

#[test]
fn an_operator_stop_wins_then_removal_then_memory() {
    let e = Evidence {
        exit_code: Some(137),
        oom_killed: true,
        gone: true,
        stopped_event: None,
        by_operator: Some("bob".into()),
    };
    let v = Verdict::of(&e, Seen::Live);
    assert_eq!(
        (v.ending, v.next),
        (Ending::StoppedByOperator, Next::StayStopped)
    );
    assert!(
        v.says.starts_with("stopped by bob (exit code 137"),
        "{}",
        v.says
    );
    let clean = Evidence {
        by_operator: Some("bob".into()),
        ..exited(0)
    };
    assert_eq!(
        Verdict::of(&clean, Seen::Live).says,
        "stopped by bob (exit code 0)"
    );
    let gone = Evidence {
        by_operator: None,
        ..e.clone()
    };
    assert_eq!(Ending::classify(&gone), Ending::RemovedOutside);
    assert_eq!(Verdict::of(&gone, Seen::Live).next, Next::Fail);
    let oom = Evidence {
        gone: false,
        ..gone
    };
    assert_eq!(Ending::classify(&oom), Ending::OutOfMemory);
    assert_eq!(Verdict::of(&oom, Seen::Live).next, Next::Restart);
}

#[test]
fn when_it_was_seen_is_said_and_does_not_change_what_comes_next() {
    let down = Verdict::of(&exited(137), Seen::WhileDown);
    assert_eq!(
        down.says,
        "while the dashboard was down: killed by signal SIGKILL (exit code 137)"
    );
    assert_eq!(down.next, Next::Restart);
    let gap = Verdict::of(&exited(137), Seen::AfterGap);
    assert!(gap
        .says
        .ends_with("(seen when the engine's event stream came back)"));
    assert_eq!(gap.next, Next::Restart);
}

#[test]
fn the_docs_table_has_every_kind() {
    let docs = include_str!("../../../docs/DASHBOARD.md");
    let kinds = [
        Ending::StoppedByOperator,
        Ending::StoppedOutside,
        Ending::Finished,
        Ending::VenueFailed,
        Ending::BadSpec,
        Ending::Tampering,
        Ending::VaultUnreachable,
        Ending::VaultRefused,
        Ending::MalformedKey,
        Ending::StartupConfig,
        Ending::Stuck,
        Ending::PermissionGone,
        Ending::OtherExit(None),
        Ending::Signal(9),
        Ending::OutOfMemory,
        Ending::RemovedOutside,
    ];
    for k in kinds {
        assert!(
            docs.contains(&format!("`{}`", k.kind())),
            "docs/DASHBOARD.md has no row for `{}`",
            k.kind()
        );
    }
}

//! The policy's arithmetic at its boundaries, without mocks.

use chrono::TimeZone;

use super::*;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0)
        .single()
        .expect("time")
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn temporary() -> MailError {
    MailError::Transient("451 4.3.0 try later".into())
}

#[test]
fn a_temporary_failure_is_retried_after_the_backoff_doubled_per_earlier_try() {
    let policy = SendPolicy {
        max_tries: 4,
        retry_backoff: secs(10),
        ..SendPolicy::default()
    };
    let at = t0();
    let step = |tries| policy.next_step(tries, &temporary(), at);
    assert_eq!(
        step(1),
        NextStep::RetryAt(at + chrono::Duration::seconds(10))
    );
    assert_eq!(
        step(2),
        NextStep::RetryAt(at + chrono::Duration::seconds(20))
    );
    assert_eq!(
        step(3),
        NextStep::RetryAt(at + chrono::Duration::seconds(40))
    );
    assert_eq!(step(4), NextStep::Done, "the fourth try was the last");
}

#[test]
fn permanent_failures_and_unknown_outcomes_are_never_retried() {
    let policy = SendPolicy::default();
    for error in [
        MailError::Permanent("550 no".into()),
        MailError::UnknownOutcome("connection lost after the body".into()),
    ] {
        assert_eq!(policy.next_step(1, &error, t0()), NextStep::Done);
    }
}

#[test]
fn huge_backoffs_and_try_counts_are_capped_instead_of_overflowing() {
    let policy = SendPolicy {
        max_tries: u32::MAX,
        retry_backoff: Duration::MAX,
        ..SendPolicy::default()
    };
    assert_eq!(policy.retry_delay(1), MAX_RETRY_DELAY);
    assert_eq!(policy.retry_delay(u32::MAX), MAX_RETRY_DELAY);
    let small = SendPolicy {
        retry_backoff: secs(1),
        ..SendPolicy::default()
    };
    assert_eq!(small.retry_delay(200), MAX_RETRY_DELAY);
    assert_eq!(small.retry_delay(0), secs(1));
    // Near the end of time, a retry is as late as time goes.
    let end = DateTime::<Utc>::MAX_UTC - chrono::Duration::seconds(1);
    assert_eq!(
        policy.next_step(1, &temporary(), end),
        NextStep::RetryAt(DateTime::<Utc>::MAX_UTC)
    );
}

#[test]
fn only_a_temporary_failure_is_retried_whatever_else_went_wrong() {
    let policy = SendPolicy::default();
    let cases = [
        (temporary(), true),
        (MailError::Permanent("554 message refused".into()), false),
        (
            MailError::AddressRefused("550 5.1.1 user unknown".into()),
            false,
        ),
        (
            MailError::UnknownOutcome("connection lost after the body".into()),
            false,
        ),
        (
            MailError::LoginFailed("535 5.7.8 bad credentials".into()),
            false,
        ),
    ];
    for (error, retried) in cases {
        let step = policy.next_step(1, &error, t0());
        assert_eq!(matches!(step, NextStep::RetryAt(_)), retried, "{error:?}");
    }
}

#[test]
fn the_try_at_the_limit_is_the_last_and_tries_beyond_it_are_done() {
    let policy = SendPolicy {
        max_tries: 3,
        retry_backoff: secs(10),
        ..SendPolicy::default()
    };
    let step = |tries| policy.next_step(tries, &temporary(), t0());
    assert_eq!(
        step(2),
        NextStep::RetryAt(t0() + chrono::Duration::seconds(20))
    );
    assert_eq!(step(3), NextStep::Done);
    // Tried more often under an earlier, larger max_tries.
    assert_eq!(step(4), NextStep::Done);
    assert_eq!(step(u32::MAX), NextStep::Done);
    let once = SendPolicy {
        max_tries: 1,
        ..SendPolicy::default()
    };
    assert_eq!(once.next_step(1, &temporary(), t0()), NextStep::Done);
}

#[test]
fn a_backoff_whose_doubling_overflows_waits_the_longest_retry_delay() {
    let longest = t0() + chrono::Duration::from_std(MAX_RETRY_DELAY).expect("a week");
    // 2^32 overflows the doubling factor.
    let many = SendPolicy {
        max_tries: u32::MAX,
        retry_backoff: secs(1),
        ..SendPolicy::default()
    };
    assert_eq!(
        many.next_step(33, &temporary(), t0()),
        NextStep::RetryAt(longest)
    );
    // The backoff times the factor overflows a Duration.
    let huge = SendPolicy {
        retry_backoff: Duration::MAX,
        ..SendPolicy::default()
    };
    assert_eq!(
        huge.next_step(2, &temporary(), t0()),
        NextStep::RetryAt(longest)
    );
}

#[test]
fn leases_and_their_renewal_never_overflow() {
    let policy = SendPolicy {
        lease: Duration::MAX,
        ..SendPolicy::default()
    };
    assert_eq!(policy.lease_until(t0()), DateTime::<Utc>::MAX_UTC);
    assert_eq!(policy.renew_at(t0()), DateTime::<Utc>::MAX_UTC);
    let normal = SendPolicy::default();
    assert_eq!(
        normal.lease_until(t0()),
        t0() + chrono::Duration::seconds(60)
    );
    assert_eq!(normal.renew_at(t0()), t0() + chrono::Duration::seconds(20));
}

#[test]
fn a_failing_store_is_retried_with_doubling_waits_until_patience_runs_out() {
    let policy = SendPolicy {
        store_patience: secs(10),
        ..SendPolicy::default()
    };
    assert_eq!(
        policy.store_retry_wait(1, Duration::ZERO),
        Some(Duration::from_millis(250))
    );
    assert_eq!(
        policy.store_retry_wait(2, secs(1)),
        Some(Duration::from_millis(500))
    );
    assert_eq!(policy.store_retry_wait(9, secs(2)), Some(secs(5)), "capped");
    assert_eq!(
        policy.store_retry_wait(9, Duration::from_millis(9_900)),
        Some(Duration::from_millis(100)),
        "never past the patience"
    );
    assert_eq!(policy.store_retry_wait(3, secs(10)), None);
    assert_eq!(policy.store_retry_wait(u32::MAX, secs(11)), None);
    assert_eq!(
        policy.store_retry_wait(u32::MAX, Duration::ZERO),
        Some(secs(5))
    );
}

#[test]
fn policies_out_of_bounds_are_refused_naming_the_value() {
    let field = |p: SendPolicy| p.validate().map_err(|e| e.field);
    assert_eq!(field(SendPolicy::default()), Ok(()));
    let cases = [
        (
            SendPolicy {
                lease: MAX_LEASE + secs(1),
                ..SendPolicy::default()
            },
            "lease",
        ),
        (
            SendPolicy {
                lease: Duration::ZERO,
                ..SendPolicy::default()
            },
            "lease",
        ),
        (
            SendPolicy {
                retry_backoff: Duration::MAX,
                ..SendPolicy::default()
            },
            "retry_backoff",
        ),
        (
            SendPolicy {
                store_patience: Duration::MAX,
                ..SendPolicy::default()
            },
            "store_patience",
        ),
        (
            SendPolicy {
                max_tries: 0,
                ..SendPolicy::default()
            },
            "max_tries",
        ),
        (
            SendPolicy {
                max_tries: MAX_TRIES + 1,
                ..SendPolicy::default()
            },
            "max_tries",
        ),
    ];
    for (policy, expected) in cases {
        assert_eq!(field(policy), Err(expected));
    }
}

//! Logs: to stderr, filtered by `RUST_LOG`, never below `info` for crates
//! that would log secrets.

/// Logs go to stderr, filtered by `RUST_LOG` (errors only by default).
pub fn init() {
    use tracing_subscriber::util::SubscriberInitExt;
    subscriber(std::env::var("RUST_LOG").ok().as_deref(), std::io::stderr).init();
}

/// Crates whose logs below `info` are dropped whatever `RUST_LOG` says:
/// with its `tracing` feature on (any crate in the tree may turn it on),
/// lettre logs every line it writes at `debug`, `AUTH PLAIN <base64 of
/// user and password>` included.
const CAPPED_AT_INFO: &[&str] = &["lettre"];

/// The log subscriber: `rust_log`'s filter (`error` when unset or
/// malformed), and the cap of [`CAPPED_AT_INFO`] on top, which no
/// directive can lift.
fn subscriber<W>(rust_log: Option<&str>, writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    use tracing_subscriber::layer::SubscriberExt;
    let filter = rust_log
        .and_then(|directives| tracing_subscriber::EnvFilter::try_new(directives).ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new("error"));
    let cap = tracing_subscriber::filter::filter_fn(|meta| {
        *meta.level() <= tracing::Level::INFO
            || !CAPPED_AT_INFO.iter().any(|capped| {
                meta.target()
                    .strip_prefix(capped)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
            })
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .finish()
        .with(cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `rust_log`'s subscriber logs of a few events, kept in a file
    /// (tracing writes to a `File` as it is, no writer of our own needed).
    fn logged(rust_log: Option<&str>) -> String {
        let file = tempfile::NamedTempFile::new().expect("log file");
        let writer = file.reopen().expect("log file");
        let subscriber = subscriber(rust_log, writer);
        tracing::subscriber::with_default(subscriber, || {
            tracing::callsite::rebuild_interest_cache();
            // What lettre logs (with its `tracing` feature) when it authenticates.
            tracing::debug!(
                target: "lettre::transport::smtp::client::async_connection",
                "Wrote: AUTH PLAIN AHVzZXIAU0VDUkVU\\r\\n"
            );
            tracing::trace!(target: "lettre", "lettre trace");
            tracing::info!(target: "lettre::transport", "lettre info");
            tracing::debug!(target: "lettres", "another crate's debug");
            tracing::debug!(target: "postpilot", "our own debug");
        });
        std::fs::read_to_string(file.path()).expect("logs")
    }

    #[test]
    fn lettre_below_info_is_never_logged_whatever_rust_log_says() {
        // (RUST_LOG, whether it asks for debug logs of everything else)
        for (rust_log, debug_elsewhere) in [
            ("trace", true),
            ("lettre=trace", false),
            ("lettre::transport::smtp=trace,debug", true),
            ("debug,lettre=debug", true),
        ] {
            let logs = logged(Some(rust_log));
            assert!(!logs.contains("AUTH PLAIN"), "{rust_log}: {logs}");
            assert!(!logs.contains("lettre trace"), "{rust_log}: {logs}");
            assert!(
                logs.contains("lettre info"),
                "{rust_log}: info still shows: {logs}"
            );
            assert_eq!(
                logs.contains("our own debug"),
                debug_elsewhere,
                "{rust_log}: {logs}"
            );
            // Only lettre is capped, not a crate whose name starts alike
            // (which RUST_LOG's `lettre=` also enables).
            assert!(logs.contains("another crate's debug"), "{rust_log}: {logs}");
        }
    }

    #[test]
    fn errors_only_are_logged_without_rust_log_or_with_a_malformed_one() {
        for rust_log in [None, Some("not a [valid filter")] {
            let logs = logged(rust_log);
            assert!(logs.is_empty(), "{rust_log:?}: {logs}");
        }
    }
}

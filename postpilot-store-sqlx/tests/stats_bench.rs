//! The home-page statistics on big data, on each backend: fills 1,000,000
//! recipients, 1,000 mailings of 1,000 recipients each (neighbours overlap
//! by 300, so 700,300 distinct), 900 of them launched once, and 10,000,000
//! attempts (90 % successes) with bulk SQL, then times `stats(now)` through
//! the real store: the median of 20 calls after 3 warm-up calls, against a
//! goal of 50 ms. Ignored by default; `bench/stats.sh` runs it in release
//! mode. `BENCH_SCALE` divides every size (e.g. 100 for a quick run).

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use postpilot_core::domain::Stats;
use postpilot_core::ports::StatsRepository;
use postpilot_store_sqlx::testing::ScratchDatabase;
use postpilot_store_sqlx::{PgStore, SqliteStore};

const GOAL: Duration = Duration::from_millis(50);
const WARM_UP: usize = 3;
const CALLS: usize = 20;

/// The sizes of the data, and what the statistics must say about it.
struct Sizes {
    recipients: i64,
    mailings: i64,
    members: i64,
    step: i64,
    attempts: i64,
}

impl Sizes {
    fn from_env() -> Self {
        let scale: i64 = std::env::var("BENCH_SCALE")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1)
            .max(1);
        Self {
            recipients: 1_000_000 / scale,
            mailings: 1_000,
            members: 1_000 / scale.min(100),
            step: 700 / scale.min(100),
            attempts: 10_000_000 / scale,
        }
    }

    /// Mailing `m` (1-based) has recipients `(m-1)*step + 1 ..= (m-1)*step + members`.
    fn unique_recipients(&self) -> i64 {
        (self.mailings - 1) * self.step + self.members
    }

    /// Every tenth mailing is never launched; launched mailing `m` ends
    /// `m - 500` days from now, so those with `m > 500` are active.
    fn active(&self) -> i64 {
        (501..=self.mailings).filter(|m| m % 10 != 0).count() as i64
    }

    fn expected(&self) -> Stats {
        let success = self.attempts - self.attempts / 10;
        Stats {
            mailings_total: self.mailings as u64,
            mailings_active: self.active() as u64,
            unique_recipients: self.unique_recipients() as u64,
            recipients_total: self.recipients as u64,
            messages_total: 1,
            attempts_total: self.attempts as u64,
            attempts_success: success as u64,
            attempts_failure: (self.attempts - success) as u64,
        }
    }

    /// The sizes every fill statement may use, as `$1`..`$5`.
    fn params(&self) -> [i64; 5] {
        [
            self.recipients,
            self.mailings,
            self.members,
            self.step,
            self.attempts,
        ]
    }
}

/// The moment the statistics are asked for.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0)
        .single()
        .expect("valid time")
}

/// SQLite: recursive CTEs; times in µs, `$6` is now. Mailing `m` ends
/// `m - 500` days from now; run `r` belongs to the `r`-th launched mailing.
const SQLITE_FILL: &[(&str, &str)] = &[
    (
        "recipients",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         INSERT INTO recipient (email, full_name, comment) \
         SELECT 'user' || i || '@example.com', 'Получатель ' || i, '' FROM n",
    ),
    (
        "message",
        "INSERT INTO message (subject, body_text, created_at) \
         VALUES ('Скидки недели', 'Здравствуйте!', $6)",
    ),
    (
        "mailings",
        "WITH RECURSIVE n(m) AS (SELECT 1 UNION ALL SELECT m + 1 FROM n WHERE m < $2) \
         INSERT INTO mailing (first_sent_at, sent_completed_at, message_id, launched_at) \
         SELECT $6 + (m - 530) * 86400000000, $6 + (m - 500) * 86400000000, 1, \
                CASE WHEN m % 10 = 0 THEN NULL ELSE $6 + (m - 530) * 86400000000 END \
         FROM n",
    ),
    (
        "members",
        "WITH RECURSIVE k(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM k WHERE j < $3) \
         INSERT INTO mailing_recipient (mailing_id, recipient_id) \
         SELECT m.id, (m.id - 1) * $4 + k.j FROM mailing AS m, k ORDER BY m.id, k.j",
    ),
    (
        "runs",
        "INSERT INTO send_run (mailing_id, \"trigger\", started_at, finished_at, total, sent) \
         SELECT id, 'cli', launched_at, launched_at + 3600000000, recipient_count, \
                recipient_count FROM mailing WHERE launched_at IS NOT NULL ORDER BY id",
    ),
    (
        "attempts",
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $5 - 1), \
              runs(c) AS (SELECT count(*) FROM send_run) \
         INSERT INTO send_attempt \
             (mailing_id, run_id, recipient_id, email, attempt_at, status, response) \
         SELECT r.mailing_id, r.id, mr.recipient_id, 'user' || mr.recipient_id || '@example.com', \
                r.started_at + i, \
                CASE WHEN i % 10 = 9 THEN 'failure' ELSE 'success' END, \
                CASE WHEN i % 10 = 9 THEN '451 4.7.1 Try again later' \
                     ELSE '250 2.0.0 Ok: queued' END \
         FROM n, runs \
         JOIN send_run AS r ON r.id = 1 + n.i % runs.c \
         JOIN mailing_recipient AS mr \
           ON mr.mailing_id = r.mailing_id AND mr.recipient_id = (r.mailing_id - 1) * $4 + 1 \
              + (n.i / runs.c) % $3",
    ),
    (
        "run counters",
        "UPDATE send_run SET attempts_success = a.s, attempts_failure = a.f \
         FROM (SELECT run_id, sum(status = 'success') AS s, sum(status = 'failure') AS f \
               FROM send_attempt GROUP BY run_id) AS a \
         WHERE send_run.id = a.run_id",
    ),
    ("analyze", "ANALYZE"),
];

/// PostgreSQL: generate_series; `$6` is now. The same data as SQLite's.
const PG_FILL: &[(&str, &str)] = &[
    (
        "recipients",
        "INSERT INTO recipient (email, full_name, comment) \
         SELECT 'user' || i || '@example.com', 'Получатель ' || i, '' \
         FROM generate_series(1, $1) AS i",
    ),
    (
        "message",
        "INSERT INTO message (subject, body_text, created_at) \
         VALUES ('Скидки недели', 'Здравствуйте!', $6)",
    ),
    (
        "mailings",
        "INSERT INTO mailing (first_sent_at, sent_completed_at, message_id, launched_at) \
         SELECT $6 + (m - 530) * interval '1 day', $6 + (m - 500) * interval '1 day', 1, \
                CASE WHEN m % 10 = 0 THEN NULL ELSE $6 + (m - 530) * interval '1 day' END \
         FROM generate_series(1, $2) AS m",
    ),
    (
        "members",
        "INSERT INTO mailing_recipient (mailing_id, recipient_id) \
         SELECT m.id, (m.id - 1) * $4 + j FROM mailing AS m, generate_series(1, $3) AS j \
         ORDER BY m.id, j",
    ),
    (
        "runs",
        "INSERT INTO send_run (mailing_id, \"trigger\", started_at, finished_at, total, sent) \
         SELECT id, 'cli', launched_at, launched_at + interval '1 hour', recipient_count, \
                recipient_count FROM mailing WHERE launched_at IS NOT NULL ORDER BY id",
    ),
    (
        "attempts",
        "INSERT INTO send_attempt \
             (mailing_id, run_id, recipient_id, email, attempt_at, status, response) \
         SELECT r.mailing_id, r.id, mr.recipient_id, 'user' || mr.recipient_id || '@example.com', \
                r.started_at + i * interval '1 microsecond', \
                CASE WHEN i % 10 = 9 THEN 'failure' ELSE 'success' END, \
                CASE WHEN i % 10 = 9 THEN '451 4.7.1 Try again later' \
                     ELSE '250 2.0.0 Ok: queued' END \
         FROM generate_series(0, $5 - 1) AS i, (SELECT count(*) AS c FROM send_run) AS runs \
         JOIN send_run AS r ON true \
         JOIN mailing_recipient AS mr ON mr.mailing_id = r.mailing_id \
         WHERE r.id = 1 + i % runs.c \
           AND mr.recipient_id = (r.mailing_id - 1) * $4 + 1 + (i / runs.c) % $3",
    ),
    (
        "run counters",
        "UPDATE send_run SET attempts_success = a.s, attempts_failure = a.f \
         FROM (SELECT run_id, count(*) FILTER (WHERE status = 'success') AS s, \
                      count(*) FILTER (WHERE status = 'failure') AS f \
               FROM send_attempt GROUP BY run_id) AS a \
         WHERE send_run.id = a.run_id",
    ),
    ("vacuum", "VACUUM ANALYZE"),
];

/// Runs each fill statement, printing how long it took. The sizes go into
/// the SQL text as `$1`..`$5`; `now` is bound as `$6`.
async fn fill<DB, N>(pool: &sqlx::Pool<DB>, statements: &[(&str, &str)], sizes: &Sizes, now: N)
where
    DB: sqlx::Database,
    for<'c> &'c sqlx::Pool<DB>: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    N: Clone + Send + 'static + for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let started = Instant::now();
    for (what, sql) in statements {
        let step = Instant::now();
        let mut sql = (*sql).to_owned();
        for (i, size) in sizes.params().iter().enumerate() {
            sql = sql.replace(&format!("${}", i + 1), &size.to_string());
        }
        let sql = sql.replace("$6", "$1");
        let query = sqlx::query::<DB>(&sql);
        let query = if sql.contains("$1") {
            query.bind(now.clone())
        } else {
            query
        };
        query
            .execute(pool)
            .await
            .unwrap_or_else(|e| panic!("filling {what}: {e}"));
        eprintln!("  fill {what:<13} {:>8.1} s", step.elapsed().as_secs_f64());
    }
    eprintln!(
        "  fill total         {:>8.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// Times `stats(now)` and checks its figures; returns the median.
async fn time_stats<S: StatsRepository>(backend: &str, store: &S, sizes: &Sizes) -> Duration {
    for _ in 0..WARM_UP {
        store.stats(now()).await.expect("stats");
    }
    let mut times = Vec::with_capacity(CALLS);
    let mut stats = Stats::default();
    for _ in 0..CALLS {
        let started = Instant::now();
        stats = store.stats(now()).await.expect("stats");
        times.push(started.elapsed());
    }
    times.sort();
    let median = times[CALLS / 2];
    assert_eq!(
        stats,
        sizes.expected(),
        "{backend}: the figures match the data"
    );
    println!(
        "{backend:<10} stats median {:>7.3} ms (min {:.3}, max {:.3}; goal < {} ms): {}",
        median.as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[CALLS - 1].as_secs_f64() * 1e3,
        GOAL.as_millis(),
        if median < GOAL { "met" } else { "MISSED" }
    );
    median
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run it with bench/stats.sh"]
async fn home_page_statistics_on_big_data_on_sqlite() {
    let sizes = Sizes::from_env();
    let dir = tempfile::TempDir::new().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    SqliteStore::connect(&url)
        .await
        .expect("schema")
        .close()
        .await;
    eprintln!("SQLite fill:");
    let raw = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect(&format!("{url}?mode=rwc"))
        .await
        .expect("raw connection");
    // A bulk load: no WAL (it would hold the whole load), no fsync.
    for pragma in ["PRAGMA journal_mode = DELETE", "PRAGMA synchronous = OFF"] {
        sqlx::query(pragma).execute(&raw).await.expect("pragma");
    }
    fill(&raw, SQLITE_FILL, &sizes, now().timestamp_micros()).await;
    raw.close().await;
    let store = SqliteStore::connect(&url).await.expect("store");
    let median = time_stats("SQLite", &store, &sizes).await;
    store.close().await;
    assert!(median < GOAL, "SQLite statistics take {median:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run it with bench/stats.sh"]
async fn home_page_statistics_on_big_data_on_postgres() {
    let sizes = Sizes::from_env();
    let Some(database) = ScratchDatabase::create("statistics benchmark").await else {
        return;
    };
    PgStore::connect(database.url())
        .await
        .expect("schema")
        .close()
        .await;
    eprintln!("PostgreSQL fill:");
    let raw = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(database.url())
        .await
        .expect("raw connection");
    fill(&raw, PG_FILL, &sizes, now()).await;
    raw.close().await;
    let store = PgStore::connect(database.url()).await.expect("store");
    let median = time_stats("PostgreSQL", &store, &sizes).await;
    store.close().await;
    database.drop_database().await;
    assert!(median < GOAL, "PostgreSQL statistics take {median:?}");
}

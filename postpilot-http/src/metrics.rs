//! Prometheus metrics at `/metrics`: emails sent and failed (each try the
//! mailer makes), runs launched and finished, HTTP requests by route and
//! status. One registry per router, so tests never share counters.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use postpilot_core::ports::{MailError, Mailer, OutgoingEmail, ServerReply};
use postpilot_core::usecases::Pass;
use postpilot_core::Trigger;
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::state::{AppState, Wiring};

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: String,
    /// The route template (`/api/v1/recipients/{id}`), never the raw path.
    route: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RunLabels {
    trigger: String,
    resumed: String,
}

fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 4.0, 8))
}

/// The counters, cheap to clone (clones share them).
#[derive(Debug, Clone)]
pub(crate) struct Metrics {
    registry: Arc<Registry>,
    emails_sent: Counter,
    emails_failed: Counter,
    runs_launched: Family<RunLabels, Counter>,
    runs_finished: Counter,
    deliveries_running: Gauge,
    http_requests: Family<HttpLabels, Counter>,
    http_latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let emails_sent = Counter::default();
        let emails_failed = Counter::default();
        let runs_launched = Family::<RunLabels, Counter>::default();
        let runs_finished = Counter::default();
        let deliveries_running = Gauge::default();
        let http_requests = Family::<HttpLabels, Counter>::default();
        let http_latency: Family<RouteLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(latency_histogram);
        registry.register(
            "postpilot_emails_sent",
            "Emails the mail server accepted",
            emails_sent.clone(),
        );
        registry.register(
            "postpilot_emails_failed",
            "Tries to send an email that failed (each retry counts)",
            emails_failed.clone(),
        );
        registry.register(
            "postpilot_runs_launched",
            "Sending runs launched (or resumed) from the API, the UI or the schedule",
            runs_launched.clone(),
        );
        registry.register(
            "postpilot_runs_finished",
            "Sending runs the server's sender finished",
            runs_finished.clone(),
        );
        registry.register(
            "postpilot_deliveries_running",
            "Unfinished runs in the hands of the server's sender (it delivers one at a time)",
            deliveries_running.clone(),
        );
        registry.register(
            "postpilot_http_requests",
            "HTTP requests answered, by method, route and status",
            http_requests.clone(),
        );
        registry.register(
            "postpilot_http_request_duration_seconds",
            "Time to answer an HTTP request",
            http_latency.clone(),
        );
        Self {
            registry: Arc::new(registry),
            emails_sent,
            emails_failed,
            runs_launched,
            runs_finished,
            deliveries_running,
            http_requests,
            http_latency,
        }
    }

    pub fn run_launched(&self, trigger: Trigger, resumed: bool) {
        self.runs_launched
            .get_or_create(&RunLabels {
                trigger: trigger.code().to_owned(),
                resumed: resumed.to_string(),
            })
            .inc();
    }

    /// What a pass of the server's sender did: the runs the scheduler
    /// launched and those finished.
    pub fn pass_done(&self, pass: &Pass) {
        if pass.launched > 0 {
            self.runs_launched
                .get_or_create(&RunLabels {
                    trigger: Trigger::Schedule.code().to_owned(),
                    resumed: false.to_string(),
                })
                .inc_by(pass.launched as u64);
        }
        self.runs_finished.inc_by(pass.finished as u64);
    }

    pub fn deliveries_running(&self, runs: usize) {
        self.deliveries_running
            .set(i64::try_from(runs).unwrap_or(i64::MAX));
    }

    /// The text exposition of every metric.
    fn render(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

/// A mailer that counts what the one inside it does.
pub(crate) struct CountingMailer<M> {
    inner: M,
    metrics: Metrics,
}

impl<M> CountingMailer<M> {
    pub fn new(inner: M, metrics: Metrics) -> Self {
        Self { inner, metrics }
    }
}

impl<M> std::fmt::Debug for CountingMailer<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CountingMailer").finish_non_exhaustive()
    }
}

#[async_trait]
impl<M: Mailer> Mailer for CountingMailer<M> {
    async fn send(&self, email: &OutgoingEmail) -> Result<ServerReply, MailError> {
        let outcome = self.inner.send(email).await;
        match &outcome {
            Ok(_) => self.metrics.emails_sent.inc(),
            Err(_) => self.metrics.emails_failed.inc(),
        };
        outcome
    }

    fn preview(&self, email: &OutgoingEmail) -> Result<Vec<u8>, MailError> {
        self.inner.preview(email)
    }
}

/// Counts and times every request by its route template.
pub(crate) async fn track<W: Wiring>(
    State(app): State<AppState<W>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let metrics = app.metrics();
    metrics
        .http_latency
        .get_or_create(&RouteLabels {
            method: method.clone(),
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    metrics
        .http_requests
        .get_or_create(&HttpLabels {
            method,
            route,
            status: response.status().as_u16(),
        })
        .inc();
    response
}

/// `GET /metrics`.
pub(crate) async fn expose<W: Wiring>(State(app): State<AppState<W>>) -> Response {
    match app.metrics().render() {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                ),
            )],
            text,
        )
            .into_response(),
        Err(err) => {
            tracing::error!(error = %err, "rendering the metrics failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

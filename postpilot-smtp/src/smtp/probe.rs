//! The TCP stream under lettre's `AsyncSmtpConnection`, instrumented so the
//! session can tell *where* a failure happened.
//!
//! lettre's `message()` writes the body, writes the final `.`, then reads
//! the reply, and reports a failed write and a failed read alike (a
//! "network error"); a deadline that cuts it short says nothing at all. But
//! lettre reads only after everything is written: so if a read was
//! *attempted* since the body began, the final `.` had been handed to the
//! kernel, and the message may have been delivered. [`Activity`] records
//! exactly that (and, for the greeting, whether EHLO was attempted yet).
//!
//! The probe sits directly on the TCP socket, under any TLS: a TLS layer
//! reads only when its user reads (rustls does not read while writing), so
//! the inference holds through STARTTLS and implicit TLS too.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use lettre::transport::smtp::client::{AsyncTokioStream, TlsParameters};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Whether the stream was read from or written to since the last [`mark`](Activity::mark).
#[derive(Debug, Default)]
pub(crate) struct Activity {
    read: AtomicBool,
    written: AtomicBool,
}

// Relaxed is enough: the flags are set and read by the one task that owns
// the connection (and the executor orders a task's polls).
impl Activity {
    pub(crate) fn mark(&self) {
        self.read.store(false, Ordering::Relaxed);
        self.written.store(false, Ordering::Relaxed);
    }

    pub(crate) fn read_since_mark(&self) -> bool {
        self.read.load(Ordering::Relaxed)
    }

    pub(crate) fn written_since_mark(&self) -> bool {
        self.written.load(Ordering::Relaxed)
    }
}

/// A TCP stream that records its [`Activity`].
#[derive(Debug)]
pub(crate) struct ProbedStream {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl ProbedStream {
    pub(crate) fn new(inner: TcpStream, activity: Arc<Activity>) -> Self {
        Self { inner, activity }
    }
}

impl AsyncRead for ProbedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // The attempt is what counts (see the module docs), not its result.
        self.activity.read.store(true, Ordering::Relaxed);
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ProbedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.activity.written.store(true, Ordering::Relaxed);
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl AsyncTokioStream for ProbedStream {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.peer_addr()
    }
}

/// Runs lettre's TLS handshake (implicit TLS, `smtps://`) over `stream` and
/// returns the encrypted stream, ready for the greeting.
///
/// `AsyncSmtpConnection::connect_with_transport` takes a stream of ours but
/// reads the greeting at once, and its TLS-from-the-first-byte variant
/// (`connect_tokio1`) opens its own socket, without the probe. lettre's
/// `AsyncNetworkStream` (public, though deprecated as "not meant to be
/// public") can wrap our stream in lettre's own TLS with the same
/// `TlsParameters`; [`TlsOverProbe`] hands it back to lettre as a stream.
///
/// # Errors
/// lettre's error for a failed handshake (a connection error).
#[allow(deprecated)]
pub(crate) async fn implicit_tls(
    stream: ProbedStream,
    parameters: TlsParameters,
) -> Result<Box<dyn AsyncTokioStream>, lettre::transport::smtp::Error> {
    use lettre::transport::smtp::client::AsyncNetworkStream;

    let mut network = AsyncNetworkStream::use_existing_tokio1(Box::new(stream));
    network.upgrade_tls(parameters).await?;
    Ok(Box::new(TlsOverProbe(network)))
}

/// lettre's TLS stream (over a [`ProbedStream`]) as a Tokio stream: lettre
/// implements the `futures` I/O traits on it, `connect_with_transport`
/// wants Tokio's.
#[allow(deprecated)]
#[derive(Debug)]
struct TlsOverProbe(lettre::transport::smtp::client::AsyncNetworkStream);

impl AsyncRead for TlsOverProbe {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let unfilled = buf.initialize_unfilled();
        match futures::io::AsyncRead::poll_read(Pin::new(&mut self.0), cx, unfilled) {
            Poll::Ready(Ok(n)) => {
                buf.advance(n);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncWrite for TlsOverProbe {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        futures::io::AsyncWrite::poll_write(Pin::new(&mut self.0), cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures::io::AsyncWrite::poll_flush(Pin::new(&mut self.0), cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures::io::AsyncWrite::poll_close(Pin::new(&mut self.0), cx)
    }
}

impl AsyncTokioStream for TlsOverProbe {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.peer_addr()
    }
}

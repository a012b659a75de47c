//! lettre's TLS (rustls, its root certificates, our `TlsParameters`) over
//! a stream of ours: for implicit TLS before the greeting, and for STARTTLS
//! on the same TCP stream after the server's 220.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

#[allow(deprecated)]
use lettre::transport::smtp::client::AsyncNetworkStream;
use lettre::transport::smtp::client::{AsyncTokioStream, TlsParameters};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Runs the TLS handshake over `stream` and returns the encrypted stream.
///
/// lettre's `AsyncNetworkStream` (public, though deprecated as "not meant to
/// be public") is the only way to its TLS set-up for a stream it did not
/// open.
///
/// # Errors
/// lettre's error for a failed handshake (a connection error).
#[allow(deprecated)]
pub(crate) async fn upgrade(
    stream: Box<dyn AsyncTokioStream>,
    parameters: TlsParameters,
) -> Result<Box<dyn AsyncTokioStream>, lettre::transport::smtp::Error> {
    let mut network = AsyncNetworkStream::use_existing_tokio1(stream);
    network.upgrade_tls(parameters).await?;
    Ok(Box::new(Encrypted(network)))
}

/// lettre's TLS stream as a Tokio stream: lettre implements the `futures`
/// I/O traits on it.
#[allow(deprecated)]
#[derive(Debug)]
struct Encrypted(AsyncNetworkStream);

impl AsyncRead for Encrypted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // At most a TLS record's worth: zeroing the whole spare buffer on
        // every read would cost more than the read.
        let unfilled = buf.initialize_unfilled_to(buf.remaining().min(16 * 1024));
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

impl AsyncWrite for Encrypted {
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

impl AsyncTokioStream for Encrypted {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.peer_addr()
    }
}

//! The bytes of one SMTP connection: commands queued and written in one
//! go, replies read whole and parsed by lettre.
//!
//! Each write is a syscall (and a loopback segment), so what can go
//! together does: the pipelined MAIL, RCPT and DATA, the body with its final
//! `.`. Replies are read into one buffer, which may hold several of them
//! (pipelining) and never more than [`MAX_REPLY`] bytes of an unfinished one.

use std::fmt::{self, Display};
use std::io::{self, Write as _};

use lettre::transport::smtp::client::AsyncTokioStream;
use lettre::transport::smtp::response::Response;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The most we buffer of one reply; a server sending more is out of
/// protocol (an EHLO reply is well under 1 KiB), not a reason to grow.
pub(crate) const MAX_REPLY: usize = 64 * 1024;

/// What one read asks for at most.
const READ_CHUNK: usize = 4096;

/// Buffers larger than this are not kept between messages: one big message
/// should not pin its size for the connection's life.
const KEEP_CAPACITY: usize = 256 * 1024;

/// Why the conversation cannot go on.
#[derive(Debug)]
pub(crate) enum WireError {
    Io(io::Error),
    /// EOF while a reply was awaited.
    Closed,
    /// A reply we cannot read as SMTP, or data where none belongs.
    OutOfProtocol(String),
}

impl Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => e.fmt(f),
            Self::Closed => f.write_str("the server closed the connection"),
            Self::OutOfProtocol(why) => f.write_str(why),
        }
    }
}

/// A stream with an input buffer (received, not yet parsed) and an output
/// buffer (queued, not yet written), both reused for the connection's life.
pub(crate) struct Wire {
    stream: Box<dyn AsyncTokioStream>,
    input: Vec<u8>,
    /// Start of the unparsed input.
    consumed: usize,
    /// Lines of the reply being received already checked, as an offset
    /// from `consumed`: a reply sent a byte at a time is scanned once.
    scanned: usize,
    output: Vec<u8>,
    /// Set by any failed read or write: the conversation is out of step.
    broken: bool,
}

impl Wire {
    pub(crate) fn new(stream: Box<dyn AsyncTokioStream>) -> Self {
        Self {
            stream,
            input: Vec::with_capacity(READ_CHUNK),
            consumed: 0,
            scanned: 0,
            output: Vec::with_capacity(READ_CHUNK),
            broken: false,
        }
    }

    /// Whether a read or write has failed: nothing more should be said.
    pub(crate) fn is_broken(&self) -> bool {
        self.broken
    }

    /// Whether the server sent bytes that no command has asked for yet.
    pub(crate) fn has_unread(&self) -> bool {
        self.consumed < self.input.len()
    }

    /// Queues a command; lettre's commands end in CRLF.
    pub(crate) fn queue(&mut self, command: &impl Display) {
        // Writing to a Vec cannot fail.
        let _ = write!(self.output, "{command}");
    }

    /// Queues a message body, dot-stuffed (RFC 5321 §4.5.2), and the final
    /// `.` line.
    pub(crate) fn queue_message(&mut self, body: &[u8]) {
        self.output.reserve(body.len() + 16);
        // Also after a bare LF: some servers take it as a line end, and an
        // unstuffed "\n.\n" would end the message there (SMTP smuggling).
        for line in body.split_inclusive(|&b| b == b'\n') {
            if line.first() == Some(&b'.') {
                self.output.push(b'.');
            }
            self.output.extend_from_slice(line);
        }
        if !body.is_empty() && !body.ends_with(b"\r\n") {
            self.output.extend_from_slice(b"\r\n");
        }
        self.output.extend_from_slice(b".\r\n");
    }

    /// Queues `BDAT <size> LAST` and the message as it is (RFC 3030: no
    /// dot-stuffing), ending it with CRLF if it does not already end so.
    pub(crate) fn queue_chunk(&mut self, body: &[u8]) {
        let crlf: &[u8] = if body.is_empty() || body.ends_with(b"\r\n") {
            b""
        } else {
            b"\r\n"
        };
        self.output.reserve(body.len() + 32);
        // Writing to a Vec cannot fail.
        let _ = write!(self.output, "BDAT {} LAST\r\n", body.len() + crlf.len());
        self.output.extend_from_slice(body);
        self.output.extend_from_slice(crlf);
    }

    /// Queues the lone `.` that ends a DATA the server accepted after
    /// refusing everything before it (RFC 2920 §3.1).
    pub(crate) fn queue_empty_message(&mut self) {
        self.output.extend_from_slice(b".\r\n");
    }

    /// Writes everything queued, in one write if the stream takes it.
    ///
    /// # Errors
    /// The I/O error.
    pub(crate) async fn send(&mut self) -> Result<(), WireError> {
        let result = async {
            self.stream.write_all(&self.output).await?;
            self.stream.flush().await
        }
        .await;
        self.output.clear();
        self.output.shrink_to(KEEP_CAPACITY);
        result.map_err(|e| {
            self.broken = true;
            WireError::Io(e)
        })
    }

    /// The next reply.
    ///
    /// # Errors
    /// I/O errors, EOF, a reply that is no SMTP reply or is longer than
    /// [`MAX_REPLY`].
    pub(crate) async fn reply(&mut self) -> Result<Response, WireError> {
        let result = self.read_reply().await;
        self.broken |= result.is_err();
        result
    }

    async fn read_reply(&mut self) -> Result<Response, WireError> {
        loop {
            if let Some(end) = self.scan()? {
                let raw = &self.input[self.consumed..self.consumed + end];
                let response = parse(raw);
                self.consumed += end;
                self.scanned = 0;
                if self.consumed == self.input.len() {
                    self.input.clear();
                    self.consumed = 0;
                    self.input.shrink_to(KEEP_CAPACITY);
                }
                return response;
            }
            if self.input.len() - self.consumed >= MAX_REPLY {
                return Err(WireError::OutOfProtocol(format!(
                    "reply longer than {MAX_REPLY} bytes"
                )));
            }
            if self.consumed > 0 {
                self.input.drain(..self.consumed);
                self.consumed = 0;
            }
            self.input.reserve(READ_CHUNK);
            if self
                .stream
                .read_buf(&mut self.input)
                .await
                .map_err(WireError::Io)?
                == 0
            {
                return Err(WireError::Closed);
            }
        }
    }

    /// Where the first complete reply of the unparsed input ends (past its
    /// last line's LF), if it is all there.
    fn scan(&mut self) -> Result<Option<usize>, WireError> {
        let pending = &self.input[self.consumed..];
        while let Some(lf) = pending[self.scanned..].iter().position(|&b| b == b'\n') {
            let end = self.scanned + lf + 1;
            let line = &pending[self.scanned..end - 1];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let code = line.get(..3).filter(|c| c.iter().all(u8::is_ascii_digit));
            match (code, line.get(3)) {
                // "250 text" or a bare "250": the reply's last line.
                (Some(_), None | Some(b' ')) => return Ok(Some(end)),
                (Some(_), Some(b'-')) => self.scanned = end,
                _ => return Err(out_of_protocol(line)),
            }
        }
        Ok(None)
    }

    /// The stream, for a TLS handshake after STARTTLS.
    ///
    /// # Errors
    /// Anything received after the STARTTLS reply: it came before the
    /// handshake, unencrypted, and taking it as a reply on the encrypted
    /// connection is the STARTTLS command injection attack (RFC 3207 §6).
    pub(crate) fn into_stream(self) -> Result<Box<dyn AsyncTokioStream>, WireError> {
        if self.has_unread() {
            return Err(WireError::OutOfProtocol(
                "the server sent data after its STARTTLS reply, before the TLS handshake".into(),
            ));
        }
        Ok(self.stream)
    }

    /// Closes the stream (TLS close_notify, then FIN).
    pub(crate) async fn shutdown(&mut self) {
        let _ = self.stream.shutdown().await;
    }
}

/// A complete reply (lines ending in LF, the last one "NNN" or "NNN text")
/// parsed by lettre, whose parser wants CRLF and a space after the last code.
fn parse(raw: &[u8]) -> Result<Response, WireError> {
    let text = String::from_utf8_lossy(raw);
    let mut normal = String::with_capacity(text.len() + 2);
    for line in text.split_terminator('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        normal.push_str(line);
        if line.len() == 3 {
            normal.push(' ');
        }
        normal.push_str("\r\n");
    }
    normal
        .parse::<Response>()
        .map_err(|_| out_of_protocol(text.trim_end().as_bytes()))
}

fn out_of_protocol(line: &[u8]) -> WireError {
    const SHOWN: usize = 200;
    let text = String::from_utf8_lossy(&line[..line.len().min(SHOWN)]);
    let more = if line.len() > SHOWN { "…" } else { "" };
    WireError::OutOfProtocol(format!("reply out of protocol: {text:?}{more}"))
}

impl fmt::Debug for Wire {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wire")
            .field("unread", &(self.input.len() - self.consumed))
            .field("broken", &self.broken)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A wire over one end of a loopback connection, and the other end.
    async fn pipe() -> (Wire, tokio::net::TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let ours = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let (theirs, _) = listener.accept().await.expect("accept");
        (Wire::new(Box::new(ours)), theirs)
    }

    fn text(r: &Response) -> String {
        let lines: Vec<_> = r.message().collect();
        format!("{} {}", r.code(), lines.join("|"))
    }

    #[tokio::test]
    async fn several_replies_in_one_read_come_out_one_by_one() {
        let (mut wire, mut peer) = pipe().await;
        peer.write_all(b"250-mx\r\n250-PIPELINING\r\n250 8BITMIME\r\n550 5.1.1 no\r\n354\r\n")
            .await
            .expect("write");
        let ehlo = wire.reply().await.expect("reply");
        assert_eq!(text(&ehlo), "250 mx|PIPELINING|8BITMIME");
        assert!(wire.has_unread());
        assert_eq!(text(&wire.reply().await.expect("reply")), "550 5.1.1 no");
        // Nothing after the code is a complete reply too.
        assert_eq!(text(&wire.reply().await.expect("reply")), "354 ");
        assert!(!wire.has_unread());
    }

    #[tokio::test]
    async fn a_reply_split_across_reads_is_put_together() {
        let (mut wire, mut peer) = pipe().await;
        let reader = tokio::spawn(async move {
            let reply = wire.reply().await;
            (wire, reply)
        });
        for part in [&b"25"[..], b"0-first\r", b"\n250 se", b"cond\n"] {
            peer.write_all(part).await.expect("write");
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let (_wire, reply) = reader.await.expect("reader");
        assert_eq!(text(&reply.expect("reply")), "250 first|second");
    }

    #[tokio::test]
    async fn eof_garbage_and_endless_replies_are_errors_not_panics() {
        let (mut wire, peer) = pipe().await;
        drop(peer);
        assert!(matches!(wire.reply().await, Err(WireError::Closed)));
        assert!(wire.is_broken());

        for garbage in [
            &b"hello\r\n"[..],
            b"25\r\n",
            b"250x\r\n",
            b"250-a\r\n251 b\r\n",
            b"199 no such class\r\n",
        ] {
            let (mut wire, mut peer) = pipe().await;
            peer.write_all(garbage).await.expect("write");
            let result = wire.reply().await;
            assert!(
                matches!(&result, Err(WireError::OutOfProtocol(_))),
                "{garbage:?}: {result:?}"
            );
        }

        let (mut wire, mut peer) = pipe().await;
        let flood = tokio::spawn(async move {
            let line = format!("250-{}\r\n", "x".repeat(1000));
            // Far more than the bound; stops when the reader gives up.
            for _ in 0..1000 {
                if peer.write_all(line.as_bytes()).await.is_err() {
                    break;
                }
            }
        });
        let result = wire.reply().await;
        assert_eq!(
            result.map_err(|e| e.to_string()).map(|r| text(&r)),
            Err(format!("reply longer than {MAX_REPLY} bytes"))
        );
        assert!(wire.input.capacity() <= 2 * (MAX_REPLY + READ_CHUNK));
        drop(wire);
        flood.await.expect("flood");
    }

    #[tokio::test]
    async fn body_is_dot_stuffed_and_ends_with_one_final_dot() {
        let (mut wire, _peer) = pipe().await;
        wire.queue_message(b".a\r\nb\r\n..c\r\n.\r\nd.\r\n");
        assert_eq!(wire.output, b"..a\r\nb\r\n...c\r\n..\r\nd.\r\n.\r\n");
        wire.output.clear();
        // A missing final CRLF is added; a dot after a bare LF is stuffed.
        wire.queue_message(b"a\n.\nb");
        assert_eq!(wire.output, b"a\n..\nb\r\n.\r\n");
        wire.output.clear();
        wire.queue_message(b".");
        assert_eq!(wire.output, b"..\r\n.\r\n");
    }

    #[tokio::test]
    async fn unread_data_after_starttls_is_refused() {
        let (mut wire, mut peer) = pipe().await;
        peer.write_all(b"220 go ahead\r\n250 injected\r\n")
            .await
            .expect("write");
        assert!(wire.reply().await.expect("reply").has_code(220));
        assert!(matches!(
            wire.into_stream(),
            Err(WireError::OutOfProtocol(_))
        ));
    }
}

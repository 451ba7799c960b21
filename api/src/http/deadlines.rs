//! Deadlines on each connection's traffic, below HTTP: a client must send a
//! request's headers within `header` of its first byte, and a connection on
//! which nothing moves for `idle` is closed.
//!
//! Without them, 200 connections that trickled a header byte now and then
//! stayed open for as long as their clients liked, each holding a socket
//! and a task. poem's own idle timeout closes a connection gracefully, and
//! hyper's graceful close waits for a request it has begun to read: a
//! half-sent header kept it open. (hyper's `header_read_timeout` needs a
//! timer that poem does not give its connection builder.) So the deadline
//! is enforced where the bytes are: a read or write that waits past it
//! fails, and hyper drops the connection.
//!
//! Where a request's headers end is found by the blank line that ends them
//! (`\r\n\r\n`, HTTP/1.1). After it the request is the server's: only
//! `idle` applies, which must exceed `REQUEST_TIMEOUT_SECONDS` (the handler
//! may send nothing until then). HTTP/2 (prior knowledge; its frames are
//! binary) gets `idle` alone, from its preface on.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use poem::http::uri::Scheme;
use poem::listener::Acceptor;
use poem::web::{LocalAddr, RemoteAddr};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// An acceptor whose connections keep [`Timed`]'s deadlines.
pub struct Deadlines<A> {
    inner: A,
    header: Duration,
    idle: Duration,
}

impl<A> Deadlines<A> {
    pub fn new(inner: A, header: Duration, idle: Duration) -> Self {
        Self {
            inner,
            header,
            idle,
        }
    }
}

impl<A: Acceptor> Acceptor for Deadlines<A>
where
    A::Io: Unpin,
{
    type Io = Timed<A::Io>;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.inner.local_addr()
    }

    async fn accept(&mut self) -> io::Result<(Self::Io, LocalAddr, RemoteAddr, Scheme)> {
        let (io, local, remote, scheme) = self.inner.accept().await?;
        Ok((
            Timed::new(io, self.header, self.idle),
            local,
            remote,
            scheme,
        ))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for a request: `idle` applies.
    Between,
    /// A request's headers have begun and not ended: `header` applies,
    /// from their first byte.
    Headers,
    /// The request is the server's (its body, the handler, the answer).
    Serving,
}

pub struct Timed<Io> {
    io: Io,
    deadline: Pin<Box<Sleep>>,
    header: Duration,
    idle: Duration,
    phase: Phase,
    /// The last four bytes read, to find the blank line across reads.
    tail: u32,
    /// Nothing read yet (the first bytes tell HTTP/2 from HTTP/1.1).
    fresh: bool,
    http2: bool,
}

const BLANK_LINE: u32 = u32::from_be_bytes(*b"\r\n\r\n");

impl<Io> Timed<Io> {
    fn new(io: Io, header: Duration, idle: Duration) -> Self {
        Self {
            io,
            deadline: Box::pin(tokio::time::sleep(idle)),
            header,
            idle,
            phase: Phase::Between,
            tail: 0,
            fresh: true,
            http2: false,
        }
    }

    fn extend(&mut self, by: Duration) {
        self.deadline.as_mut().reset(Instant::now() + by);
    }

    /// Moves the phase on for the bytes just read.
    fn read_bytes(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if std::mem::take(&mut self.fresh) && bytes.starts_with(b"PRI * HTTP/2") {
            self.http2 = true;
        }
        if self.http2 {
            self.extend(self.idle);
            return;
        }
        if self.phase == Phase::Between {
            self.phase = Phase::Headers;
            self.tail = 0;
            self.extend(self.header);
        }
        if self.phase == Phase::Headers {
            for &b in bytes {
                self.tail = (self.tail << 8) | u32::from(b);
                if self.tail == BLANK_LINE {
                    self.phase = Phase::Serving;
                    break;
                }
            }
        }
        if self.phase == Phase::Serving {
            self.extend(self.idle);
        }
    }

    /// An answer is going out: the next bytes start a new request.
    fn wrote(&mut self) {
        self.phase = Phase::Between;
        self.extend(self.idle);
    }

    /// A write's outcome: progress restarts the clock for the next request;
    /// a client that reads nothing (holding the answer, and its memory) is
    /// cut off at the deadline.
    fn after_write(
        &mut self,
        cx: &mut Context<'_>,
        written: Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        match written {
            Poll::Ready(Ok(n)) => {
                self.wrote();
                Poll::Ready(Ok(n))
            }
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(self.timed_out())),
            other => other,
        }
    }

    /// Whether the deadline has passed (and if not, a wake-up at it).
    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        self.deadline.as_mut().poll(cx).is_ready()
    }

    fn timed_out(&self) -> io::Error {
        let what = match self.phase {
            Phase::Headers => "the request's headers did not arrive in time",
            _ => "the connection was idle too long",
        };
        io::Error::new(io::ErrorKind::TimedOut, what)
    }
}

impl<Io: AsyncRead + Unpin> AsyncRead for Timed<Io> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                this.read_bytes(&buf.filled()[before..]);
                Poll::Ready(Ok(()))
            }
            Poll::Pending if this.expired(cx) => Poll::Ready(Err(this.timed_out())),
            other => other,
        }
    }
}

impl<Io: AsyncWrite + Unpin> AsyncWrite for Timed<Io> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let written = Pin::new(&mut this.io).poll_write(cx, data);
        this.after_write(cx, written)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let written = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        this.after_write(cx, written)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_blank_line_ends_the_headers_across_reads() {
        let mut t = Timed::new((), Duration::from_secs(1), Duration::from_secs(9));
        t.read_bytes(b"GET / HTTP/1.1\r\nHost: x\r");
        assert_eq!(t.phase, Phase::Headers);
        t.read_bytes(b"\n\r");
        assert_eq!(t.phase, Phase::Headers);
        t.read_bytes(b"\nbody");
        assert_eq!(t.phase, Phase::Serving);
        t.wrote();
        t.read_bytes(b"G");
        assert_eq!(t.phase, Phase::Headers, "a new request");
    }

    #[tokio::test]
    async fn http2_has_no_header_deadline() {
        let mut t = Timed::new((), Duration::from_secs(1), Duration::from_secs(9));
        t.read_bytes(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        t.wrote();
        t.read_bytes(&[0, 0, 4, 1, 5]);
        assert_eq!(t.phase, Phase::Between, "frames never start a header phase");
    }
}

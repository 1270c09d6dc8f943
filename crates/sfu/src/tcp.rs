//! ICE over TCP on the media port (RFC 6544), for networks that block UDP: the server
//! advertises passive TCP candidates beside its UDP ones, and a browser that cannot
//! reach it by UDP connects. Each connection carries RFC 4571 frames — a 16-bit length,
//! then one STUN, DTLS or SRTP packet — that go to the engine exactly as datagrams do.
//!
//! A connection is two small futures on the engine's thread: the reader hands the engine
//! each frame, the writer sends what the engine gives it. The engine closes a connection
//! by dropping its writer's sender: one whose first frame names no session, and one
//! whose session is gone. A connection silent for [`FIRST_FRAME`] after it opens is
//! closed here, and at most [`MAX_CONNECTIONS`] are open at once, so idle or junk
//! connections cost a bounded amount.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// Open connections at most; more are closed as they come.
pub(crate) const MAX_CONNECTIONS: usize = 1024;
/// How long a new connection may take to send its first frame.
pub(crate) const FIRST_FRAME: Duration = Duration::from_secs(10);
/// Frames waiting to be written to one connection; beyond, new ones are dropped, as
/// datagrams would be on a congested path.
const WRITE_QUEUE: usize = 256;

/// What the connections tell the engine.
pub(crate) enum TcpEvent {
    Opened { from: SocketAddr, writer: mpsc::Sender<Vec<u8>> },
    Frame { from: SocketAddr, data: Vec<u8> },
    Closed { from: SocketAddr },
}

/// Takes connections until the engine is gone.
pub(crate) async fn accept(listener: TcpListener, events: mpsc::Sender<TcpEvent>) {
    let open = Arc::new(AtomicUsize::new(0));
    loop {
        let Ok((stream, from)) = listener.accept().await else { continue };
        if events.is_closed() {
            return;
        }
        if open.load(Ordering::Relaxed) >= MAX_CONNECTIONS {
            continue;
        }
        let _ = stream.set_nodelay(true);
        open.fetch_add(1, Ordering::Relaxed);
        let (events, open) = (events.clone(), open.clone());
        tokio::spawn(async move {
            connection(stream, from, &events).await;
            let _ = events.send(TcpEvent::Closed { from }).await;
            open.fetch_sub(1, Ordering::Relaxed);
        });
    }
}

async fn connection(stream: TcpStream, from: SocketAddr, events: &mpsc::Sender<TcpEvent>) {
    let (mut read, mut write) = stream.into_split();
    let (writer, mut frames) = mpsc::channel::<Vec<u8>>(WRITE_QUEUE);
    if events.send(TcpEvent::Opened { from, writer }).await.is_err() {
        return;
    }
    let writing = async {
        while let Some(frame) = frames.recv().await {
            if write.write_all(&frame).await.is_err() {
                return;
            }
        }
        // The engine closed it.
        let _ = write.shutdown().await;
    };
    let reading = async {
        let mut first = true;
        loop {
            let mut len = [0u8; 2];
            let read_len = read.read_exact(&mut len);
            let got = if first {
                tokio::time::timeout(FIRST_FRAME, read_len).await.unwrap_or(Err(std::io::ErrorKind::TimedOut.into()))
            } else {
                read_len.await
            };
            if got.is_err() {
                return;
            }
            let n = usize::from(u16::from_be_bytes(len));
            if n == 0 {
                return;
            }
            let mut data = vec![0u8; n];
            if read.read_exact(&mut data).await.is_err() {
                return;
            }
            first = false;
            if events.send(TcpEvent::Frame { from, data }).await.is_err() {
                return;
            }
        }
    };
    tokio::select! {
        _ = writing => {}
        _ = reading => {}
    }
}

/// One packet as an RFC 4571 frame; `None` for one too long to frame.
pub(crate) fn frame(packet: &[u8]) -> Option<Vec<u8>> {
    let len = u16::try_from(packet.len()).ok()?;
    let mut out = Vec::with_capacity(packet.len() + 2);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(packet);
    Some(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_frame_is_its_length_then_the_packet() {
        assert_eq!(super::frame(&[7, 8, 9]), Some(vec![0, 3, 7, 8, 9]));
        assert_eq!(super::frame(&vec![0; 65_535]).map(|f| f.len()), Some(65_537));
        assert_eq!(super::frame(&vec![0; 65_536]), None);
    }
}

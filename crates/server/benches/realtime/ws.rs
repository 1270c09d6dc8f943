//! The benchmark's load connections: a lean client side of RFC 6455 over a tokio
//! TcpStream (upgrade request, masked client frames, unfragmented server text frames,
//! pongs). A general client such as tokio-tungstenite costs about as much CPU per
//! frame as the server, so the load core would saturate before the server core.
//!
//! One `Ws` is shared (`Rc`) between its reader task and whoever sends on it: the
//! stream's `try_read`/`try_write` take `&self`, and a frame that does not fit the
//! socket at once waits in `out` for a flusher task, so frames never interleave.

use std::cell::{Cell, RefCell};
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::rc::Rc;
use tokio::net::{TcpSocket, TcpStream};

const TEXT: u8 = 1;
const CLOSE: u8 = 8;
const PING: u8 = 9;
const PONG: u8 = 10;

pub struct Ws {
    stream: TcpStream,
    out: RefCell<Vec<u8>>,
    flushing: Cell<bool>,
    /// xorshift state for the masking keys (RFC 6455 §5.3: a fresh key per frame).
    rng: Cell<u32>,
    closed: Cell<bool>,
}

/// Opens a WebSocket to `/api/v1/ws` on `server` from `source` (one of 127.0.0.2…9, so
/// the ephemeral ports of one address do not run out), signed in with a bearer token.
/// Returns the connection and whatever the server sent after its 101 answer.
pub async fn connect(server: SocketAddrV4, source: Ipv4Addr, token: &str, seed: u32) -> io::Result<(Rc<Ws>, Vec<u8>)> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::V4(SocketAddrV4::new(source, 0)))?;
    let stream = socket.connect(SocketAddr::V4(server)).await?;
    stream.set_nodelay(true)?;
    let ws = Rc::new(Ws {
        stream,
        out: RefCell::new(Vec::with_capacity(256)),
        flushing: Cell::new(false),
        rng: Cell::new(seed | 1),
        closed: Cell::new(false),
    });
    let mut key = [0u8; 16];
    for chunk in key.chunks_mut(4) {
        chunk.copy_from_slice(&ws.next_random().to_le_bytes());
    }
    let request = format!(
        "GET /api/v1/ws HTTP/1.1\r\nHost: {server}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n",
        base64(&key)
    );
    ws.out.borrow_mut().extend_from_slice(request.as_bytes());
    while !ws.out.borrow().is_empty() {
        ws.stream.writable().await?;
        ws.write_some()?;
    }
    let mut buf = vec![0u8; 4096];
    let mut filled = 0;
    let end = loop {
        let n = ws.read_some(&mut buf[filled..]).await?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed during the upgrade"));
        }
        filled += n;
        if let Some(p) = buf[..filled].windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        if filled == buf.len() {
            return Err(io::Error::other("upgrade answer too long"));
        }
    };
    if !buf.starts_with(b"HTTP/1.1 101") {
        let head = String::from_utf8_lossy(&buf[..end]);
        return Err(io::Error::other(format!("upgrade refused: {}", head.lines().next().unwrap_or(""))));
    }
    Ok((ws, buf[end..filled].to_vec()))
}

impl Ws {
    fn next_random(&self) -> u32 {
        let mut x = self.rng.get();
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng.set(x);
        x
    }

    pub fn is_closed(&self) -> bool {
        self.closed.get()
    }

    /// Queues one masked frame and writes it now if the socket takes it.
    pub fn send(self: &Rc<Self>, opcode: u8, payload: &[u8]) {
        if self.closed.get() {
            return;
        }
        let mask = self.next_random().to_le_bytes();
        {
            let mut out = self.out.borrow_mut();
            out.push(0x80 | opcode);
            let len = payload.len();
            if len < 126 {
                out.push(0x80 | len as u8);
            } else if len < 65536 {
                out.push(0x80 | 126);
                out.extend_from_slice(&(len as u16).to_be_bytes());
            } else {
                out.push(0x80 | 127);
                out.extend_from_slice(&(len as u64).to_be_bytes());
            }
            out.extend_from_slice(&mask);
            out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i & 3]));
        }
        if self.flushing.get() {
            return;
        }
        if self.write_some().is_err() {
            self.closed.set(true);
            return;
        }
        if !self.out.borrow().is_empty() {
            self.flushing.set(true);
            let me = self.clone();
            tokio::task::spawn_local(async move {
                while !me.out.borrow().is_empty() {
                    if me.stream.writable().await.is_err() || me.write_some().is_err() {
                        me.closed.set(true);
                        me.out.borrow_mut().clear();
                    }
                }
                me.flushing.set(false);
            });
        }
    }

    pub fn send_text(self: &Rc<Self>, text: &str) {
        self.send(TEXT, text.as_bytes());
    }

    /// Starts a clean close (1000); the reader ends when the server answers or hangs up.
    pub fn close(self: &Rc<Self>) {
        self.send(CLOSE, &1000u16.to_be_bytes());
    }

    fn write_some(&self) -> io::Result<()> {
        let mut out = self.out.borrow_mut();
        match self.stream.try_write(&out) {
            Ok(n) => {
                out.drain(..n);
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn read_some(&self, into: &mut [u8]) -> io::Result<usize> {
        loop {
            self.stream.readable().await?;
            match self.stream.try_read(into) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads until the connection ends, calling `on_text(payload, now)` for each text
    /// frame (`now` is taken once per read, by `clock`) and answering pings.
    pub async fn read_frames(
        self: &Rc<Self>,
        leftover: Vec<u8>,
        clock: impl Fn() -> u64,
        mut on_text: impl FnMut(&[u8], u64),
    ) {
        let mut buf = leftover;
        let mut filled = buf.len();
        if buf.len() < 4096 {
            buf.resize(4096, 0);
        }
        loop {
            if buf.len() - filled < 1024 {
                buf.resize(buf.len() * 2, 0);
            }
            match self.read_some(&mut buf[filled..]).await {
                Ok(0) | Err(_) => break,
                Ok(n) => filled += n,
            }
            let now = clock();
            let mut at = 0;
            while let Some((opcode, payload, len)) = parse_frame(&buf[at..filled]) {
                let payload = at + payload.start..at + payload.end;
                match opcode {
                    TEXT => on_text(&buf[payload], now),
                    PING => {
                        let body = buf[payload].to_vec();
                        self.send(PONG, &body);
                    }
                    CLOSE => {
                        self.closed.set(true);
                        return;
                    }
                    _ => {}
                }
                at += len;
            }
            buf.copy_within(at..filled, 0);
            filled -= at;
            // A catch-up burst grows the buffer; an idle connection gives it back.
            if filled < 4096 && buf.len() > 65536 {
                buf.truncate(4096);
                buf.shrink_to_fit();
            }
        }
        self.closed.set(true);
    }
}

/// One whole server frame at the start of `buf`: (opcode, payload range, frame length).
/// The server never fragments (each event is one frame), so FIN is not looked at.
fn parse_frame(buf: &[u8]) -> Option<(u8, std::ops::Range<usize>, usize)> {
    if buf.len() < 2 {
        return None;
    }
    let opcode = buf[0] & 0x0f;
    let (len, start) = match buf[1] & 0x7f {
        126 if buf.len() >= 4 => (u16::from_be_bytes([buf[2], buf[3]]) as usize, 4),
        127 if buf.len() >= 10 => (u64::from_be_bytes(buf[2..10].try_into().ok()?) as usize, 10),
        126 | 127 => return None,
        n => (n as usize, 2),
    };
    (buf.len() >= start + len).then_some((opcode, start..start + len, start + len))
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

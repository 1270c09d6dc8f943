//! `GET /api/v1/ws`: the one live connection of an open app (docs/chat.md).
//!
//! Hello with the last position seen → the missed events from the log → `ready` →
//! live events from the hub, each once and in order. Sends and reads go to the same
//! actions as the REST routes. Buffers are a few KiB (the default would cost 140 KB per
//! idle connection); frames from the hub are written in batches with one flush.

use super::{Hub, Kick};
use crate::AppState;
use crate::auth::Caller;
use crate::chat::{self, SendInput};
use crate::error::{ApiError, ApiResult};
use crate::i18n::{Lang, message};
use axum::extract::State;
use axum::extract::ws::{
    CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade, rejection::WebSocketUpgradeRejection,
};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use domain::{ConversationId, ErrorCode, MemberId, MessageId};
use futures_util::SinkExt;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, mpsc};

/// Largest frame a client may send; a larger one closes the socket with 1009.
pub const MAX_FRAME: usize = 64 * 1024;
const PING_EVERY: Duration = Duration::from_secs(30);
const SILENT_FOR: Duration = Duration::from_secs(90);
const HELLO_WITHIN: Duration = Duration::from_secs(15);
/// Sends and reads one connection may have waiting for the writer at once.
const IN_FLIGHT: usize = 64;
/// Frames written before one flush.
const BATCH: usize = 256;
const REPLAY_PAGE: i64 = 500;

/// Close codes of our own (4000–4999 are the application's).
pub const CLOSE_SESSION_ENDED: u16 = 4001;

/// A frame the client sends (JSON text).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientFrame {
    /// The first frame: the last position the client saw, or null for none.
    Hello {
        #[serde(default)]
        after: Option<i64>,
    },
    /// Send a message; answered by `ack` once durable, or `problem`.
    Send {
        #[schema(value_type = uuid::Uuid)]
        conversation_id: ConversationId,
        #[serde(default)]
        client_id: String,
        #[serde(default)]
        text: String,
        #[serde(default)]
        #[schema(value_type = Option<uuid::Uuid>)]
        reply_to: Option<MessageId>,
        #[serde(default)]
        #[schema(value_type = Vec<uuid::Uuid>)]
        mentions: Vec<MemberId>,
        #[serde(default)]
        mention_all: bool,
        #[serde(default)]
        #[schema(value_type = Option<uuid::Uuid>)]
        attachment_id: Option<domain::AttachmentId>,
    },
    /// Mark read (no answer; the `read` event follows).
    Read {
        #[schema(value_type = uuid::Uuid)]
        conversation_id: ConversationId,
        position: i64,
    },
    /// Answered by `pong`.
    Ping,
}

/// Why the server asks the client to reload over REST and reconnect with `after: null`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResyncReason {
    /// The client stopped reading and its queue filled.
    Behind,
    /// The position asked for is older than the kept log.
    TooOld,
}

/// A frame the server sends that is not an event (events are `EventFrame`).
// Each is built, serialized and dropped at once, so an `ack`'s size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Serialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ControlFrame {
    /// Caught up; live events follow.
    Ready {
        position: i64,
    },
    Pong,
    /// The socket closes after this.
    Resync {
        reason: ResyncReason,
    },
    /// A frame was refused; the socket stays open.
    Problem {
        #[schema(value_type = String)]
        code: &'static str,
        detail: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[schema(nullable = false)]
        client_id: Option<String>,
    },
    /// A sent message is durable.
    Ack {
        client_id: String,
        message: crate::chat::render::MessageOut,
    },
}

/// Whether a cookie-authenticated upgrade comes from campuslink's own pages: a
/// WebSocket upgrade is a GET, so the CSRF header cannot protect it; the browser's
/// `Origin` can.
fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return false };
    let origin = origin.trim_end_matches('/');
    if let Some(public) = &state.config.public_url
        && public.trim_end_matches('/').eq_ignore_ascii_case(origin)
    {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let bare = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")).unwrap_or("");
    !host.is_empty() && bare.eq_ignore_ascii_case(host)
}

/// `GET /api/v1/ws`
#[utoipa::path(
    get,
    path = "/ws",
    tag = "live",
    operation_id = "live_socket",
    summary = "The live connection: a WebSocket upgrade; frames are ClientFrame and ServerFrame",
    responses(
        (status = 101, description = "Switching to the WebSocket protocol"),
    ),
)]
pub async fn upgrade(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    if caller.by_cookie && !same_origin(&state, &headers) {
        return Err(ApiError::forbidden());
    }
    let ws = ws.map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidInput))?;
    let lang = Lang::of_request(&headers);
    Ok(ws
        // Allocated up front for every connection, and what a client sends is small (a
        // hello, a message, a read mark): 1 KiB, grown for the rare bigger frame. At
        // 4 KiB it was a fifth of an idle connection's memory.
        .read_buffer_size(1024)
        .write_buffer_size(4 * 1024)
        .max_write_buffer_size(4 * 1024 * 1024)
        .max_message_size(4 * MAX_FRAME)
        .max_frame_size(4 * MAX_FRAME)
        .on_upgrade(move |socket| run(Box::new(Opening { state, caller, lang, socket }))))
}

fn text(frame: ControlFrame) -> Message {
    // Serializing plain data cannot fail; should it, the client gets an empty object
    // rather than a dropped connection.
    Message::Text(Utf8Bytes::from(serde_json::to_string(&frame).unwrap_or_else(|_| "{}".to_owned())))
}

fn problem(lang: Lang, code: ErrorCode, client_id: Option<&str>) -> Message {
    text(ControlFrame::Problem {
        code: code.as_str(),
        detail: message(lang, &format!("error-{}", code.as_str()), &[]),
        client_id: client_id.map(str::to_owned),
    })
}

fn close(code: u16, reason: &'static str) -> Message {
    Message::Close(Some(CloseFrame { code, reason: Utf8Bytes::from_static(reason) }))
}

/// Unregisters the connection however the task ends.
struct Registered {
    hub: Arc<Hub>,
    conn: Arc<super::Conn>,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.hub.unregister(&self.conn);
    }
}

/// What an upgraded connection starts from. It comes boxed: a task keeps its future's
/// arguments for its whole life, and most connections then sit idle for hours.
struct Opening {
    state: AppState,
    caller: Caller,
    lang: Lang,
    socket: WebSocket,
}

/// A connection past its opening: registered with the hub, caught up, `ready` sent.
struct Live {
    state: AppState,
    caller: Arc<Caller>,
    lang: Lang,
    // One socket, not split into halves: each `select!` turn either reads or writes,
    // and the halves' lock cost every frame a little.
    socket: WebSocket,
    registered: Registered,
    frames: mpsc::Receiver<(i64, Utf8Bytes)>,
    /// The last position sent.
    last: i64,
}

async fn run(opening: Box<Opening>) {
    // The opening's own state (the hello's timer, the replay's queries) is boxed apart
    // and freed once it is done, so an idle connection's task holds only the loop's:
    // the task's future was 4.5 KB when one function did both, and is 1.9 KB (of an
    // idle connection's 10 KB in all, `BENCH_PHASES=d` of benches/realtime.rs).
    let Some(live) = Box::pin(open(opening)).await else { return };
    serve(live).await
}

/// Hello, the missed events from the log, `ready`; `None` if the connection ends first.
async fn open(opening: Box<Opening>) -> Option<Live> {
    let Opening { state, caller, lang, mut socket } = *opening;
    // The first frame says where the client is.
    let after = match tokio::time::timeout(HELLO_WITHIN, socket.recv()).await {
        Ok(Some(Ok(Message::Text(t)))) if t.len() <= MAX_FRAME => match serde_json::from_str::<ClientFrame>(&t) {
            Ok(ClientFrame::Hello { after }) => after,
            _ => {
                let _ = socket.send(problem(lang, ErrorCode::InvalidInput, None)).await;
                let _ = socket.send(close(1008, "hello expected")).await;
                return None;
            }
        },
        Ok(Some(Ok(Message::Text(_)))) => {
            let _ = socket.send(close(1009, "frame too large")).await;
            return None;
        }
        _ => {
            let _ = socket.send(close(1008, "hello expected")).await;
            return None;
        }
    };
    if let Some(p) = after
        && let Err(e) = chat::check_position(&state, p).await
    {
        if e.code == ErrorCode::ResyncRequired {
            let _ = socket.send(text(ControlFrame::Resync { reason: ResyncReason::TooOld })).await;
        } else {
            let _ = socket.send(problem(lang, e.code, None)).await;
        }
        let _ = socket.send(close(1008, "cannot resume")).await;
        return None;
    }
    let hub = state.hub.clone();
    let admin = caller.viewer.role == domain::Role::Admin;
    let (conn, frames, from) =
        hub.register(caller.member.id, caller.viewer.campus_id, admin, caller.token_hash.clone());
    let registered = Registered { hub: hub.clone(), conn };
    // Whoever is connected is who sends: their name is at hand now.
    hub.refs.keep(caller.loaded_at, std::slice::from_ref(&caller.member));
    let reader = chat::reader(&caller);

    // What the client missed, from the log, up to where the hub takes over.
    let mut last = after.unwrap_or(from);
    while last < from {
        let page = match chat::events(&state, &reader, last, from, REPLAY_PAGE).await {
            Ok(p) => p,
            Err(_) => {
                let _ = socket.send(close(1011, "cannot read the log")).await;
                return None;
            }
        };
        let full = page.len() as i64 == REPLAY_PAGE;
        for (p, frame) in page {
            if socket.feed(Message::Text(Utf8Bytes::from(frame.to_string()))).await.is_err() {
                return None;
            }
            last = p;
        }
        if !full {
            last = from;
        }
    }
    if socket.send(text(ControlFrame::Ready { position: last })).await.is_err() {
        return None;
    }
    Some(Live { state, caller: Arc::new(caller), lang, socket, registered, frames, last })
}

/// Live events out, sends and reads in, heartbeats, until the connection ends or is
/// kicked. The connection's fields are used in place, not moved into locals of their
/// own, so that the task holds them once.
async fn serve(mut live: Live) {
    // The lane for answers to sends and read marks made over the socket, opened at the
    // first frame the client sends: most connections only listen, and an idle one
    // should cost as little as it can.
    let mut lane: Option<Lane> = None;
    let mut acks: Option<mpsc::Receiver<Message>> = None;
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    let mut heard = Instant::now();
    let kick = live.registered.conn.kick.clone();
    // One waiter for the whole connection, not a new one per turn of the loop.
    let kick_fired = kick.wait();
    tokio::pin!(kick_fired);
    loop {
        tokio::select! {
            // Boxed: the farewell's state is big and rarely needed.
            why = &mut kick_fired => return Box::pin(kicked(live.socket, live.registered, why)).await,
            frame = live.frames.recv() => {
                let Some(first) = frame else { return };
                // Writing may block on a reader that stopped reading: the hub then fires
                // the kick, which must win over the stuck write.
                let write = async {
                    let mut next = Some(first);
                    let mut n = 0;
                    while let Some((p, f)) = next.take() {
                        if p > live.last {
                            live.last = p;
                            live.socket.feed(Message::Text(f)).await?;
                            n += 1;
                        }
                        if n < BATCH {
                            next = live.frames.try_recv().ok();
                        }
                    }
                    live.socket.flush().await
                };
                let written = tokio::select! {
                    r = write => r.is_ok(),
                    why = &mut kick_fired => return Box::pin(kicked(live.socket, live.registered, why)).await,
                };
                if !written { return; }
            }
            Some(m) = async {
                match acks.as_mut() {
                    Some(rx) => rx.recv().await,
                    None => std::future::pending().await,
                }
            } => {
                if live.socket.send(m).await.is_err() { return; }
            }
            _ = ping.tick() => {
                if heard.elapsed() > SILENT_FOR {
                    let _ = live.socket.send(close(1001, "silent too long")).await;
                    return;
                }
                if live.socket.send(Message::Ping(Default::default())).await.is_err() { return; }
            }
            incoming = live.socket.recv() => {
                let Some(Ok(m)) = incoming else { return };
                heard = Instant::now();
                match m {
                    Message::Text(t) if t.len() > MAX_FRAME => {
                        let _ = live.socket.send(close(1009, "frame too large")).await;
                        return;
                    }
                    Message::Text(t) => {
                        let lane = lane.get_or_insert_with(|| {
                            let (tx, rx) = mpsc::channel::<Message>(IN_FLIGHT);
                            acks = Some(rx);
                            Lane { acks: tx, in_flight: Arc::new(Semaphore::new(IN_FLIGHT)) }
                        });
                        if let Some(reply) = handle(&live.state, &live.caller, live.lang, &t, &lane.acks, &lane.in_flight)
                            && live.socket.send(reply).await.is_err()
                        {
                            return;
                        }
                    }
                    Message::Binary(_) => {
                        if live.socket.send(problem(live.lang, ErrorCode::InvalidJson, None)).await.is_err() { return; }
                    }
                    Message::Close(_) => return,
                    Message::Ping(_) | Message::Pong(_) => {}
                }
            }
        }
    }
}

/// Where the answers to a connection's own sends and read marks come back, and how many
/// may be under way at once.
struct Lane {
    acks: mpsc::Sender<Message>,
    in_flight: Arc<Semaphore>,
}

/// How long a dropped connection may take to be told why before it is cut.
const FAREWELL_WITHIN: Duration = Duration::from_secs(10);

/// Ends a kicked connection: it leaves the hub at once, then is told why (a reader
/// that fell behind gets `resync`) as far as its socket takes it in time.
async fn kicked(mut socket: WebSocket, registered: Registered, why: Kick) {
    drop(registered);
    let farewell = async {
        match why {
            Kick::Behind => {
                metrics::counter!("campuslink_ws_dropped_behind_total").increment(1);
                socket.send(text(ControlFrame::Resync { reason: ResyncReason::Behind })).await?;
                socket.send(close(1008, "fell behind")).await
            }
            Kick::SessionEnded => socket.send(close(CLOSE_SESSION_ENDED, "session ended")).await,
        }
    };
    let _ = tokio::time::timeout(FAREWELL_WITHIN, farewell).await;
}

/// One frame from the client: answers at once (ping, a refusal) or starts the action,
/// whose answer comes through `acks`.
fn handle(
    state: &AppState,
    caller: &Arc<Caller>,
    lang: Lang,
    raw: &str,
    acks: &mpsc::Sender<Message>,
    in_flight: &Arc<Semaphore>,
) -> Option<Message> {
    let frame: ClientFrame = match serde_json::from_str(raw) {
        Ok(f) => f,
        Err(_) => {
            let client_id = serde_json::from_str::<serde_json::Value>(raw)
                .ok()
                .and_then(|v| v.get("client_id").and_then(|c| c.as_str()).map(str::to_owned));
            let code = if serde_json::from_str::<serde_json::Value>(raw).is_ok() {
                ErrorCode::InvalidInput
            } else {
                ErrorCode::InvalidJson
            };
            return Some(problem(lang, code, client_id.as_deref()));
        }
    };
    match frame {
        ClientFrame::Ping => Some(text(ControlFrame::Pong)),
        ClientFrame::Hello { .. } => Some(problem(lang, ErrorCode::InvalidInput, None)),
        ClientFrame::Send {
            conversation_id,
            client_id,
            text: body,
            reply_to,
            mentions,
            mention_all,
            attachment_id,
        } => {
            let Ok(permit) = in_flight.clone().try_acquire_owned() else {
                return Some(problem(lang, ErrorCode::RateLimited, Some(&client_id)));
            };
            let (state, caller, acks) = (state.clone(), caller.clone(), acks.clone());
            tokio::spawn(async move {
                let cid = client_id.clone();
                let input = SendInput { client_id, text: body, reply_to, mentions, mention_all, attachment_id };
                let reply = match chat::send(&state, &caller, conversation_id, input).await {
                    Ok((m, _)) => text(ControlFrame::Ack { client_id: cid, message: m }),
                    Err(e) => problem(lang, e.code, Some(&cid)),
                };
                let _ = acks.send(reply).await;
                drop(permit);
            });
            None
        }
        ClientFrame::Read { conversation_id, position } => {
            let Ok(permit) = in_flight.clone().try_acquire_owned() else {
                return Some(problem(lang, ErrorCode::RateLimited, None));
            };
            let (state, caller, acks) = (state.clone(), caller.clone(), acks.clone());
            tokio::spawn(async move {
                if let Err(e) = chat::mark_read(&state, &caller, conversation_id, position.max(0)).await {
                    let _ = acks.send(problem(lang, e.code, None)).await;
                }
                drop(permit);
            });
            None
        }
    }
}

//! A TCP chat server: every connection is an actor, every room is a topic.
//!
//! ```text
//! cargo run -p backstage-native-driver --example chat -- 127.0.0.1:7000
//! ```
//!
//! The address defaults to `127.0.0.1:0` (a port the OS picks). The first line on stdout is
//! `listening on ADDRESS`. The server runs until SIGINT or SIGTERM, then shuts down gracefully
//! and prints `stopped N actors` (every actor stopped during its life) before exiting 0.
//!
//! The protocol is lines of text (`\n`-terminated, a trailing `\r` is ignored):
//!
//! - `/join ROOM` leaves the current room, if any, and joins `ROOM`; the server answers
//!   `* joined ROOM`.
//! - `/leave` leaves the current room; the server answers `* left ROOM`.
//! - Any other line goes to every other member of the room as `NAME: LINE`, where `NAME` is
//!   the sender's address. Every member gets the room's lines in the same order.
//!
//! When a client disconnects, what it already sent still reaches the room, including an
//! unfinished last line.
//!
//! A room is the core's global topic of that name, and topics live in one loop's system: the
//! listener spawns the members as its children, so they all share its loop.

use std::net::{TcpListener, TcpStream};
use std::rc::Rc;

use backstage_core::{
    Actor, ActorError, ActorId, Addr, Context, Handler, Message, Runtime, SpawnOptions, Topic,
};
use backstage_native_driver::io::{self, Accepted, Connection, Listener, TcpEvent};
use backstage_native_driver::{Engine, EngineError, Handle};

/// How many lines a member may fall behind before the room drops lines for it (as dead
/// letters). A member's turn only hands lines to its socket's write queue, so this is reached
/// only when one client's burst outruns the loop.
const MEMBER_MAILBOX: usize = 64 * 1024;

/// A line said in a room, as its members receive it.
#[derive(Clone, Debug)]
pub struct Said {
    /// The member that said it (it does not get its own lines back).
    pub from: ActorId,
    /// `NAME: LINE\n`, ready to write.
    pub line: Rc<str>,
}

impl Message for Said {
    type Reply = ();
}

/// Owns the listening socket; every accepted connection becomes a [`Member`] child.
pub struct ChatServer {
    socket: Option<TcpListener>,
    listener: Option<Listener>,
}

impl Actor for ChatServer {
    fn started(&mut self, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        let socket = self.socket.take().ok_or("the listening socket is gone")?;
        let listener =
            io::register_listener(socket, &ctx.me()).map_err(|e| ActorError::from_error(&e))?;
        self.listener = Some(listener);
        Ok(())
    }
}

impl Handler<Accepted> for ChatServer {
    fn handle(
        &mut self,
        accepted: Accepted,
        ctx: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        let name = accepted.peer.to_string();
        let mut stream = Some(accepted.stream);
        let options = SpawnOptions::new().capacity(MEMBER_MAILBOX);
        ctx.spawn_child_with(options, move || Member {
            stream: stream.take(),
            conn: None,
            name: name.clone(),
            room: None,
            partial: Vec::new(),
        })
        .map_err(|e| ActorError::from_error(&e))?;
        Ok(())
    }
}

/// One client: parses its lines, joins and leaves rooms, and relays what its rooms say.
pub struct Member {
    stream: Option<TcpStream>,
    conn: Option<Connection>,
    name: String,
    room: Option<(String, Topic)>,
    /// Bytes of a line whose `\n` has not arrived yet.
    partial: Vec<u8>,
}

impl Member {
    fn say(&self, text: &str) {
        if let Some(conn) = &self.conn {
            // A failed write means the peer is gone: its `Closed` event ends this actor.
            let _ = conn.write(text.as_bytes());
        }
    }

    fn leave(&mut self, ctx: &mut Context<'_, Self>) -> Option<String> {
        let (name, topic) = self.room.take()?;
        ctx.unsubscribe(&topic, ctx.id());
        Some(name)
    }

    fn on_line(&mut self, line: &[u8], ctx: &mut Context<'_, Self>) {
        let line = String::from_utf8_lossy(line);
        let line = line.strip_suffix('\r').unwrap_or(&line);
        if let Some(room) = line.strip_prefix("/join ") {
            let room = room.trim();
            if room.is_empty() {
                return self.say("* usage: /join ROOM\n");
            }
            self.leave(ctx);
            let topic = Topic::global(room);
            let me = ctx.me();
            if ctx.subscribe::<Said, _>(&topic, &me).is_ok() {
                self.room = Some((room.to_string(), topic));
                self.say(&format!("* joined {room}\n"));
            }
        } else if line == "/leave" {
            match self.leave(ctx) {
                Some(room) => self.say(&format!("* left {room}\n")),
                None => self.say("* not in a room\n"),
            }
        } else if let Some((_, topic)) = &self.room {
            let said = Said {
                from: ctx.id(),
                line: format!("{}: {line}\n", self.name).into(),
            };
            ctx.publish(topic, said);
        } else {
            self.say("* join a room first: /join ROOM\n");
        }
    }
}

impl Actor for Member {
    fn started(&mut self, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        match self.stream.take() {
            Some(stream) => {
                let conn = io::register_stream(stream, &ctx.me())
                    .map_err(|e| ActorError::from_error(&e))?;
                self.conn = Some(conn);
            }
            // A restarted instance: the connection went with the first one.
            None => {
                let _ = ctx.stop(ctx.id());
            }
        }
        Ok(())
    }
}

impl Handler<TcpEvent> for Member {
    fn handle(&mut self, event: TcpEvent, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        match event {
            TcpEvent::Data(bytes) => {
                self.partial.extend_from_slice(&bytes);
                let mut start = 0;
                while let Some(end) = self.partial[start..].iter().position(|&b| b == b'\n') {
                    let line = self.partial[start..start + end].to_vec();
                    start += end + 1;
                    self.on_line(&line, ctx);
                }
                self.partial.drain(..start);
            }
            TcpEvent::Closed { .. } => {
                // What the client sent before it left still counts, unfinished line included.
                if !self.partial.is_empty() {
                    let line = std::mem::take(&mut self.partial);
                    self.on_line(&line, ctx);
                }
                if let Some(conn) = &self.conn {
                    conn.close();
                }
                let _ = ctx.stop(ctx.id());
            }
        }
        Ok(())
    }
}

impl Handler<Said> for Member {
    fn handle(&mut self, said: Said, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        if said.from != ctx.id() {
            self.say(&said.line);
        }
        Ok(())
    }
}

/// Spawns the chat server on `handle`'s engine, serving `socket`.
pub fn serve(handle: &Handle, socket: TcpListener) -> Result<Addr<ChatServer>, EngineError> {
    let mut socket = Some(socket);
    handle
        .spawn(move || ChatServer {
            socket: socket.take(),
            listener: None,
        })
        .wait()
}

fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".into());
    let socket = TcpListener::bind(&addr)?;
    println!("listening on {}", socket.local_addr()?);
    let engine = Engine::builder().handle_signals(true).start()?;
    serve(&engine.handle(), socket).map_err(std::io::Error::other)?;
    let stopped: u64 = engine.join().iter().map(|m| m.stopped).sum();
    println!("stopped {stopped} actors");
    Ok(())
}

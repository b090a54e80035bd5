//! A TCP echo server: a listener actor accepts connections and spawns one `Echo` actor per
//! connection, spread round-robin over the engine's loops; each writes back what it reads.
//!
//! ```text
//! cargo run -p backstage-native-driver --example echo -- 127.0.0.1:7000
//! ```
//!
//! The address defaults to `127.0.0.1:0` (a port the OS picks). The first line on stdout is
//! `listening on ADDRESS`. The server runs until SIGINT or SIGTERM, then shuts down gracefully
//! and prints `stopped N actors` (every actor stopped during its life) before exiting 0.

use std::net::{TcpListener, TcpStream};

use backstage_core::{Actor, ActorError, Addr, Context, Handler, Runtime};
use backstage_native_driver::io::{self, Accepted, Connection, Listener, TcpEvent};
use backstage_native_driver::{Engine, EngineError, Handle};

/// Owns the listening socket and hands every accepted connection to a new [`Echo`].
pub struct EchoServer {
    socket: Option<TcpListener>,
    listener: Option<Listener>,
}

impl Actor for EchoServer {
    fn started(&mut self, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        // The socket moves into the loop's poller; a restarted instance has none left.
        let socket = self.socket.take().ok_or("the listening socket is gone")?;
        let listener =
            io::register_listener(socket, &ctx.me()).map_err(|e| ActorError::from_error(&e))?;
        self.listener = Some(listener);
        Ok(())
    }
}

impl Handler<Accepted> for EchoServer {
    fn handle(&mut self, accepted: Accepted, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        // A `TcpStream` is `Send`, so the connection's actor can live on any loop: it
        // registers the stream on the loop it lands on.
        let handle = Handle::current().ok_or("not on a loop thread")?;
        let mut stream = Some(accepted.stream);
        // No need to wait for the spawn: if the engine is shutting down it is refused and the
        // stream just closes.
        drop(handle.spawn(move || Echo {
            stream: stream.take(),
            conn: None,
        }));
        Ok(())
    }
}

/// One connection: writes back every byte, and stops once the peer is done.
pub struct Echo {
    stream: Option<TcpStream>,
    conn: Option<Connection>,
}

impl Actor for Echo {
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

impl Handler<TcpEvent> for Echo {
    fn handle(&mut self, event: TcpEvent, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        let Some(conn) = &self.conn else {
            return Ok(());
        };
        match event {
            TcpEvent::Data(bytes) => {
                if conn.write(&bytes).is_err() {
                    // The peer is gone; its `Closed` follows, but there is nothing left to do.
                    let _ = ctx.stop(ctx.id());
                }
            }
            TcpEvent::Closed { .. } => {
                // A graceful close still writes what is queued after this actor has stopped.
                conn.close();
                let _ = ctx.stop(ctx.id());
            }
        }
        Ok(())
    }
}

/// Spawns the echo server on `handle`'s engine, serving `socket`.
pub fn serve(handle: &Handle, socket: TcpListener) -> Result<Addr<EchoServer>, EngineError> {
    let mut socket = Some(socket);
    handle
        .spawn(move || EchoServer {
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

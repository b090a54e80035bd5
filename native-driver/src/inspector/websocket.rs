//! The server side of WebSocket (RFC 6455), as much as the inspector needs: the opening
//! handshake, and reading and writing frames (text, binary, continuation, close, ping, pong),
//! with size limits. Pure functions over byte buffers; the sockets are [`super`]'s.

use super::sha1::accept_key;

/// Longest opening handshake (request line and headers) read before answering 431.
pub(crate) const MAX_HANDSHAKE: usize = 8 * 1024;

pub(crate) const OP_CONTINUATION: u8 = 0x0;
pub(crate) const OP_TEXT: u8 = 0x1;
pub(crate) const OP_BINARY: u8 = 0x2;
pub(crate) const OP_CLOSE: u8 = 0x8;
pub(crate) const OP_PING: u8 = 0x9;
pub(crate) const OP_PONG: u8 = 0xA;

/// Close codes (RFC 6455 §7.4.1).
pub(crate) const CLOSE_NORMAL: u16 = 1000;
pub(crate) const CLOSE_GOING_AWAY: u16 = 1001;
pub(crate) const CLOSE_PROTOCOL_ERROR: u16 = 1002;
pub(crate) const CLOSE_TOO_BIG: u16 = 1009;

/// What to do with the bytes a connection has sent so far, before it is a WebSocket.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Handshake {
    /// The request is not complete yet: read more.
    Incomplete,
    /// A valid upgrade: send `response`; the request took `consumed` bytes (frames may follow).
    Upgrade { response: Vec<u8>, consumed: usize },
    /// Not (or not an acceptable) WebSocket request: send `response`, then close.
    Reject { response: Vec<u8> },
}

fn http_error(status: &str, extra_headers: &str, body: &str) -> Handshake {
    Handshake::Reject {
        response: format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\
             Connection: close\r\n{extra_headers}\r\n{body}",
            body.len()
        )
        .into_bytes(),
    }
}

/// Reads an opening handshake from `buf`. `origin_allowed` decides on a browser's `Origin`
/// header (requests without one, from non-browser clients, are allowed).
pub(crate) fn handshake(buf: &[u8], origin_allowed: impl Fn(&str) -> bool) -> Handshake {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        return if buf.len() > MAX_HANDSHAKE {
            http_error(
                "431 Request Header Fields Too Large",
                "",
                "request too large\n",
            )
        } else {
            Handshake::Incomplete
        };
    };
    if end > MAX_HANDSHAKE {
        return http_error(
            "431 Request Header Fields Too Large",
            "",
            "request too large\n",
        );
    }
    let Ok(head) = std::str::from_utf8(&buf[..end]) else {
        return http_error("400 Bad Request", "", "not an HTTP request\n");
    };
    let mut lines = head.split("\r\n");
    let request = lines.next().unwrap_or("");
    let mut parts = request.split(' ');
    let (method, _path, version) = (parts.next(), parts.next(), parts.next());
    if method != Some("GET") || version != Some("HTTP/1.1") || parts.next().is_some() {
        return http_error(
            "400 Bad Request",
            "",
            "the inspector endpoint takes a WebSocket upgrade (GET ... HTTP/1.1)\n",
        );
    }
    let (mut upgrade, mut connection, mut key, mut version, mut origin) =
        (false, false, None, None, None);
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return http_error("400 Bad Request", "", "malformed header\n");
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "upgrade" => upgrade = value.eq_ignore_ascii_case("websocket"),
            "connection" => {
                connection = value
                    .split(',')
                    .any(|token| token.trim().eq_ignore_ascii_case("upgrade"))
            }
            "sec-websocket-key" => key = Some(value),
            "sec-websocket-version" => version = Some(value),
            "origin" => origin = Some(value),
            _ => {}
        }
    }
    if !upgrade || !connection {
        return http_error(
            "426 Upgrade Required",
            "Upgrade: websocket\r\nConnection: Upgrade\r\n",
            "This is the Backstage inspector endpoint: connect with a WebSocket \
             (docs/inspector-protocol.md).\n",
        );
    }
    if version != Some("13") {
        return http_error(
            "426 Upgrade Required",
            "Sec-WebSocket-Version: 13\r\n",
            "unsupported WebSocket version\n",
        );
    }
    let Some(key) = key.filter(|k| !k.is_empty() && k.len() <= 64) else {
        return http_error("400 Bad Request", "", "missing Sec-WebSocket-Key\n");
    };
    if let Some(origin) = origin {
        if !origin_allowed(origin) {
            return http_error("403 Forbidden", "", "origin not allowed\n");
        }
    }
    Handshake::Upgrade {
        response: format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {}\r\n\r\n",
            accept_key(key)
        )
        .into_bytes(),
        consumed: end + 4,
    }
}

/// True for an `Origin` on this machine (`http://127.0.0.1:8080`, `http://localhost`,
/// `http://[::1]:3000`, `https://` too): pages served locally may inspect a local runtime,
/// other sites may not.
pub(crate) fn is_loopback_origin(origin: &str) -> bool {
    let rest = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    let Some(host_port) = rest else {
        return false;
    };
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        match v6.split_once(']') {
            Some((host, port))
                if port.is_empty() || port.strip_prefix(':').is_some_and(is_port) =>
            {
                host
            }
            _ => return false,
        }
    } else {
        match host_port.split_once(':') {
            Some((host, port)) if is_port(port) => host,
            Some(_) => return false,
            None => host_port,
        }
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn is_port(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u16>().is_ok()
}

/// One frame as received (unmasked).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Frame {
    pub(crate) fin: bool,
    pub(crate) opcode: u8,
    pub(crate) payload: Vec<u8>,
}

/// A frame that ends the connection.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FrameError {
    /// Against the protocol: close with 1002.
    Protocol(&'static str),
    /// Longer than allowed: close with 1009.
    TooBig,
}

/// Reads one client frame from the front of `buf`: `None` until it is complete; with the
/// bytes it took. A frame announcing more than `max_payload` bytes is refused as soon as its
/// header is in, before its payload is buffered.
pub(crate) fn parse_frame(
    buf: &[u8],
    max_payload: usize,
) -> Result<Option<(Frame, usize)>, FrameError> {
    if buf.len() < 2 {
        return Ok(None);
    }
    let (b0, b1) = (buf[0], buf[1]);
    let fin = b0 & 0x80 != 0;
    if b0 & 0x70 != 0 {
        return Err(FrameError::Protocol("reserved bits set"));
    }
    let opcode = b0 & 0x0F;
    if !matches!(
        opcode,
        OP_CONTINUATION | OP_TEXT | OP_BINARY | OP_CLOSE | OP_PING | OP_PONG
    ) {
        return Err(FrameError::Protocol("unknown opcode"));
    }
    if b1 & 0x80 == 0 {
        return Err(FrameError::Protocol("client frames must be masked"));
    }
    let (len, mut at) = match b1 & 0x7F {
        126 => {
            if buf.len() < 4 {
                return Ok(None);
            }
            (u64::from(u16::from_be_bytes([buf[2], buf[3]])), 4)
        }
        127 => {
            if buf.len() < 10 {
                return Ok(None);
            }
            let mut bytes = [0; 8];
            bytes.copy_from_slice(&buf[2..10]);
            let len = u64::from_be_bytes(bytes);
            if len >> 63 != 0 {
                return Err(FrameError::Protocol("length out of range"));
            }
            (len, 10)
        }
        n => (u64::from(n), 2),
    };
    if opcode >= OP_CLOSE && (!fin || len > 125) {
        return Err(FrameError::Protocol(
            "control frames are short and not fragmented",
        ));
    }
    if len > max_payload as u64 {
        return Err(FrameError::TooBig);
    }
    let len = len as usize;
    if buf.len() < at + 4 + len {
        return Ok(None);
    }
    let mask = [buf[at], buf[at + 1], buf[at + 2], buf[at + 3]];
    at += 4;
    let payload = buf[at..at + len]
        .iter()
        .enumerate()
        .map(|(i, b)| b ^ mask[i % 4])
        .collect();
    Ok(Some((
        Frame {
            fin,
            opcode,
            payload,
        },
        at + len,
    )))
}

/// Appends a server frame (final, unmasked) to `out`.
pub(crate) fn write_frame(out: &mut Vec<u8>, opcode: u8, payload: &[u8]) {
    out.push(0x80 | opcode);
    match payload.len() {
        n if n < 126 => out.push(n as u8),
        n if n <= 0xFFFF => {
            out.push(126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(payload);
}

/// Appends a close frame with `code` and a short `reason`.
pub(crate) fn write_close(out: &mut Vec<u8>, code: u16, reason: &str) {
    let mut payload = code.to_be_bytes().to_vec();
    // A control frame's payload is at most 125 bytes; cut on a character boundary.
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    payload.extend_from_slice(&reason.as_bytes()[..end]);
    write_frame(out, OP_CLOSE, &payload);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(opcode: u8, fin: bool, payload: &[u8]) -> Vec<u8> {
        let mask = [1, 2, 3, 4];
        let mut out = vec![if fin { 0x80 } else { 0 } | opcode];
        match payload.len() {
            n if n < 126 => out.push(0x80 | n as u8),
            n if n <= 0xFFFF => {
                out.push(0x80 | 126);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                out.push(0x80 | 127);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        out.extend_from_slice(&mask);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        out
    }

    const REQUEST: &str =
        "GET /inspector HTTP/1.1\r\nHost: 127.0.0.1:9230\r\nUpgrade: websocket\r\n\
        Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
        Sec-WebSocket-Version: 13\r\n";

    #[test]
    fn a_valid_upgrade_is_accepted() {
        let request = format!("{REQUEST}\r\n\x01");
        let Handshake::Upgrade { response, consumed } = handshake(request.as_bytes(), |_| false)
        else {
            panic!("not accepted");
        };
        let response = String::from_utf8(response).unwrap();
        assert!(response.starts_with("HTTP/1.1 101 "));
        assert!(response.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
        assert_eq!(consumed, request.len() - 1);
        assert_eq!(
            handshake(&REQUEST.as_bytes()[..40], |_| true),
            Handshake::Incomplete
        );
    }

    #[test]
    fn other_requests_are_refused_with_a_status() {
        let status = |request: &str| match handshake(request.as_bytes(), is_loopback_origin) {
            Handshake::Reject { response } => {
                String::from_utf8(response).unwrap()[9..12].to_string()
            }
            other => format!("{other:?}"),
        };
        assert_eq!(status("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), "426");
        assert_eq!(status("POST / HTTP/1.1\r\n\r\n"), "400");
        assert_eq!(status("\u{0}\u{1}garbage\r\n\r\n"), "400");
        assert_eq!(
            status(&(REQUEST.replace("Version: 13", "Version: 8") + "\r\n")),
            "426"
        );
        assert_eq!(
            status(&format!("{REQUEST}Origin: https://evil.example\r\n\r\n")),
            "403"
        );
        assert_eq!(status(&"x".repeat(MAX_HANDSHAKE + 1)), "431");
        assert!(matches!(
            handshake(
                format!("{REQUEST}Origin: http://localhost:5173\r\n\r\n").as_bytes(),
                is_loopback_origin
            ),
            Handshake::Upgrade { .. }
        ));
    }

    #[test]
    fn loopback_origins() {
        for ok in [
            "http://127.0.0.1",
            "http://127.0.0.1:8080",
            "https://localhost:3000",
            "http://[::1]:9000",
            "http://127.1.2.3",
        ] {
            assert!(is_loopback_origin(ok), "{ok}");
        }
        for bad in [
            "null",
            "http://evil.example",
            "http://127.0.0.1.evil.example",
            "http://localhost.evil.example:80",
            "http://127.0.0.1:99999",
            "http://[::1]9000",
            "file://",
        ] {
            assert!(!is_loopback_origin(bad), "{bad}");
        }
    }

    #[test]
    fn frames_are_read_whole_and_unmasked() {
        let bytes = masked(OP_TEXT, true, b"hello");
        assert_eq!(parse_frame(&bytes[..4], 1024), Ok(None));
        let (frame, used) = parse_frame(&bytes, 1024).unwrap().unwrap();
        assert_eq!(
            (frame.fin, frame.opcode, frame.payload.as_slice()),
            (true, OP_TEXT, &b"hello"[..])
        );
        assert_eq!(used, bytes.len());
        let long = vec![b'x'; 70_000];
        let bytes = masked(OP_BINARY, false, &long);
        let (frame, _) = parse_frame(&bytes, 100_000).unwrap().unwrap();
        assert_eq!((frame.fin, frame.payload.len()), (false, 70_000));
        let bytes = masked(OP_TEXT, true, &[b'y'; 300]);
        let (frame, _) = parse_frame(&bytes, 1024).unwrap().unwrap();
        assert_eq!(frame.payload.len(), 300);
    }

    #[test]
    fn bad_frames_end_the_connection() {
        // Too big: refused from the header alone.
        assert_eq!(
            parse_frame(&masked(OP_TEXT, true, &[0; 2000])[..8], 1024),
            Err(FrameError::TooBig)
        );
        let mut unmasked = masked(OP_TEXT, true, b"x");
        unmasked[1] &= 0x7F;
        assert!(matches!(
            parse_frame(&unmasked, 1024),
            Err(FrameError::Protocol(_))
        ));
        let mut reserved = masked(OP_TEXT, true, b"x");
        reserved[0] |= 0x40;
        assert!(matches!(
            parse_frame(&reserved, 1024),
            Err(FrameError::Protocol(_))
        ));
        assert!(matches!(
            parse_frame(&masked(0x3, true, b""), 1024),
            Err(FrameError::Protocol(_))
        ));
        assert!(matches!(
            parse_frame(&masked(OP_PING, false, b""), 1024),
            Err(FrameError::Protocol(_))
        ));
        assert!(matches!(
            parse_frame(&masked(OP_PING, true, &[0; 126]), 1024),
            Err(FrameError::Protocol(_))
        ));
    }

    #[test]
    fn server_frames_use_the_shortest_length() {
        for (len, header) in [(5, 2), (126, 4), (70_000, 10)] {
            let mut out = Vec::new();
            write_frame(&mut out, OP_TEXT, &vec![b'a'; len]);
            assert_eq!(out.len(), header + len);
            assert_eq!(out[0], 0x81);
        }
        let mut out = Vec::new();
        write_close(&mut out, CLOSE_NORMAL, &"é".repeat(100));
        assert!(out.len() <= 127);
        assert_eq!(&out[2..4], &CLOSE_NORMAL.to_be_bytes());
    }
}

//! A CBOR (RFC 8949) well-formedness check that runs before any decoding: one pass over the
//! bytes, no recursion, at most `max_depth` words of memory. It rejects what a decoder could
//! be made to allocate or recurse for: a declared length longer than the bytes that remain,
//! nesting deeper than the limit, reserved or misplaced headers, and trailing bytes.

use alloc::vec::Vec;

use super::{CallError, Limits};

/// What a container still expects.
#[derive(Clone, Copy)]
enum Open {
    /// A definite array or map: items left (a map counts keys and values).
    Items(u64),
    /// An indefinite array (`map == false`) or map, with the items read so far.
    Indefinite { map: bool, items: u64 },
    /// An indefinite byte (2) or text (3) string: definite chunks of that type until a break.
    Chunks(u8),
    /// A tag: one item.
    Tag,
}

/// One CBOR header: major type, additional information, and its argument.
pub(super) struct Header {
    pub(super) major: u8,
    pub(super) info: u8,
    pub(super) value: u64,
}

fn malformed(offset: usize, reason: &'static str) -> CallError {
    CallError::MalformedFrame { offset, reason }
}

/// Reads the header at `*pos`, advancing past it.
pub(super) fn header(data: &[u8], pos: &mut usize) -> Result<Header, CallError> {
    let at = *pos;
    let Some(&first) = data.get(at) else {
        return Err(malformed(at, "unexpected end of frame"));
    };
    let (major, info) = (first >> 5, first & 0x1f);
    let size = match info {
        0..=23 => 0,
        24 => 1,
        25 => 2,
        26 => 4,
        27 => 8,
        31 => 0,
        _ => return Err(malformed(at, "reserved additional information (28-30)")),
    };
    let bytes = data
        .get(at + 1..at + 1 + size)
        .ok_or_else(|| malformed(at, "unexpected end of frame in a header"))?;
    let value = match info {
        0..=23 => u64::from(info),
        _ => bytes.iter().fold(0u64, |v, b| (v << 8) | u64::from(*b)),
    };
    *pos = at + 1 + size;
    Ok(Header { major, info, value })
}

/// Checks that `data[start..]` begins with one well-formed item within `limits.max_depth`;
/// returns where it ends.
pub(super) fn skip_item(data: &[u8], start: usize, limits: &Limits) -> Result<usize, CallError> {
    let mut pos = start;
    let mut open: Vec<Open> = Vec::new();
    loop {
        let at = pos;
        let h = header(data, &mut pos)?;
        let remaining = (data.len() - pos) as u64;
        // Inside an indefinite string only definite chunks of its type, or the break, may come.
        if let Some(Open::Chunks(major)) = open.last() {
            let is_break = h.major == 7 && h.info == 31;
            if !is_break && (h.major != *major || h.info == 31) {
                return Err(malformed(
                    at,
                    "an indefinite string holds a chunk of another kind",
                ));
            }
        }
        let mut completed = true;
        match (h.major, h.info) {
            (0 | 1, 31) | (6, 31) => {
                return Err(malformed(at, "indefinite length on a number or tag"))
            }
            (0 | 1, _) => {}
            (2 | 3, 31) => {
                push(&mut open, Open::Chunks(h.major), limits)?;
                completed = false;
            }
            (2 | 3, _) => {
                if h.value > remaining {
                    return Err(malformed(at, "a string is longer than the frame"));
                }
                pos += h.value as usize;
            }
            (4 | 5, 31) => {
                push(
                    &mut open,
                    Open::Indefinite {
                        map: h.major == 5,
                        items: 0,
                    },
                    limits,
                )?;
                completed = false;
            }
            (4 | 5, _) => {
                let items = if h.major == 5 {
                    h.value.saturating_mul(2)
                } else {
                    h.value
                };
                // Every item takes at least one byte: a longer count cannot be honest.
                if items > remaining {
                    return Err(malformed(
                        at,
                        "a container declares more items than the frame holds",
                    ));
                }
                if items > 0 {
                    push(&mut open, Open::Items(items), limits)?;
                    completed = false;
                }
            }
            (6, _) => {
                push(&mut open, Open::Tag, limits)?;
                completed = false;
            }
            (7, 31) => match open.pop() {
                Some(Open::Indefinite { map: true, items }) if items % 2 == 1 => {
                    return Err(malformed(at, "an indefinite map ends after a key"))
                }
                Some(Open::Indefinite { .. } | Open::Chunks(_)) => {}
                _ => return Err(malformed(at, "a break outside an indefinite container")),
            },
            (7, 24) if h.value < 32 => {
                return Err(malformed(at, "a simple value in two bytes below 32"))
            }
            // Major type 7: simple values and floats.
            _ => {}
        }
        if !completed {
            continue;
        }
        // One item is complete: count it in the containers it completes.
        loop {
            match open.last_mut() {
                None => return Ok(pos),
                Some(Open::Items(left)) => {
                    *left -= 1;
                    if *left > 0 {
                        break;
                    }
                    open.pop();
                }
                Some(Open::Tag) => {
                    open.pop();
                }
                Some(Open::Indefinite { items, .. }) => {
                    *items += 1;
                    break;
                }
                Some(Open::Chunks(_)) => break,
            }
        }
    }
}

fn push(open: &mut Vec<Open>, item: Open, limits: &Limits) -> Result<(), CallError> {
    if open.len() >= limits.max_depth {
        return Err(CallError::FrameTooDeep {
            max: limits.max_depth,
        });
    }
    open.push(item);
    Ok(())
}

/// Checks a whole buffer holding exactly one item within the limits.
pub(super) fn check_value(data: &[u8], limits: &Limits) -> Result<(), CallError> {
    if data.len() > limits.max_frame_bytes {
        return Err(CallError::FrameTooLarge {
            len: data.len(),
            max: limits.max_frame_bytes,
        });
    }
    let end = skip_item(data, 0, limits)?;
    if end != data.len() {
        return Err(malformed(end, "trailing bytes after the value"));
    }
    Ok(())
}

/// A call frame taken apart (see [`parse_frame`]).
pub(super) struct Frame<'a> {
    pub(super) method: &'a str,
    /// The encoded argument array, exactly.
    pub(super) args: &'a [u8],
    pub(super) arity: usize,
}

/// Checks `frame` and splits it into the method id and the argument array:
/// `[method: text, args: array]`.
pub(super) fn parse_frame<'a>(frame: &'a [u8], limits: &Limits) -> Result<Frame<'a>, CallError> {
    check_value(frame, limits)?;
    let mut pos = 0;
    let h = header(frame, &mut pos)?;
    if (h.major, h.info, h.value) != (4, 2, 2) {
        return Err(malformed(
            0,
            "a call frame is a CBOR array of two items: [method, [arguments...]]",
        ));
    }
    let at = pos;
    let h = header(frame, &mut pos)?;
    if h.major != 3 || h.info == 31 {
        return Err(malformed(
            at,
            "the method id is not a definite-length text string",
        ));
    }
    let end = pos.saturating_add(h.value as usize);
    let text = frame
        .get(pos..end)
        .ok_or_else(|| malformed(at, "unexpected end of frame in the method id"))?;
    let method =
        core::str::from_utf8(text).map_err(|_| malformed(pos, "the method id is not UTF-8"))?;
    pos = end;
    let args_start = pos;
    let h = header(frame, &mut pos)?;
    if h.major != 4 {
        return Err(malformed(args_start, "the arguments are not an array"));
    }
    let arity = if h.info == 31 {
        let mut count = 0;
        while frame.get(pos) != Some(&0xff) {
            pos = skip_item(frame, pos, limits)?;
            count += 1;
        }
        count
    } else {
        h.value as usize
    };
    Ok(Frame {
        method,
        args: frame.get(args_start..).unwrap_or_default(),
        arity,
    })
}

/// Writes a header (the shortest form, as CBOR's preferred serialization asks).
pub(super) fn write_header(out: &mut Vec<u8>, major: u8, value: u64) {
    let major = major << 5;
    match value {
        0..=23 => out.push(major | value as u8),
        24..=0xff => out.extend_from_slice(&[major | 24, value as u8]),
        0x100..=0xffff => {
            out.push(major | 25);
            out.extend_from_slice(&(value as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(major | 26);
            out.extend_from_slice(&(value as u32).to_be_bytes());
        }
        _ => {
            out.push(major | 27);
            out.extend_from_slice(&value.to_be_bytes());
        }
    }
}

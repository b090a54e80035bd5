//! The frame checker on hand-made bytes (the integration tests `wire_dispatch` and
//! `wire_limits` cover it through the dispatcher, and the fuzz target without end).

use alloc::vec;
use alloc::vec::Vec;

use super::cbor::{check_value, header, parse_frame, write_header};
use super::{CallError, Limits};

#[test]
fn headers_round_trip_in_their_shortest_form() {
    for (value, len) in [
        (0u64, 1),
        (23, 1),
        (24, 2),
        (255, 2),
        (256, 3),
        (65_535, 3),
        (65_536, 5),
        (u64::from(u32::MAX), 5),
        (u64::from(u32::MAX) + 1, 9),
        (u64::MAX, 9),
    ] {
        let mut out = Vec::new();
        write_header(&mut out, 4, value);
        assert_eq!(out.len(), len, "{value}");
        let mut pos = 0;
        let h = header(&out, &mut pos).unwrap();
        assert_eq!((h.major, h.value, pos), (4, value, len));
    }
}

#[test]
fn one_well_formed_value_passes_and_anything_else_does_not() {
    let limits = Limits::default();
    let ok: [&[u8]; 6] = [
        &[0x00],
        &[0xf6],
        &[0x83, 0x01, 0x02, 0x03],
        &[0xa1, 0x61, b'k', 0x9f, 0xff],
        &[0x5f, 0x41, 0x00, 0x40, 0xff],
        &[0xc1, 0x1a, 0, 0, 0, 1],
    ];
    for bytes in ok {
        assert_eq!(check_value(bytes, &limits), Ok(()), "{bytes:02x?}");
    }
    let bad: [&[u8]; 6] = [
        &[],
        &[0x18],
        &[0x82, 0x01],
        &[0x01, 0x02],
        &[0xff],
        &[0x5f, 0x61, b'a', 0xff],
    ];
    for bytes in bad {
        assert!(
            matches!(
                check_value(bytes, &limits),
                Err(CallError::MalformedFrame { .. })
            ),
            "{bytes:02x?}"
        );
    }
}

#[test]
fn depth_counts_containers_and_tags() {
    let limits = Limits {
        max_depth: 3,
        ..Limits::default()
    };
    assert_eq!(check_value(&[0x81, 0x81, 0x81, 0x00], &limits), Ok(()));
    assert_eq!(
        check_value(&[0x81, 0x81, 0x81, 0x81, 0x00], &limits),
        Err(CallError::FrameTooDeep { max: 3 })
    );
    assert_eq!(
        check_value(&[0x81, 0xc1, 0x81, 0xc1, 0x00], &limits),
        Err(CallError::FrameTooDeep { max: 3 })
    );
    // Empty containers open nothing.
    assert_eq!(check_value(&[0x81, 0x81, 0x81, 0x80], &limits), Ok(()));
}

#[test]
fn a_frame_splits_into_method_and_arguments() {
    let frame = vec![0x82, 0x63, b'a', b'd', b'd', 0x82, 0x01, 0x02];
    let parsed = parse_frame(&frame, &Limits::default()).unwrap();
    assert_eq!((parsed.method, parsed.arity), ("add", 2));
    assert_eq!(parsed.args, &[0x82, 0x01, 0x02]);

    let indefinite = vec![0x82, 0x61, b'f', 0x9f, 0x01, 0x81, 0x02, 0xff];
    let parsed = parse_frame(&indefinite, &Limits::default()).unwrap();
    assert_eq!((parsed.method, parsed.arity), ("f", 2));
}

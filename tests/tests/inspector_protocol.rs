//! The inspector protocol's JSON: frames are byte-for-byte stable (both runtimes build them
//! with these functions), commands survive a round trip, and malformed input — deep nesting,
//! huge strings, invalid UTF-8, truncation, wrong shapes — is a typed error with a code, never
//! a panic.

use std::time::Duration;

use backstage_core::inspect::json::{parse, Json, JsonErrorKind, Limits};
use backstage_core::inspect::protocol::{
    self, DEFAULT_WATCH_INTERVAL, MAX_WATCH_INTERVAL, MIN_WATCH_INTERVAL,
};
use backstage_core::inspect::{
    ActorSample, Command, ErrorKind, EventBatch, EventKind, InspectEvent, Request, Snapshot,
    TopicSample,
};
use backstage_core::{ActorId, ActorState, DeadLetterReason, Instant, SystemMetrics};

fn decode(text: &str) -> Result<Command, backstage_core::inspect::ProtocolError> {
    Command::decode(text.as_bytes(), &Limits::default())
}

fn id(n: u32, i: u32, g: u32) -> ActorId {
    ActorId::from_parts(n, i, g)
}

#[test]
fn every_command_survives_a_round_trip() {
    let commands = [
        Command {
            reference: Some(1),
            request: Request::Snapshot,
        },
        Command {
            reference: None,
            request: Request::Watch {
                interval: Duration::from_millis(250),
            },
        },
        Command {
            reference: Some(3),
            request: Request::Unwatch,
        },
        Command {
            reference: Some(9_007_199_254_740_991),
            request: Request::Stop { actor: id(1, 2, 3) },
        },
        Command {
            reference: Some(0),
            request: Request::Send {
                actor: id(0, 4_294_967_295, 2_097_151),
                text: "crash \"now\"\n\u{0}é😀".into(),
            },
        },
    ];
    for command in commands {
        let json = command.to_json();
        assert_eq!(decode(&json), Ok(command.clone()), "{json}");
    }
}

#[test]
fn commands_read_as_documented() {
    let c = decode(r#" { "type" : "watch" , "ref" : 2 , "intervalMs" : 500 , "extra": [1] } "#)
        .unwrap();
    assert_eq!(c.reference, Some(2));
    assert_eq!(
        c.request,
        Request::Watch {
            interval: Duration::from_millis(500)
        }
    );
    let default = decode(r#"{"type":"watch"}"#).unwrap();
    assert_eq!(
        default.request,
        Request::Watch {
            interval: DEFAULT_WATCH_INTERVAL
        }
    );
    let fast = decode(r#"{"type":"watch","intervalMs":1}"#).unwrap();
    assert_eq!(
        fast.request,
        Request::Watch {
            interval: MIN_WATCH_INTERVAL
        }
    );
    let slow = decode(r#"{"type":"watch","intervalMs":1e12}"#).unwrap();
    assert_eq!(
        slow.request,
        Request::Watch {
            interval: MAX_WATCH_INTERVAL
        }
    );
    let null_ref = decode(r#"{"type":"snapshot","ref":null}"#).unwrap();
    assert_eq!(null_ref.reference, None);
    let escaped = decode(r#"{"type":"send","actor":"0.3.0","text":"\u0063rash"}"#).unwrap();
    assert_eq!(
        escaped.request,
        Request::Send {
            actor: id(0, 3, 0),
            text: "crash".into()
        }
    );
}

#[test]
fn frames_are_byte_for_byte_stable() {
    assert_eq!(
        protocol::hello("native", &[0, 1]),
        r#"{"type":"hello","protocol":1,"runtime":"native","nodes":[0,1]}"#
    );
    assert_eq!(protocol::ok(Some(7)), r#"{"type":"ok","ref":7}"#);
    assert_eq!(protocol::ok(None), r#"{"type":"ok","ref":null}"#);

    let mut metrics = SystemMetrics {
        sent: 10,
        delivered: 6,
        dead_letters: 4,
        spawned: 3,
        stopped: 1,
        failures: 1,
        restarts: 1,
        live_actors: 2,
        ..SystemMetrics::default()
    };
    metrics.dead_letters_by_reason[DeadLetterReason::NoSuchActor as usize] = 1;
    metrics.dead_letters_by_reason[DeadLetterReason::ActorStopped as usize] = 3;
    let snapshot = Snapshot {
        at: Instant::from_nanos(12_345_600_000),
        metrics,
        rate: 1234.5,
        actors: vec![
            ActorSample {
                id: id(0, 1, 0),
                name: None,
                type_name: "Supervisor",
                parent: None,
                state: ActorState::Running,
                mailbox: 0,
                capacity: 1024,
                processed: 5,
                rate: 0.0,
                errors: 0,
                restarts: 0,
            },
            ActorSample {
                id: id(0, 3, 0),
                name: Some("pinger \"1\"".into()),
                type_name: "PingActor",
                parent: Some(id(0, 1, 0)),
                state: ActorState::Suspended,
                mailbox: 3,
                capacity: 16,
                processed: 981,
                rate: 412.00049,
                errors: 1,
                restarts: 1,
            },
        ],
        topics: vec![TopicSample {
            name: "news".into(),
            owner: None,
            subscribers: 2,
        }],
    };
    assert_eq!(
        snapshot.to_json(),
        concat!(
            r#"{"type":"snapshot","at":12345.6,"system":{"sent":10,"delivered":6,"rejected":0,"#,
            r#""deadLetters":4,"spawned":3,"stopped":1,"failures":1,"restarts":1,"liveActors":2,"#,
            r#""rate":1234.5},"actors":[{"id":"0.1.0","name":null,"type":"Supervisor","parent":null,"#,
            r#""state":"running","mailbox":0,"capacity":1024,"processed":5,"rate":0,"errors":0,"#,
            r#""restarts":0},{"id":"0.3.0","name":"pinger \"1\"","type":"PingActor","parent":"0.1.0","#,
            r#""state":"suspended","mailbox":3,"capacity":16,"processed":981,"rate":412,"errors":1,"#,
            r#""restarts":1}],"topics":[{"name":"news","owner":null,"subscribers":2}],"#,
            r#""deadLetters":{"total":4,"byReason":{"NO_SUCH_ACTOR":1,"ACTOR_STOPPED":3}}}"#
        )
    );

    let at = |ms: u64| Instant::from_nanos(ms * 1_000_000 + 250_000);
    let batch = EventBatch {
        events: vec![
            InspectEvent {
                at: at(1),
                kind: EventKind::Spawned {
                    id: id(0, 4, 0),
                    parent: Some(id(0, 1, 0)),
                    name: None,
                    type_name: "Worker",
                },
            },
            InspectEvent {
                at: at(2),
                kind: EventKind::Stopped {
                    id: id(0, 4, 0),
                    reason: "failed",
                    error: Some("boom".into()),
                },
            },
            InspectEvent {
                at: at(3),
                kind: EventKind::Failed {
                    id: id(0, 5, 0),
                    error: "boom".into(),
                },
            },
            InspectEvent {
                at: at(3),
                kind: EventKind::Restarted {
                    id: id(0, 5, 0),
                    error: "boom".into(),
                },
            },
            InspectEvent {
                at: at(4),
                kind: EventKind::DeadLetter {
                    to: Some(id(0, 4, 0)),
                    from: None,
                    reason: DeadLetterReason::ActorStopped,
                    message_type: "Ping",
                    message: Some("Ping".into()),
                },
            },
        ],
        dropped: 2,
    };
    assert_eq!(
        batch.to_json(),
        concat!(
            r#"{"type":"events","events":["#,
            r#"{"kind":"spawned","at":1.25,"id":"0.4.0","parent":"0.1.0","name":null,"type":"Worker"},"#,
            r#"{"kind":"stopped","at":2.25,"id":"0.4.0","reason":"failed","error":"boom"},"#,
            r#"{"kind":"failed","at":3.25,"id":"0.5.0","error":"boom"},"#,
            r#"{"kind":"restarted","at":3.25,"id":"0.5.0","error":"boom"},"#,
            r#"{"kind":"deadLetter","at":4.25,"to":"0.4.0","from":null,"reason":"ACTOR_STOPPED","#,
            r#""messageType":"Ping","message":"Ping"}],"dropped":2}"#
        )
    );
    // And every frame is JSON that reads back.
    for frame in [snapshot.to_json(), batch.to_json()] {
        let value = parse(frame.as_bytes(), &Limits::default()).unwrap();
        assert_eq!(value.to_string(), frame);
    }
}

#[test]
fn malformed_json_is_a_malformed_frame() {
    let json_error = |input: &[u8]| match Command::decode(input, &Limits::default()) {
        Err(e) => {
            assert_eq!(e.code(), "MALFORMED_FRAME", "{e}");
            assert_eq!(e.reference, None);
            match e.kind {
                ErrorKind::Json(j) => j.kind,
                other => panic!("not a JSON error: {other:?}"),
            }
        }
        Ok(c) => panic!("accepted {c:?}"),
    };
    // Deep nesting, without exhausting the stack.
    let deep = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
    assert_eq!(json_error(deep.as_bytes()), JsonErrorKind::TooDeep);
    let deep = "[".repeat(100_000);
    assert_eq!(json_error(deep.as_bytes()), JsonErrorKind::TooLarge);
    let deep_object = format!(
        r#"{{"type":"send","text":{}"x"{}}}"#,
        "[".repeat(40),
        "]".repeat(40)
    );
    assert_eq!(json_error(deep_object.as_bytes()), JsonErrorKind::TooDeep);
    // Huge strings.
    let huge = format!(
        r#"{{"type":"send","actor":"0.1.0","text":"{}"}}"#,
        "x".repeat(100_000)
    );
    assert_eq!(json_error(huge.as_bytes()), JsonErrorKind::TooLarge);
    // Invalid UTF-8, raw or as an escaped lone surrogate.
    assert_eq!(
        json_error(b"{\"type\":\"send\",\"text\":\"\xc3\x28\"}"),
        JsonErrorKind::InvalidUtf8
    );
    assert_eq!(
        json_error(br#"{"type":"send","text":"\ud83d"}"#),
        JsonErrorKind::InvalidEscape
    );
    // Truncated anywhere.
    let whole = r#"{"type":"send","ref":5,"actor":"0.3.0","text":"hello"}"#;
    for cut in 0..whole.len() {
        let kind = json_error(&whole.as_bytes()[..cut]);
        assert!(
            matches!(
                kind,
                JsonErrorKind::UnexpectedEnd | JsonErrorKind::InvalidNumber
            ),
            "cut at {cut}: {kind:?}"
        );
    }
    assert_eq!(json_error(b"not json"), JsonErrorKind::UnexpectedCharacter);
    assert_eq!(json_error(b"{} {}"), JsonErrorKind::TrailingCharacters);

    // Over caller-chosen limits.
    let tight = Limits {
        max_bytes: 32,
        max_depth: 1,
    };
    let e = Command::decode(br#"{"type":"snapshot","a":{}}"#, &tight).unwrap_err();
    assert!(matches!(e.kind, ErrorKind::Json(j) if j.kind == JsonErrorKind::TooDeep));
}

#[test]
fn wrong_shapes_are_typed_errors_that_keep_the_ref() {
    let err = |text: &str| decode(text).unwrap_err();
    let cases: [(&str, &str, Option<u64>); 15] = [
        (r#"[1,2]"#, "MALFORMED_FRAME", None),
        (r#""snapshot""#, "MALFORMED_FRAME", None),
        (r#"{"ref":1}"#, "MALFORMED_FRAME", Some(1)),
        (r#"{"type":7,"ref":2}"#, "MALFORMED_FRAME", Some(2)),
        (r#"{"type":"snapshot","ref":"x"}"#, "MALFORMED_FRAME", None),
        (r#"{"type":"snapshot","ref":1.5}"#, "MALFORMED_FRAME", None),
        (r#"{"type":"snapshot","ref":-1}"#, "MALFORMED_FRAME", None),
        (r#"{"type":"dance","ref":3}"#, "UNKNOWN_COMMAND", Some(3)),
        (r#"{"type":"stop","ref":4}"#, "INVALID_ARGUMENT", Some(4)),
        (
            r#"{"type":"stop","ref":5,"actor":"pinger"}"#,
            "INVALID_ARGUMENT",
            Some(5),
        ),
        (
            r#"{"type":"stop","ref":6,"actor":3}"#,
            "INVALID_ARGUMENT",
            Some(6),
        ),
        (
            r#"{"type":"send","ref":7,"actor":"0.1.0"}"#,
            "INVALID_ARGUMENT",
            Some(7),
        ),
        (
            r#"{"type":"send","ref":8,"actor":"0.1.0","text":1}"#,
            "INVALID_ARGUMENT",
            Some(8),
        ),
        (
            r#"{"type":"watch","ref":9,"intervalMs":-5}"#,
            "INVALID_ARGUMENT",
            Some(9),
        ),
        (
            r#"{"type":"watch","ref":10,"intervalMs":"1s"}"#,
            "INVALID_ARGUMENT",
            Some(10),
        ),
    ];
    for (input, code, reference) in cases {
        let e = err(input);
        assert_eq!((e.code(), e.reference), (code, reference), "{input}: {e}");
        // The error frame is JSON with the same code and ref.
        let frame = parse(e.to_json().as_bytes(), &Limits::default()).unwrap();
        assert_eq!(frame.get("type").and_then(Json::as_str), Some("error"));
        assert_eq!(frame.get("code").and_then(Json::as_str), Some(code));
        assert_eq!(frame.get("ref").and_then(Json::as_u64), reference);
        assert!(!frame
            .get("message")
            .and_then(Json::as_str)
            .unwrap()
            .is_empty());
    }
    assert_eq!(
        err(r#"{"type":"stop","ref":4}"#).to_json(),
        r#"{"type":"error","ref":4,"code":"INVALID_ARGUMENT","message":"`actor` is missing"}"#
    );
}

#[test]
fn no_input_makes_the_decoder_panic() {
    // Mutations of valid commands (bytes flipped, dropped, repeated), on a fixed seed.
    let seeds = [
        r#"{"type":"send","ref":5,"actor":"0.3.0","text":"h\u00e9llo \ud83d\ude00"}"#,
        r#"{"type":"watch","ref":2,"intervalMs":500.25e0}"#,
        r#"{"type":"stop","actor":"1.2.3","x":[true,false,null,{"a":-0.5E+3}]}"#,
    ];
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut outcomes = [0usize; 2];
    for round in 0..30_000 {
        let mut bytes = seeds[round % seeds.len()].as_bytes().to_vec();
        for _ in 0..1 + next() % 4 {
            let at = (next() as usize) % bytes.len().max(1);
            match next() % 4 {
                0 => bytes[at] = next() as u8,
                1 => {
                    bytes.remove(at);
                }
                2 => bytes.insert(at, b"{}[]\",:\\u0e9"[(next() % 12) as usize]),
                _ => bytes.truncate(at),
            }
            if bytes.is_empty() {
                break;
            }
        }
        match Command::decode(&bytes, &Limits::default()) {
            Ok(c) => {
                outcomes[0] += 1;
                // Whatever was accepted reads back the same.
                assert_eq!(decode(&c.to_json()), Ok(c));
            }
            Err(e) => {
                outcomes[1] += 1;
                assert!(!e.code().is_empty());
                parse(e.to_json().as_bytes(), &Limits::default()).unwrap();
            }
        }
    }
    assert!(outcomes[0] > 100 && outcomes[1] > 10_000, "{outcomes:?}");
}

//! Names: unique among live actors, looked up by name, reusable once their actor stops, and
//! the get-or-spawn of virtual actors.

use backstage_core::*;

struct Counter(u32);
impl Actor for Counter {}
struct Other;
impl Actor for Other {}

struct Bump;
impl Message for Bump {
    type Reply = u32;
}
impl Handler<Bump> for Counter {
    fn handle(&mut self, _: Bump, _: &mut Context<'_, Self>) -> Result<u32, ActorError> {
        self.0 += 1;
        Ok(self.0)
    }
}

#[test]
fn a_duplicate_name_is_refused_with_an_error() {
    let mut d = ManualDriver::default();
    let first = d
        .spawn_with(SpawnOptions::new().name("counter"), || Counter(0))
        .unwrap();
    let second = d.spawn_with(SpawnOptions::new().name("counter"), || Counter(0));
    assert_eq!(second.unwrap_err(), SpawnError::NameTaken("counter".into()));
    assert_eq!(d.lookup("counter"), Some(first.id()));
    assert_eq!(d.metrics().live_actors, 1);
}

#[test]
fn a_name_is_free_again_once_its_actor_stopped() {
    let mut d = ManualDriver::default();
    let first = d
        .spawn_with(SpawnOptions::new().name("svc"), || Counter(0))
        .unwrap();
    d.stop(first.id()).unwrap();
    d.run_until_idle();
    assert_eq!(d.lookup("svc"), None);
    let second = d
        .spawn_with(SpawnOptions::new().name("svc"), || Counter(0))
        .unwrap();
    assert_ne!(first, second);
    assert_eq!(d.lookup_as::<Counter>("svc"), Ok(Some(second)));
}

#[test]
fn get_or_spawn_creates_on_first_use_and_then_returns_the_same_actor() {
    let mut d = ManualDriver::default();
    let a = d.get_or_spawn("counter-1", || Counter(0)).unwrap();
    let b = d.get_or_spawn("counter-1", || Counter(100)).unwrap();
    assert_eq!(a, b);
    let first = d.system.ask(&a, Bump);
    assert_eq!(
        d.block_on(first),
        Some(Ok(1)),
        "the second factory was never used"
    );
    assert_eq!(d.metrics().spawned, 1);
}

#[test]
fn a_name_of_another_type_is_a_type_mismatch_not_a_wrong_address() {
    let mut d = ManualDriver::default();
    d.spawn_with(SpawnOptions::new().name("thing"), || Other)
        .unwrap();
    match d.get_or_spawn("thing", || Counter(0)) {
        Err(SpawnError::TypeMismatch {
            name,
            expected,
            found,
        }) => {
            assert_eq!(&*name, "thing");
            assert!(expected.ends_with("Counter"));
            assert!(found.ends_with("Other"));
        }
        other => panic!("expected a type mismatch, got {other:?}"),
    }
    assert!(matches!(
        d.lookup_as::<Counter>("thing"),
        Err(SpawnError::TypeMismatch { .. })
    ));
    assert_eq!(d.lookup_as::<Counter>("nobody"), Ok(None));
}

#[test]
fn spawning_a_child_of_a_stopped_parent_fails() {
    struct Parent;
    impl Actor for Parent {}
    struct SpawnKid;
    impl Message for SpawnKid {
        type Reply = Result<Addr<Counter>, SpawnError>;
    }
    impl Handler<SpawnKid> for Parent {
        fn handle(
            &mut self,
            _: SpawnKid,
            ctx: &mut Context<'_, Self>,
        ) -> Result<Result<Addr<Counter>, SpawnError>, ActorError> {
            Ok(ctx.spawn_child_with(SpawnOptions::new().name("kid"), || Counter(0)))
        }
    }
    let mut d = ManualDriver::default();
    let parent = d.spawn(|| Parent);
    let kid = d.system.ask(&parent, SpawnKid);
    let kid = d.block_on(kid).unwrap().unwrap().unwrap();
    assert_eq!(d.actor_info(kid.id()).unwrap().parent, Some(parent.id()));
    let again = d.system.ask(&parent, SpawnKid);
    assert_eq!(
        d.block_on(again).unwrap().unwrap(),
        Err(SpawnError::NameTaken("kid".into()))
    );
}

#[test]
fn an_untyped_id_becomes_a_typed_address_only_for_its_own_type() {
    let mut d = ManualDriver::default();
    let counter = d.spawn(|| Counter(0));
    let other = d.spawn(|| Other);
    assert_eq!(d.addr_of::<Counter>(counter.id()), Some(counter));
    assert_eq!(d.addr_of::<Counter>(other.id()), None, "another type");
    d.stop(counter.id()).unwrap();
    d.run_until_idle();
    assert_eq!(d.addr_of::<Counter>(counter.id()), None, "a stopped actor");
    assert_eq!(
        d.addr_of::<Counter>(ActorId::from_parts(0, 77, 0)),
        None,
        "no such actor"
    );
}

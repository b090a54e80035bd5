//! The skynet workload's actor, shared by the core and native benchmarks (so both measure the
//! same code): a node covers the numbers `num..num + size`; a leaf (size 1) reports `num`, an
//! inner node spawns 10 children and reports the sum of theirs; the root hands the total to its
//! `done` callback.

use backstage_core::{Actor, ActorError, Addr, Context, Handler, Message, Runtime};

/// One skynet node.
pub struct Node {
    parent: Option<Addr<Node>>,
    num: u64,
    size: u64,
    sum: u64,
    pending: u32,
    done: Option<Box<dyn FnMut(u64)>>,
}

impl Node {
    /// The root of a skynet over `size` leaves; `done` gets the total.
    pub fn root(size: u64, done: impl FnMut(u64) + 'static) -> Self {
        Node {
            done: Some(Box::new(done)),
            ..Node::child(None, 0, size)
        }
    }

    fn child(parent: Option<Addr<Node>>, num: u64, size: u64) -> Self {
        Node {
            parent,
            num,
            size,
            sum: 0,
            pending: 0,
            done: None,
        }
    }

    fn report(&mut self, value: u64, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        match (self.parent, &mut self.done) {
            (Some(parent), _) => ctx.tell(&parent, Sum(value))?,
            (None, Some(done)) => done(value),
            (None, None) => return Err("a skynet root without a `done` callback".into()),
        }
        Ok(())
    }
}

impl Actor for Node {
    fn started(&mut self, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        if self.size == 1 {
            return self.report(self.num, ctx);
        }
        let me = ctx.me();
        let child = self.size / 10;
        for i in 0..10 {
            let num = self.num + i * child;
            ctx.spawn_child(move || Node::child(Some(me), num, child));
        }
        self.pending = 10;
        Ok(())
    }
}

/// A child's sum, to its parent.
pub struct Sum(u64);
impl Message for Sum {
    type Reply = ();
}
impl Handler<Sum> for Node {
    #[inline]
    fn handle(&mut self, Sum(v): Sum, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        self.sum += v;
        self.pending -= 1;
        if self.pending == 0 {
            return self.report(self.sum, ctx);
        }
        Ok(())
    }
}

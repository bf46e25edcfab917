//! The seam between rules and federation: domain code says *what happened*; the federation
//! layer renders it as activities and the deliveries are written in the same transaction.

use crate::db::{
    deliveries::NewDelivery,
    entities::{accounts::Model as Account, follows::Model as Follow},
};

/// Something other servers must hear about.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// A local account asked to follow a remote one.
    FollowRequested {
        follow: &'a Follow,
        follower: &'a Account,
        target: &'a Account,
    },
    /// A local account withdrew its follow (or request) of a remote one.
    FollowUndone {
        follow: &'a Follow,
        follower: &'a Account,
        target: &'a Account,
    },
    /// A local account accepted a remote follower.
    FollowAccepted {
        follow: &'a Follow,
        follower: &'a Account,
        target: &'a Account,
    },
    /// A local account refused (or removed) a remote follower.
    FollowRejected {
        follow: &'a Follow,
        follower: &'a Account,
        target: &'a Account,
    },
}

/// Renders events into deliveries; implemented by the federation layer.
pub trait Publisher: Send + Sync {
    /// A fresh id for an activity `actor` performs (e.g. a Follow).
    fn new_activity_id(&self, actor: &Account) -> String;
    /// The POSTs that tell the right inboxes about `event`.
    fn render(&self, event: Event<'_>) -> Vec<NewDelivery>;
}

//! Inbound documents through the typed protocol layer: actors, activities (and the inbox's
//! verb enum), embedded objects and posts with their accessors, C2S outbox documents, and
//! what the inbox keeps of an activity.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pinhole::federation::{
    posts::same_origin,
    protocol::{
        activity::{Activity, InboxActivity, Object, without_hidden_recipients},
        actor::{Actor, KeyDocument},
        outbox::OutboxDocument,
    },
};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    if let Ok(actor) = serde_json::from_value::<Actor>(value.clone()) {
        let _ = actor.property_values();
    }
    let _ = KeyDocument::of(&value);
    let _ = without_hidden_recipients(&value);
    if let Ok(doc) = OutboxDocument::from_json(&value) {
        let _ = (doc.kind(), doc.alt_text(), doc.object_id(), doc.embedded());
    }
    let Ok(activity) = Activity::from_json(&value) else {
        return;
    };
    let id = activity.id.clone();
    for addressee in activity.addressing.all() {
        if let Some(id) = &id {
            let _ = same_origin(id, addressee);
        }
    }
    let _ = (activity.object_id(), activity.inner());
    if let Some(Object::Post(post)) = Object::from_value(value.clone()) {
        let _ = (
            post.post_type(),
            post.content(),
            post.language(),
            post.page_url(),
        );
        let _ = post.url_id();
        for tag in &post.tag {
            let _ = tag.kind();
        }
    }
    let _ = InboxActivity::new(activity).verb().len();
});

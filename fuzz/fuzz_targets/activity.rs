//! Inbound documents: JSON, the lenient actor type, and the helpers the inbox reads
//! activities and posts with (ids, audiences, authors, timestamps).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pinhole::federation::{
    posts::{author_of, id_of, ids, same_origin},
    protocol::{actor::Actor, lenient::parse_datetime},
};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let _ = serde_json::from_value::<Actor>(value.clone());
    for holder in [Some(&value), value.get("object")].into_iter().flatten() {
        let _ = author_of(holder);
        let id = id_of(holder.get("id"));
        for field in ["to", "cc", "bto", "bcc", "audience", "tag", "attachment"] {
            for other in ids(holder.get(field)) {
                if let Some(id) = &id {
                    let _ = same_origin(id, &other);
                }
            }
        }
        for field in ["published", "updated"] {
            if let Some(s) = holder.get(field).and_then(Value::as_str) {
                let _ = parse_datetime(s);
            }
        }
    }
});

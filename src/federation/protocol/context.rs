//! JSON-LD `@context` values. Mastodon only understands extension properties whose terms are
//! declared, so every term we emit is listed here.

use serde_json::{Value, json};

pub const ACTIVITYSTREAMS: &str = "https://www.w3.org/ns/activitystreams";
pub const SECURITY_V1: &str = "https://w3id.org/security/v1";
/// The public collection, as Mastodon addresses it.
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// Context for actors: AS2, security v1, and the Mastodon terms actors use.
pub fn actor_context() -> Value {
    json!([
        ACTIVITYSTREAMS,
        SECURITY_V1,
        {
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "toot": "http://joinmastodon.org/ns#",
            "featured": { "@id": "toot:featured", "@type": "@id" },
            "featuredTags": { "@id": "toot:featuredTags", "@type": "@id" },
            "alsoKnownAs": { "@id": "as:alsoKnownAs", "@type": "@id" },
            "movedTo": { "@id": "as:movedTo", "@type": "@id" },
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value",
            "discoverable": "toot:discoverable",
            "indexable": "toot:indexable",
            "memorial": "toot:memorial",
            "suspended": "toot:suspended",
            "webfinger": "https://purl.archive.org/socialweb/webfinger#webfinger"
        }
    ])
}

/// Context for posts and their activities: AS2 plus the Mastodon terms a Note carries.
pub fn note_context() -> Value {
    json!([
        ACTIVITYSTREAMS,
        {
            "ostatus": "http://ostatus.org#",
            "atomUri": "ostatus:atomUri",
            "sensitive": "as:sensitive",
            "toot": "http://joinmastodon.org/ns#",
            "blurhash": "toot:blurhash",
            "focalPoint": { "@container": "@list", "@id": "toot:focalPoint" },
            "Hashtag": "as:Hashtag"
        }
    ])
}

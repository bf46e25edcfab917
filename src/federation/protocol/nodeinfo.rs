//! NodeInfo 2.0/2.1 (<https://nodeinfo.diaspora.software/>): what a server says about
//! itself to crawlers and to other servers deciding how to talk to it.

use serde::{Deserialize, Serialize};

/// A NodeInfo document, as Pinhole serves it and as other servers send it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct NodeInfo {
    pub version: String,
    pub software: Software,
    pub protocols: Vec<String>,
    #[serde(default)]
    pub services: Services,
    pub usage: Usage,
    pub open_registrations: bool,
    #[serde(default)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
}

/// The server software.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Software {
    pub name: String,
    pub version: String,
    /// NodeInfo 2.1 only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
}

/// Third-party services the server bridges to (none for Pinhole).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Services {
    #[serde(default)]
    pub inbound: Vec<String>,
    #[serde(default)]
    pub outbound: Vec<String>,
}

/// Usage counts.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub users: Users,
    #[serde(default)]
    pub local_posts: Option<u64>,
}

/// User counts.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Users {
    #[serde(default)]
    pub total: Option<u64>,
    #[serde(default)]
    pub active_month: Option<u64>,
    #[serde(default)]
    pub active_halfyear: Option<u64>,
}

//! RFC 9421 HTTP Message Signatures (verification) and RFC 9530 `Content-Digest`: what
//! newer servers send alongside or instead of draft-cavage signatures.

use super::*;

/// Parses and pre-checks an RFC 9421 signature (`Signature-Input` + `Signature`), as
/// Mastodon ≥ 4.5 may send: `rsa-v1_5-sha256` (or no `alg`, RSA implied), a fresh `created`,
/// and the components in `require` covered (`@method`, `@target-uri`/`@authority`+`@path`,
/// `content-digest` for POSTs). `target_uri` is the full URL the request was sent to.
pub fn begin_verify_rfc9421(
    method: &str,
    target_uri: &url::Url,
    headers: &[(String, String)],
    require: &[&str],
) -> Result<PendingSignature, SignatureError> {
    let header = |name: &str| -> Option<String> {
        let values: Vec<&str> = headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    };
    let input = header("signature-input").ok_or(SignatureError::Missing)?;
    let signatures = header("signature").ok_or(SignatureError::Missing)?;
    // Pick the first labelled signature that has both an input and a value.
    let mut chosen = None;
    for member in split_top_level(&input) {
        let Some((label, params)) = member.split_once('=') else {
            continue;
        };
        let label = label.trim();
        if let Some(value) = dictionary_value(&signatures, label) {
            chosen = Some((params.trim().to_string(), value));
            break;
        }
    }
    let (params, signature_value) = chosen
        .ok_or_else(|| SignatureError::Malformed("no signature matches Signature-Input".into()))?;
    let signature = signature_value
        .trim()
        .strip_prefix(':')
        .and_then(|s| s.strip_suffix(':'))
        .ok_or_else(|| SignatureError::Malformed("signature is not a byte sequence".into()))?
        .to_string();
    let close = params
        .find(')')
        .filter(|_| params.starts_with('('))
        .ok_or_else(|| SignatureError::Malformed("component list must be parenthesised".into()))?;
    let components: Vec<String> = params[1..close]
        .split_whitespace()
        .map(|c| c.trim_matches('"').to_ascii_lowercase())
        .collect();
    let mut key_id = None;
    let mut created = None;
    let mut expires = None;
    for param in params[close + 1..]
        .split(';')
        .filter(|p| !p.trim().is_empty())
    {
        let (k, v) = param
            .split_once('=')
            .ok_or_else(|| SignatureError::Malformed(format!("bad parameter {param}")))?;
        let v = v.trim().trim_matches('"');
        match k.trim() {
            "keyid" => key_id = Some(v.to_string()),
            "created" => created = v.parse::<u64>().ok(),
            "expires" => expires = v.parse::<u64>().ok(),
            "alg" if v != "rsa-v1_5-sha256" => {
                return Err(SignatureError::Algorithm(v.to_string()));
            }
            _ => {}
        }
    }
    let key_id = key_id.ok_or_else(|| SignatureError::Malformed("no keyid".into()))?;
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let created = created.ok_or(SignatureError::BadDate)?;
    if created > now + MAX_DATE_AHEAD.as_secs() || created + MAX_DATE_AGE.as_secs() < now {
        return Err(SignatureError::StaleDate);
    }
    if expires.is_some_and(|e| e < now) {
        return Err(SignatureError::StaleDate);
    }
    for needed in require {
        let covered = match *needed {
            // The full target URI, or its authority and path separately.
            "@target-uri" => {
                components.iter().any(|c| c == "@target-uri")
                    || (components.iter().any(|c| c == "@authority")
                        && components
                            .iter()
                            .any(|c| c == "@path" || c == "@request-target"))
            }
            other => components.iter().any(|c| c == other),
        };
        if !covered {
            return Err(SignatureError::HeadersNotSigned((*needed).to_string()));
        }
    }
    let mut base = String::new();
    for component in &components {
        let value = match component.as_str() {
            "@method" => method.to_ascii_uppercase(),
            "@target-uri" => target_uri.to_string(),
            "@authority" => authority(target_uri),
            "@scheme" => target_uri.scheme().to_string(),
            "@path" => target_uri.path().to_string(),
            "@query" => format!("?{}", target_uri.query().unwrap_or_default()),
            "@request-target" => match target_uri.query() {
                Some(q) => format!("{}?{q}", target_uri.path()),
                None => target_uri.path().to_string(),
            },
            c if c.starts_with('@') => {
                return Err(SignatureError::Malformed(format!(
                    "unsupported component {c}"
                )));
            }
            name => header(name).ok_or_else(|| {
                SignatureError::Malformed(format!("signed header {name} is missing"))
            })?,
        };
        base.push_str(&format!("\"{component}\": {value}\n"));
    }
    base.push_str(&format!("\"@signature-params\": {params}"));
    Ok(PendingSignature {
        key_id,
        signing_string: base,
        signature,
    })
}

pub(super) fn authority(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    }
}

/// Splits a structured-field dictionary at top-level commas (not inside parentheses or
/// quotes).
pub(super) fn split_top_level(s: &str) -> Vec<String> {
    let (mut out, mut cur, mut depth, mut quoted) = (Vec::new(), String::new(), 0i32, false);
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out
}

pub(super) fn dictionary_value(dict: &str, label: &str) -> Option<String> {
    split_top_level(dict).into_iter().find_map(|m| {
        let (k, v) = m.split_once('=')?;
        (k.trim() == label).then(|| v.trim().to_string())
    })
}

/// Checks an RFC 9530 `Content-Digest` header (`sha-256=:…:` or `sha-512=:…:`).
pub fn check_content_digest(header: Option<&str>, body: &[u8]) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::MissingDigest)?;
    let mut known = false;
    for member in split_top_level(header) {
        let Some((alg, value)) = member.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_matches(':');
        let expected = match alg.trim().to_ascii_lowercase().as_str() {
            "sha-256" => B64.encode(Sha256::digest(body)),
            "sha-512" => B64.encode(sha2::Sha512::digest(body)),
            _ => continue,
        };
        known = true;
        if value == expected {
            return Ok(());
        }
    }
    if known {
        Err(SignatureError::DigestMismatch)
    } else {
        Err(SignatureError::MissingDigest)
    }
}

//! Phone numbers and tags, normalised before they are stored so that lookups compare like with
//! like.

/// Normalises a phone number to E.164 (`+4930123456`): a leading `+` or `00` and the country
/// code are required; spaces, dots, dashes and parentheses are dropped.
pub fn normalize_phone(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim();
    let rest = if let Some(rest) = trimmed.strip_prefix('+') {
        rest
    } else if let Some(rest) = trimmed.strip_prefix("00") {
        rest
    } else {
        return Err(format!(
            "{raw:?} needs its country code, written as +CC... (E.164), e.g. +4930123456"
        ));
    };
    let mut digits = String::with_capacity(16);
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '.' | '-' | '(' | ')' | '/' => {}
            _ => return Err(format!("{raw:?} is not a phone number: unexpected {c:?}")),
        }
    }
    if digits.starts_with('0') {
        return Err(format!("{raw:?}: a country code never starts with 0"));
    }
    if !(7..=15).contains(&digits.len()) {
        return Err(format!(
            "{raw:?} has {} digits; an E.164 number has 7 to 15 after the +",
            digits.len()
        ));
    }
    Ok(format!("+{digits}"))
}

/// Longest tag accepted, in characters.
pub const MAX_TAG_CHARS: usize = 80;

/// Normalises tags as Zendesk does: lowercase, no whitespace or commas; duplicates dropped,
/// order kept. Every bad tag is reported.
pub fn normalize_tags(raw: &[String]) -> Result<Vec<String>, Vec<String>> {
    let mut tags: Vec<String> = Vec::with_capacity(raw.len());
    let mut problems = Vec::new();
    for tag in raw {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty() {
            problems.push("tags must not be empty".to_string());
        } else if tag.contains(|c: char| c.is_whitespace() || c == ',') {
            problems.push(format!(
                "tag {tag:?} contains a space or comma; send one tag per list item"
            ));
        } else if tag.chars().count() > MAX_TAG_CHARS {
            problems.push(format!(
                "tag {tag:?} is longer than {MAX_TAG_CHARS} characters"
            ));
        } else if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if problems.is_empty() {
        Ok(tags)
    } else {
        Err(problems)
    }
}

/// [`normalize_tags`] for an optional list, adding its problems under `tags`.
pub fn read_tags(raw: Option<&[String]>, problems: &mut super::Problems) -> Option<Vec<String>> {
    match raw.map(normalize_tags)? {
        Ok(tags) => Some(tags),
        Err(reasons) => {
            reasons
                .into_iter()
                .for_each(|reason| problems.add("tags", reason));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_become_e164() {
        assert_eq!(normalize_phone("+49 (30) 123-456").unwrap(), "+4930123456");
        assert_eq!(
            normalize_phone("0044 20 7946 0958").unwrap(),
            "+442079460958"
        );
        assert!(
            normalize_phone("030 123456")
                .unwrap_err()
                .contains("country code")
        );
        assert!(normalize_phone("+0 123 4567").is_err());
        assert!(normalize_phone("+1 555").is_err());
        assert!(normalize_phone("+1 555 CALL NOW").is_err());
        assert!(normalize_phone("+1234567890123456").is_err());
    }

    #[test]
    fn tags_are_lowercase_and_unique() {
        let raw = ["VIP".to_string(), "vip".into(), " escalated ".into()];
        assert_eq!(normalize_tags(&raw).unwrap(), ["vip", "escalated"]);
        let bad = ["two words".to_string(), String::new(), "ok".into()];
        assert_eq!(normalize_tags(&bad).unwrap_err().len(), 2);
    }
}

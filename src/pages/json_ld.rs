//! schema.org JSON-LD for search engines: `MedicalWebPage` on every section and
//! `FAQPage` on the FAQ.
use serde_json::{Value, json};

use crate::content::{Guide, Section};

/// The JSON-LD block for a section page, safe to place inside `<script>`.
pub fn section(guide: &Guide, section: &Section) -> String {
    let base = &guide.site.base_url;
    let url = format!("{base}{}", section.path());
    let page = json!({
        "@type": "MedicalWebPage",
        "@id": url,
        "url": url,
        "name": section.title,
        "headline": section.title,
        "description": section.description,
        "inLanguage": guide.site.language,
        "dateModified": section.updated.iso(),
        "lastReviewed": section.last_reviewed.iso(),
        "reviewedBy": { "@type": "Organization", "name": section.reviewed_by },
        "author": { "@type": "Organization", "name": guide.site.byline },
        "about": { "@type": "MedicalProcedure", "name": "Scalp micropigmentation" },
        "isPartOf": { "@type": "WebSite", "name": guide.site.title, "url": format!("{base}/") },
    });
    let mut graph = vec![page];
    if !section.faq.is_empty() {
        graph.push(json!({
            "@type": "FAQPage",
            "@id": format!("{url}#faq"),
            "url": url,
            "mainEntity": section.faq.iter().map(|entry| json!({
                "@type": "Question",
                "name": entry.question,
                "acceptedAnswer": { "@type": "Answer", "text": entry.answer_text },
            })).collect::<Vec<_>>(),
        }));
    }
    script_safe(&json!({ "@context": "https://schema.org", "@graph": graph }))
}

/// Serializes JSON so that no `</script>` or HTML comment can close or confuse the block.
fn script_safe(value: &Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_endings_cannot_escape_the_block() {
        let out = script_safe(&json!({ "name": "</script><script>alert(1)</script> & more" }));
        assert!(!out.contains('<') && !out.contains('>') && !out.contains('&'));
        let back: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back["name"], "</script><script>alert(1)</script> & more");
    }
}

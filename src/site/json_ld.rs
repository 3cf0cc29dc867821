//! schema.org JSON-LD for search engines: `MedicalWebPage` (with its sources as
//! `citation`, its approved comments as `Comment` items and their `commentCount`) and a
//! `BreadcrumbList` on every section, `FAQPage` on the FAQ, and `WebSite` and
//! `Organization` on the home page.
use serde_json::{Value, json};

use super::PublicComment;
use crate::content::{Guide, Reviewer, Section, Source};

/// The JSON-LD block for a section page, safe to place inside `<script>`.
pub fn section(guide: &Guide, section: &Section, threads: &[PublicComment]) -> String {
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
        "datePublished": section.published.iso(),
        "dateModified": section.updated.iso(),
        "lastReviewed": section.last_reviewed.iso(),
        "reviewedBy": reviewer(&section.reviewed_by),
        "author": organization(guide),
        "publisher": organization(guide),
        "about": { "@type": "MedicalProcedure", "name": "Scalp micropigmentation" },
        "isPartOf": { "@id": format!("{base}/#website") },
        "breadcrumb": { "@id": format!("{url}#breadcrumb") },
        "citation": section.sources.iter().map(citation).collect::<Vec<_>>(),
    });
    let breadcrumb = json!({
        "@type": "BreadcrumbList",
        "@id": format!("{url}#breadcrumb"),
        "itemListElement": [
            crumb(1, "Home", &format!("{base}/")),
            crumb(2, "Guide", &format!("{base}/guide")),
            crumb(3, &section.title, &url),
        ],
    });
    let mut page = page;
    page["commentCount"] = json!(super::comments::count(threads));
    if !threads.is_empty() {
        page["comment"] = json!(threads.iter().map(|c| comment(c, &url)).collect::<Vec<_>>());
    }
    let mut graph = vec![page, breadcrumb];
    if !section.faq.is_empty() {
        graph.push(json!({
            "@type": "FAQPage",
            "@id": format!("{url}#faq"),
            "url": url,
            "mainEntity": section.faq.iter().map(|entry| json!({
                "@type": "Question",
                "name": entry.question,
                "acceptedAnswer": {
                    "@type": "Answer",
                    "text": standalone_html(&entry.answer_html, base, &url),
                },
            })).collect::<Vec<_>>(),
        }));
    }
    script_safe(&json!({ "@context": "https://schema.org", "@graph": graph }))
}

/// The JSON-LD block for the home page: the site and who publishes it.
pub fn home(guide: &Guide) -> String {
    let base = &guide.site.base_url;
    let website = json!({
        "@type": "WebSite",
        "@id": format!("{base}/#website"),
        "url": format!("{base}/"),
        "name": guide.site.title,
        "description": guide.site.description,
        "inLanguage": guide.site.language,
        "publisher": { "@id": format!("{base}/#organization") },
        "potentialAction": {
            "@type": "SearchAction",
            "target": { "@type": "EntryPoint", "urlTemplate": format!("{base}/search?q={{query}}") },
            "query-input": "required name=query",
        },
    });
    let mut org = organization(guide);
    org["@id"] = json!(format!("{base}/#organization"));
    if guide.page("about").is_some() {
        org["publishingPrinciples"] = json!(format!("{base}/about"));
    }
    script_safe(&json!({ "@context": "https://schema.org", "@graph": [website, org] }))
}

/// Who writes the guide: the site itself, under its byline.
fn organization(guide: &Guide) -> Value {
    json!({
        "@type": "Organization",
        "name": guide.site.byline,
        "url": format!("{}/", guide.site.base_url),
    })
}

/// A team is an `Organization`; a named reviewer a `Person` with their role.
fn reviewer(reviewer: &Reviewer) -> Value {
    match reviewer {
        Reviewer::Team(name) => json!({ "@type": "Organization", "name": name }),
        Reviewer::Person {
            name,
            role,
            credentials,
        } => {
            let mut person = json!({ "@type": "Person", "name": name, "jobTitle": role });
            if let Some(credentials) = credentials {
                person["honorificSuffix"] = json!(credentials);
            }
            person
        }
    }
}

fn citation(source: &Source) -> Value {
    let mut work = json!({ "@type": "CreativeWork", "name": source.title });
    if let Some(url) = &source.url {
        work["url"] = json!(url);
    }
    if let Some(publisher) = &source.publisher {
        work["publisher"] = json!({ "@type": "Organization", "name": publisher });
    }
    work
}

/// An approved comment, with its replies as its own `comment`s. Nothing private: the
/// name, the website the author gave, when, and the text as shown.
fn comment(comment: &PublicComment, page_url: &str) -> Value {
    let url = format!("{page_url}#comment-{}", comment.id);
    let mut author = if comment.editorial {
        json!({ "@type": "Organization", "name": comment.author })
    } else {
        json!({ "@type": "Person", "name": comment.author })
    };
    if let Some(website) = &comment.url {
        author["url"] = json!(website);
    }
    let text = comment
        .paragraphs
        .iter()
        .map(|lines| lines.join("\n"))
        .collect::<Vec<_>>()
        .join("\n\n");
    let mut item = json!({
        "@type": "Comment",
        "@id": url,
        "url": url,
        "author": author,
        "dateCreated": comment.datetime,
        "text": text,
    });
    if !comment.replies.is_empty() {
        item["comment"] = json!(
            comment
                .replies
                .iter()
                .map(|reply| self::comment(reply, page_url))
                .collect::<Vec<_>>()
        );
    }
    item
}

fn crumb(position: u32, name: &str, url: &str) -> Value {
    json!({ "@type": "ListItem", "position": position, "name": name, "item": url })
}

/// An answer's HTML as search engines show it, away from the page: links keep their text
/// and point at absolute URLs, and citation numbers (which point into the page) are left out.
fn standalone_html(html: &str, base: &str, page_url: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<sup class=\"cite\">") {
        out.push_str(rest[..start].trim_end_matches(' '));
        rest = rest[start..]
            .find("</sup>")
            .map_or("", |end| &rest[start + end + "</sup>".len()..]);
    }
    out.push_str(rest);
    out.replace("href=\"/", &format!("href=\"{base}/"))
        .replace("href=\"#", &format!("href=\"{page_url}#"))
        .trim_end()
        .to_owned()
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

    #[test]
    fn answers_keep_their_links_absolute_and_drop_citations() {
        let html = "<p>Wait four months <sup class=\"cite\">[<a href=\"#source-2\"><span class=\"visually-hidden\">Source </span>2</a>]</sup>. Read about <a href=\"/guide/risks#giving-blood\">giving blood</a> and <a href=\"#mri\">MRI</a>.</p>\n";
        assert_eq!(
            standalone_html(html, "https://smp.example", "https://smp.example/guide/faq"),
            "<p>Wait four months. Read about <a href=\"https://smp.example/guide/risks#giving-blood\">giving blood</a> and <a href=\"https://smp.example/guide/faq#mri\">MRI</a>.</p>"
        );
    }

    #[test]
    fn a_named_reviewer_is_a_person_with_a_job_title() {
        let person = reviewer(&Reviewer::Person {
            name: "A. Person".into(),
            role: "Consultant dermatologist".into(),
            credentials: Some("MBBS".into()),
        });
        assert_eq!(person["@type"], "Person");
        assert_eq!(person["jobTitle"], "Consultant dermatologist");
        assert_eq!(person["honorificSuffix"], "MBBS");
        assert_eq!(
            reviewer(&Reviewer::Team("Team".into()))["@type"],
            "Organization"
        );
    }
}

//! Every fixed path the site answers, in one table: the router registers them, the
//! renderer keys its pages by them, and the content check accepts links to them. Section
//! pages (`/guide/{slug}`) and the pages beyond the guide (`/{slug}`) come from the content.

pub const HOME: &str = "/";
pub const GUIDE: &str = "/guide";
pub const SEARCH: &str = "/search";
pub const FEED: &str = "/feed.xml";
/// The newest approved comments of the whole guide; each section's are at
/// `/feed/comments/{slug}.xml`.
pub const COMMENT_FEED: &str = "/feed/comments.xml";
pub const SITEMAP: &str = "/sitemap.xml";
pub const ROBOTS: &str = "/robots.txt";
/// Clears the "remember me" cookie (POST, from the comment form).
pub const FORGET_ME: &str = "/comments/forget";

/// The links in readers' email (answered per request, never linked from content).
pub const NOTIFY_CONFIRM: &str = "/notify/confirm/{token}";
pub const NOTIFY_UNSUBSCRIBE: &str = "/notify/unsubscribe/{token}";

/// Rendered ahead of time and served from memory.
pub const RENDERED: [&str; 6] = [HOME, GUIDE, FEED, COMMENT_FEED, SITEMAP, ROBOTS];

/// Every fixed public page that Markdown may link to.
pub const LINKABLE: [&str; 7] = [HOME, GUIDE, SEARCH, FEED, COMMENT_FEED, SITEMAP, ROBOTS];

/// First path segments the server itself uses, which a content page may not take.
pub const RESERVED_SEGMENTS: [&str; 13] = [
    "guide",
    "notify",
    "search",
    "admin",
    "static",
    "healthz",
    "feed",
    "feed.xml",
    "sitemap.xml",
    "robots.txt",
    "metrics",
    "preview",
    "404",
];

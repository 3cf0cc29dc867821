//! Reader comments: parsing and validating the form, anti-spam rules, flood control,
//! signed links to a reader's own pending comment, and the workflows built on them:
//! submitting a comment, moderating comments, and the links in readers' email.
mod answers;
mod flood;
mod form;
mod moderate;
mod preview;
mod publish;
mod remember;
mod returning;
mod spam;
mod submit;
mod subscriptions;

pub use answers::answer_html;
pub use flood::{ClientAddress, FloodControl, FloodVerdict};
pub use form::{
    CommentForm, EDITORIAL_LABEL, FieldError, FormError, FormValues, NewComment, ReservedNames,
    decode_form, decode_pairs, parse_comment_text,
};
pub use moderate::{Moderated, answer, edit, erase, moderate, undo, use_email_link};
pub use preview::PreviewSigner;
pub use publish::{NoLiveSite, Publisher};
pub use remember::{REMEMBER_COOKIE, REMEMBER_COOKIE_DAYS, Remembered};
pub use returning::{RETURNING_COOKIE, RETURNING_COOKIE_DAYS, verify_returning};
pub use spam::{MEDICAL_CONCERN, SpamRules, Verdict};
pub use submit::{CommentServices, Submission, Submitted};
pub use subscriptions::{confirm_subscription, confirmable, subscription_for_link, unsubscribe};

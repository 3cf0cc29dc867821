//! The storage contract, run unchanged against both backends: a real SQLite file, and a
//! fresh database on a real PostgreSQL server (skipped with a notice when there is none).
use std::collections::HashSet;
use std::sync::Arc;

use smp_guide::store::{
    Action, ActionOutcome, ActivityFilter, AnswerOutcome, EditOutcome, InsertOutcome, LinkUse,
    NewAnswer, QueueFilter, Role, Status, Store, StoredComment, UndoOutcome, open_store,
};
use smp_guide::store::{Comment, Dump};
use smp_guide::store::{
    ConfirmOutcome, MailKind, MailOutcome, NotifyRequest, Subscription, TokenPurpose,
};
use tempfile::TempDir;

use crate::postgres::fresh_database;

/// A store under test, with what keeps its database alive.
struct Subject {
    store: Arc<dyn Store>,
    url: String,
    _dir: Option<TempDir>,
}

impl Subject {
    /// A second, independent handle on the same database: another instance.
    async fn another_instance(&self) -> Arc<dyn Store> {
        open_store(&self.url).await.expect("the store opens again")
    }
}

impl std::ops::Deref for Subject {
    type Target = dyn Store;
    fn deref(&self) -> &Self::Target {
        self.store.as_ref()
    }
}

async fn sqlite() -> Option<Subject> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("store.db").display());
    Some(Subject {
        store: open_store(&url).await.expect("SQLite store opens"),
        url,
        _dir: Some(dir),
    })
}

async fn postgres() -> Option<Subject> {
    let url = fresh_database().await?;
    Some(Subject {
        store: open_store(&url).await.expect("PostgreSQL store opens"),
        url,
        _dir: None,
    })
}

/// Each test, once per backend: `storage::sqlite::NAME` and `storage::postgres::NAME`.
macro_rules! for_both_backends {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test(super::sqlite().await.unwrap()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $test() {
                    if let Some(subject) = super::postgres().await {
                        super::$test(subject).await;
                    }
                }
            )*
        }
    };
}

for_both_backends!(
    comments_are_stored_whole_and_duplicates_refused,
    approved_comments_come_per_section_oldest_first,
    returning_commenters_are_recognised_by_their_comment_and_email,
    secrets_are_created_once_and_shared_by_instances,
    actions_follow_the_state_rules_and_leave_an_audit_trail,
    deleting_keeps_other_peoples_replies,
    the_queue_filters_pages_and_counts,
    answers_join_the_thread_as_the_editorial_team,
    answering_a_pending_comment_approves_it_with_the_answer,
    undo_takes_back_only_your_own_last_action,
    edits_keep_the_reason_and_not_the_old_text,
    the_activity_log_keeps_everything_newest_first,
    email_links_work_once_even_when_used_at_once,
    export_and_erasure_by_email,
    old_client_hashes_are_cleared,
    page_revisions_name_each_changed_section,
    moderator_accounts_are_created_reset_and_removed,
    accounts_hold_one_role_or_both,
    sessions_are_shared_touched_and_expired,
    sign_in_attempts_are_reserved_atomically_per_key_and_client,
    concurrent_sign_in_attempts_cannot_pass_the_limit,
    duplicates_go_by_email_whatever_the_name_and_never_block_answers,
    email_addresses_match_with_unicode_case_folding,
    concurrent_submissions_are_each_stored_once,
    concurrent_actions_on_two_instances_are_all_seen_by_pollers,
    a_copy_carries_everything_into_an_empty_database_of_either_backend,
    a_request_for_email_queues_one_confirmation_and_nothing_more_until_confirmed,
    confirmed_subscribers_hear_of_publication_answers_and_replies_once_each,
    the_daily_limit_counts_every_email_to_an_address,
    claims_are_exclusive_across_instances_and_lapse_when_not_finished,
    unsubscribing_ends_the_subscription_and_cancels_its_queued_email,
    export_and_erasure_include_subscriptions_and_their_email,
    unconfirmed_requests_expire_and_old_outbox_entries_are_pruned,
    the_subscriptions_migration_is_applied_to_a_database_already_at_a_later_one,
);

fn comment(section: &str, author: &str, body: &str) -> StoredComment {
    StoredComment {
        section: section.to_owned(),
        parent_id: None,
        author: author.to_owned(),
        email: format!("{}@example.com", author.to_lowercase().replace(' ', ".")),
        url: None,
        body: body.to_owned(),
        status: Status::Pending,
        created_at: 1_700_000_000,
        client_hash: "0123456789abcdef01234567".to_owned(),
        user_agent: Some("test agent".to_owned()),
        flag_reason: None,
        notify: NotifyRequest::default(),
    }
}

async fn insert(store: &dyn Store, c: StoredComment) -> i64 {
    match store.insert(c).await.expect("insert") {
        InsertOutcome::Inserted(id) => id,
        InsertOutcome::Duplicate => panic!("unexpected duplicate"),
    }
}

async fn approve(store: &dyn Store, id: i64) {
    let outcome = store.apply(id, Action::Approve, "mod", 1).await.unwrap();
    assert!(matches!(outcome, ActionOutcome::Done { .. }), "{outcome:?}");
}

async fn comments_are_stored_whole_and_duplicates_refused(s: Subject) {
    let mut full = comment(
        "risks",
        "Ana Souza",
        "First line\nsecond line, with ünïcödé ✓",
    );
    full.url = Some("https://example.com/ana".to_owned());
    full.flag_reason = Some("has a link".to_owned());
    let id = insert(&*s, full.clone()).await;
    let stored = s.get(id).await.unwrap().expect("stored");
    assert_eq!(
        (
            stored.section.as_str(),
            stored.author.as_str(),
            stored.email.as_str()
        ),
        ("risks", "Ana Souza", "ana.souza@example.com")
    );
    assert_eq!(stored.body, full.body);
    assert_eq!(stored.url, full.url);
    assert_eq!(stored.status, Status::Pending);
    assert_eq!(stored.created_at, 1_700_000_000);
    assert_eq!(
        stored.client_hash.as_deref(),
        Some("0123456789abcdef01234567")
    );
    assert_eq!(stored.user_agent.as_deref(), Some("test agent"));
    assert_eq!(stored.flag_reason.as_deref(), Some("has a link"));
    assert!(!stored.editorial);
    assert_eq!(stored.parent_id, None);

    assert_eq!(
        s.insert(full.clone()).await.unwrap(),
        InsertOutcome::Duplicate
    );
    // The same text elsewhere, or from another email address, is not a duplicate.
    insert(&*s, comment("faq", "Ana Souza", &full.body)).await;
    insert(&*s, comment("risks", "Ben", &full.body)).await;
    // The longest allowed text, in multi-byte characters, is stored and deduplicated too.
    let long = "ß".repeat(5_000);
    insert(&*s, comment("risks", "Ana Souza", &long)).await;
    assert_eq!(
        s.insert(comment("risks", "Ana Souza", &long))
            .await
            .unwrap(),
        InsertOutcome::Duplicate
    );
    let mut reply = comment("risks", "Ben", "A reply");
    reply.parent_id = Some(id);
    let reply_id = insert(&*s, reply).await;
    assert_eq!(s.get(reply_id).await.unwrap().unwrap().parent_id, Some(id));
    assert_eq!(s.get(999_999).await.unwrap(), None);
}

async fn approved_comments_come_per_section_oldest_first(s: Subject) {
    let first = insert(&*s, comment("risks", "A", "one")).await;
    let _pending = insert(&*s, comment("risks", "B", "two")).await;
    let third = insert(&*s, comment("risks", "C", "three")).await;
    let elsewhere = insert(&*s, comment("faq", "D", "four")).await;
    for id in [third, first, elsewhere] {
        approve(&*s, id).await;
    }
    let ids = |list: Vec<smp_guide::store::Comment>| list.iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!(
        ids(s.approved(Some("risks")).await.unwrap()),
        [first, third]
    );
    assert_eq!(ids(s.approved(Some("faq")).await.unwrap()), [elsewhere]);
    assert_eq!(
        ids(s.approved(None).await.unwrap()),
        [first, third, elsewhere]
    );
    assert!(s.approved(Some("nowhere")).await.unwrap().is_empty());
}

async fn returning_commenters_are_recognised_by_their_comment_and_email(s: Subject) {
    let id = insert(&*s, comment("risks", "Ana", "hello")).await;
    assert!(
        !s.is_confirmed_commenter(id, "ana@example.com")
            .await
            .unwrap(),
        "not before it is approved"
    );
    approve(&*s, id).await;
    assert!(
        s.is_confirmed_commenter(id, "ANA@Example.com")
            .await
            .unwrap()
    );
    assert!(
        !s.is_confirmed_commenter(id, "other@example.com")
            .await
            .unwrap(),
        "another address"
    );
    assert!(
        !s.is_confirmed_commenter(id + 1, "ana@example.com")
            .await
            .unwrap()
    );
}

async fn secrets_are_created_once_and_shared_by_instances(s: Subject) {
    let key = s.secret("preview-link-key").await.unwrap();
    assert_eq!(key.len(), 32);
    assert_eq!(s.secret("preview-link-key").await.unwrap(), key);
    let other = s.another_instance().await;
    assert_eq!(other.secret("preview-link-key").await.unwrap(), key);
    assert_ne!(other.secret("client-hash-salt").await.unwrap(), key);
    s.ping().await.unwrap();
}

async fn actions_follow_the_state_rules_and_leave_an_audit_trail(s: Subject) {
    let id = insert(&*s, comment("risks", "A", "text")).await;
    let before = s.latest_revision().await.unwrap();
    assert_eq!(
        s.apply(id, Action::Spam, "mia", 10).await.unwrap(),
        ActionOutcome::Done {
            section: "risks".into(),
            public_change: false
        }
    );
    assert_eq!(
        s.latest_revision().await.unwrap(),
        before,
        "spam is not public"
    );
    assert!(matches!(
        s.apply(id, Action::Approve, "mia", 11).await.unwrap(),
        ActionOutcome::Refused(_)
    ));
    assert!(matches!(
        s.apply(id, Action::Restore, "mia", 12).await.unwrap(),
        ActionOutcome::Done {
            public_change: false,
            ..
        }
    ));
    assert_eq!(
        s.apply(id, Action::Approve, "joe", 13).await.unwrap(),
        ActionOutcome::Done {
            section: "risks".into(),
            public_change: true
        }
    );
    assert!(s.latest_revision().await.unwrap() > before);
    assert_eq!(s.get(id).await.unwrap().unwrap().status, Status::Approved);
    assert_eq!(
        s.apply(999_999, Action::Approve, "joe", 14).await.unwrap(),
        ActionOutcome::NotFound
    );
    let trail: Vec<(String, String, i64)> = s
        .events(&[id])
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.moderator, e.at))
        .collect();
    assert_eq!(
        trail,
        [
            ("spam".into(), "mia".into(), 10),
            ("restore".into(), "mia".into(), 12),
            ("approve".into(), "joe".into(), 13)
        ]
    );
    assert!(s.events(&[]).await.unwrap().is_empty());
}

async fn deleting_keeps_other_peoples_replies(s: Subject) {
    let parent = insert(&*s, comment("risks", "A", "question")).await;
    let mut reply = comment("risks", "B", "answer");
    reply.parent_id = Some(parent);
    let reply = insert(&*s, reply).await;
    approve(&*s, parent).await;
    approve(&*s, reply).await;
    assert!(
        matches!(
            s.apply(parent, Action::Delete, "mia", 19).await.unwrap(),
            ActionOutcome::Refused(_)
        ),
        "an approved comment goes to the trash before it can be deleted"
    );
    assert!(matches!(
        s.apply(parent, Action::Trash, "mia", 19).await.unwrap(),
        ActionOutcome::Done {
            public_change: true,
            ..
        }
    ));
    assert!(matches!(
        s.apply(parent, Action::Delete, "mia", 20).await.unwrap(),
        ActionOutcome::Done {
            public_change: false,
            ..
        }
    ));
    assert_eq!(s.get(parent).await.unwrap(), None);
    let kept = s.get(reply).await.unwrap().expect("the reply stays");
    assert_eq!(kept.parent_id, None);
    // The record of the deletion outlives the comment.
    let trail = s.events(&[parent]).await.unwrap();
    assert_eq!(trail.last().unwrap().action, "delete");
}

async fn the_queue_filters_pages_and_counts(s: Subject) {
    for n in 0..5 {
        insert(
            &*s,
            comment("risks", &format!("Reader {n}"), &format!("text {n}")),
        )
        .await;
    }
    let special = insert(&*s, comment("faq", "Percy", "50%_off? no\\way")).await;
    let approved = insert(&*s, comment("faq", "Zed", "fine")).await;
    approve(&*s, approved).await;
    let filter = |status, section: Option<&str>, text: Option<&str>, offset, limit| QueueFilter {
        status,
        section: section.map(str::to_owned),
        text: text.map(str::to_owned),
        offset,
        limit,
    };
    let page = s
        .queue(&filter(Status::Pending, None, None, 0, 3))
        .await
        .unwrap();
    assert_eq!(page.total, 6);
    assert_eq!(page.comments.len(), 3);
    assert_eq!(page.comments[0].id, special, "newest first");
    let rest = s
        .queue(&filter(Status::Pending, None, None, 3, 3))
        .await
        .unwrap();
    assert_eq!(rest.comments.len(), 3);
    let risks = s
        .queue(&filter(Status::Pending, Some("risks"), None, 0, 50))
        .await
        .unwrap();
    assert_eq!(risks.total, 5);
    // Wildcards in the search match themselves; the search ignores case.
    for text in ["50%_", "NO\\WAY", "percy", "example.com"] {
        let found = s
            .queue(&filter(Status::Pending, None, Some(text), 0, 50))
            .await
            .unwrap();
        let expected = if text == "example.com" { 6 } else { 1 };
        assert_eq!(found.total, expected, "search {text:?}");
    }
    assert_eq!(
        s.queue(&filter(Status::Pending, None, Some("%"), 0, 50))
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        s.queue(&filter(Status::Pending, None, Some("_"), 0, 50))
            .await
            .unwrap()
            .total,
        1
    );
    let approved_page = s
        .queue(&filter(Status::Approved, None, None, 0, 50))
        .await
        .unwrap();
    assert_eq!(approved_page.comments[0].id, approved);
    assert_eq!(
        s.counts().await.unwrap(),
        [
            (Status::Pending, 6),
            (Status::Approved, 1),
            (Status::Spam, 0),
            (Status::Trash, 0)
        ]
    );
}

async fn answers_join_the_thread_as_the_editorial_team(s: Subject) {
    let question = insert(&*s, comment("faq", "A", "question")).await;
    let mut reply = comment("faq", "B", "follow-up");
    reply.parent_id = Some(question);
    let reply = insert(&*s, reply).await;
    approve(&*s, question).await;
    approve(&*s, reply).await;
    let answer = |parent_id, body: &str| NewAnswer {
        parent_id,
        body: body.to_owned(),
        author: "The SMP Guide team".to_owned(),
        moderator: "mia".to_owned(),
        created_at: 30,
        approve_parent: false,
    };
    let before = s.latest_revision().await.unwrap();
    let AnswerOutcome::Published {
        id,
        section,
        approved_parent,
    } = s.answer(answer(reply, "Our answer")).await.unwrap()
    else {
        panic!("the answer is published");
    };
    assert_eq!(section, "faq");
    assert!(!approved_parent, "the reply was approved already");
    let stored = s.get(id).await.unwrap().unwrap();
    assert!(stored.editorial);
    assert_eq!(stored.status, Status::Approved);
    assert_eq!(
        stored.parent_id,
        Some(question),
        "threads are one level deep"
    );
    assert!(s.latest_revision().await.unwrap() > before);
    let trail = s.events(&[reply]).await.unwrap();
    let last = trail.last().unwrap();
    assert_eq!(last.action, "answer");
    assert_eq!(last.detail, Some(format!("answer {id}")));
    assert_eq!(
        s.answer(answer(999_999, "To nobody")).await.unwrap(),
        AnswerOutcome::NotFound
    );
}

/// Answering a pending comment approves it in the same transaction, or not at all.
async fn answering_a_pending_comment_approves_it_with_the_answer(s: Subject) {
    let question = insert(&*s, comment("faq", "A", "pending question")).await;
    let answer = |approve_parent| NewAnswer {
        parent_id: question,
        body: "Our *answer*".to_owned(),
        author: "The team".to_owned(),
        moderator: "mia".to_owned(),
        created_at: 40,
        approve_parent,
    };
    assert_eq!(
        s.answer(answer(false)).await.unwrap(),
        AnswerOutcome::Refused(Status::Pending),
        "never an answer hidden under a pending comment"
    );
    assert!(s.approved(Some("faq")).await.unwrap().is_empty());
    assert!(matches!(
        s.answer(answer(true)).await.unwrap(),
        AnswerOutcome::Published {
            approved_parent: true,
            ..
        }
    ));
    assert_eq!(s.approved(Some("faq")).await.unwrap().len(), 2);
    let actions: Vec<String> = s
        .events(&[question])
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["approve", "answer"]);
    let spam = insert(&*s, comment("faq", "B", "spam")).await;
    s.apply(spam, Action::Spam, "mia", 41).await.unwrap();
    let mut to_spam = answer(true);
    to_spam.parent_id = spam;
    assert_eq!(
        s.answer(to_spam).await.unwrap(),
        AnswerOutcome::Refused(Status::Spam)
    );
}

/// Undo puts back the state before a moderator's own last action, once.
async fn undo_takes_back_only_your_own_last_action(s: Subject) {
    let id = insert(&*s, comment("risks", "A", "text")).await;
    approve(&*s, id).await;
    s.apply(id, Action::Spam, "mia", 50).await.unwrap();
    assert!(
        matches!(
            s.undo(id, "spam", "joe", 51).await.unwrap(),
            UndoOutcome::Refused(_)
        ),
        "not joe's action"
    );
    assert!(
        matches!(
            s.undo(id, "trash", "mia", 51).await.unwrap(),
            UndoOutcome::Refused(_)
        ),
        "not the last action"
    );
    let before = s.latest_revision().await.unwrap();
    assert_eq!(
        s.undo(id, "spam", "mia", 52).await.unwrap(),
        UndoOutcome::Done {
            section: "risks".into(),
            status: Status::Approved,
            public_change: true
        },
        "back to approved, not merely pending"
    );
    assert!(s.latest_revision().await.unwrap() > before);
    assert!(
        matches!(
            s.undo(id, "spam", "mia", 53).await.unwrap(),
            UndoOutcome::Refused(_)
        ),
        "once"
    );
    let last = s.events(&[id]).await.unwrap().pop().unwrap();
    assert_eq!(
        (
            last.action.as_str(),
            last.from_status.as_deref(),
            last.to_status.as_deref()
        ),
        ("undo", Some("spam"), Some("approved"))
    );
    assert_eq!(
        s.undo(999_999, "spam", "mia", 54).await.unwrap(),
        UndoOutcome::NotFound
    );
    s.apply(id, Action::Unapprove, "mia", 55).await.unwrap();
    assert_eq!(s.get(id).await.unwrap().unwrap().status, Status::Pending);
}

/// An edit changes the text and records who, when and why, never the old text.
async fn edits_keep_the_reason_and_not_the_old_text(s: Subject) {
    let id = insert(&*s, comment("risks", "A", "call me on 01234 567890")).await;
    approve(&*s, id).await;
    let other = insert(&*s, comment("risks", "A", "already here")).await;
    let before = s.latest_revision().await.unwrap();
    assert_eq!(
        s.edit(
            id,
            "call me [number removed]",
            "removed a phone number",
            "mia",
            60
        )
        .await
        .unwrap(),
        EditOutcome::Done {
            section: "risks".into(),
            public_change: true
        }
    );
    assert!(s.latest_revision().await.unwrap() > before);
    assert_eq!(
        s.get(id).await.unwrap().unwrap().body,
        "call me [number removed]"
    );
    let last = s.events(&[id]).await.unwrap().pop().unwrap();
    assert_eq!(last.action, "edit");
    assert_eq!(last.detail.as_deref(), Some("removed a phone number"));
    let everything = format!("{:?}", s.dump().await.unwrap().events);
    assert!(
        !everything.contains("01234"),
        "the removed number is nowhere"
    );
    // An edit never collides with another comment: the duplicate rule is about what
    // readers sent, and redacting is always possible.
    assert!(matches!(
        s.edit(other, "call me [number removed]", "x", "mia", 61)
            .await
            .unwrap(),
        EditOutcome::Done { .. }
    ));
    // Nothing derived from the removed words is kept (not even the duplicate key): the
    // same words sent again are a new comment.
    let original = s.get(id).await.unwrap().unwrap();
    let mut again = comment(
        &original.section,
        &original.author,
        "call me on 01234 567890",
    );
    again.email = original.email.clone();
    assert!(matches!(
        s.insert(again).await.unwrap(),
        InsertOutcome::Inserted(_)
    ));
    assert_eq!(
        s.edit(999_999, "x", "x", "mia", 62).await.unwrap(),
        EditOutcome::NotFound
    );
}

/// The activity log holds every action and sign-in, newest first, filtered and paged, and
/// a deleted comment stays there with its section.
async fn the_activity_log_keeps_everything_newest_first(s: Subject) {
    let id = insert(&*s, comment("process", "A", "text")).await;
    s.apply(id, Action::Trash, "mia", 100).await.unwrap();
    s.apply(id, Action::Delete, "joe", 101).await.unwrap();
    s.record_sign_in("mia", "sign-in", 99).await.unwrap();
    s.record_sign_in("unknown user", "failed sign-in", 102)
        .await
        .unwrap();
    let all = s
        .activity(&ActivityFilter {
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.total, 4);
    let seen: Vec<(&str, &str, Option<i64>)> = all
        .entries
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str(), e.comment_id))
        .collect();
    assert_eq!(
        seen,
        [
            ("unknown user", "failed sign-in", None),
            ("joe", "delete", Some(id)),
            ("mia", "trash", Some(id)),
            ("mia", "sign-in", None)
        ]
    );
    assert_eq!(
        all.entries[1].section.as_deref(),
        Some("process"),
        "after deletion"
    );
    let joe = s
        .activity(&ActivityFilter {
            actor: Some("joe".into()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(joe.total, 1);
    let trash = s
        .activity(&ActivityFilter {
            action: Some("trash".into()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(trash.entries[0].to_status.as_deref(), Some("trash"));
    let window = s
        .activity(&ActivityFilter {
            since: Some(100),
            until: Some(102),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(window.total, 2);
    let paged = s
        .activity(&ActivityFilter {
            offset: 3,
            limit: 2,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((paged.total, paged.entries.len()), (4, 1));
    assert_eq!(
        s.activity_actors().await.unwrap(),
        ["joe", "mia", "unknown user"]
    );
}

/// An email link's use is recorded with its action, once, even when two uses race.
async fn email_links_work_once_even_when_used_at_once(s: Subject) {
    let id = insert(&*s, comment("risks", "A", "text")).await;
    let other = s.another_instance().await;
    let (first, second) = tokio::join!(
        s.use_email_link("00aa", id, Action::Approve, "mia", 70),
        other.use_email_link("00aa", id, Action::Approve, "joe", 70)
    );
    let outcomes = [first.unwrap(), second.unwrap()];
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| matches!(o, LinkUse::Applied(ActionOutcome::Done { .. })))
            .count(),
        1,
        "{outcomes:?}"
    );
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| matches!(o, LinkUse::AlreadyUsed(_)))
            .count(),
        1,
        "{outcomes:?}"
    );
    assert_eq!(s.get(id).await.unwrap().unwrap().status, Status::Approved);
    let used = s.used_email_link("00aa").await.unwrap().unwrap();
    assert_eq!((used.comment_id, used.action.as_str()), (id, "approve"));
    assert_eq!(s.used_email_link("00bb").await.unwrap(), None);
    // A refused action does not use the link up.
    assert!(matches!(
        s.use_email_link("00bb", id, Action::Approve, "mia", 71)
            .await
            .unwrap(),
        LinkUse::Applied(ActionOutcome::Refused(_))
    ));
    assert_eq!(s.used_email_link("00bb").await.unwrap(), None);
}

async fn export_and_erasure_by_email(s: Subject) {
    let mine = insert(&*s, comment("risks", "Ana", "mine")).await;
    let mine_too = insert(&*s, comment("faq", "Ana", "mine too")).await;
    let mut reply = comment("risks", "Ben", "a reply to Ana");
    reply.parent_id = Some(mine);
    let reply = insert(&*s, reply).await;
    approve(&*s, mine).await;
    approve(&*s, reply).await;
    let all = s.export(None, None).await.unwrap();
    assert_eq!(
        all.iter().map(|c| c.id).collect::<Vec<_>>(),
        [mine, mine_too, reply]
    );
    assert_eq!(
        s.export(Some(Status::Approved), None).await.unwrap().len(),
        2
    );
    assert_eq!(
        s.export(None, Some("ANA@example.com")).await.unwrap().len(),
        2
    );

    let since = s.latest_revision().await.unwrap();
    assert_eq!(
        s.erase_email("Ana@Example.com", "cli", 40).await.unwrap(),
        2
    );
    assert_eq!(s.get(mine).await.unwrap(), None);
    assert_eq!(s.get(mine_too).await.unwrap(), None);
    assert_eq!(s.get(reply).await.unwrap().unwrap().parent_id, None);
    let trail = s.events(&[mine, mine_too]).await.unwrap();
    assert!(trail.iter().filter(|e| e.action == "erase").count() == 2);
    // Only the section where Ana's comment was public changes for readers.
    assert_eq!(s.revisions_since(since).await.unwrap().1, ["risks"]);
    assert_eq!(
        s.erase_email("ana@example.com", "cli", 41).await.unwrap(),
        0
    );
}

async fn old_client_hashes_are_cleared(s: Subject) {
    let mut old = comment("risks", "A", "old");
    old.created_at = 100;
    let old = insert(&*s, old).await;
    let mut new = comment("risks", "B", "new");
    new.created_at = 200;
    let new = insert(&*s, new).await;
    assert_eq!(s.clear_client_hashes(150).await.unwrap(), 1);
    let cleared = s.get(old).await.unwrap().unwrap();
    assert_eq!(cleared.client_hash, None);
    assert_eq!(
        cleared.user_agent, None,
        "the browser name goes with the hash"
    );
    let kept = s.get(new).await.unwrap().unwrap();
    assert!(kept.client_hash.is_some() && kept.user_agent.is_some());
    assert_eq!(s.clear_client_hashes(150).await.unwrap(), 0);
}

async fn page_revisions_name_each_changed_section(s: Subject) {
    assert_eq!(s.latest_revision().await.unwrap(), 0);
    assert_eq!(s.revisions_since(0).await.unwrap(), (0, vec![]));
    for (section, author) in [("risks", "A"), ("faq", "B"), ("risks", "C")] {
        let id = insert(&*s, comment(section, author, "text")).await;
        approve(&*s, id).await;
    }
    let (latest, sections) = s.revisions_since(0).await.unwrap();
    assert_eq!(latest, s.latest_revision().await.unwrap());
    assert_eq!(sections, ["faq", "risks"]);
    assert_eq!(s.revisions_since(latest).await.unwrap(), (latest, vec![]));
}

async fn moderator_accounts_are_created_reset_and_removed(s: Subject) {
    assert!(
        s.upsert_account("mia", "hash-1", Role::Moderator, 5)
            .await
            .unwrap()
    );
    assert!(
        s.upsert_account("joe", "hash-2", Role::Moderator, 6)
            .await
            .unwrap()
    );
    let names: Vec<String> = s
        .accounts()
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.username)
        .collect();
    assert_eq!(names, ["joe", "mia"]);
    let (id, hash) = s.credentials("mia").await.unwrap().unwrap();
    assert_eq!(hash, "hash-1");
    s.create_session("token-a", id, "csrf-a", 7).await.unwrap();
    // A new password keeps the account and ends its sessions.
    assert!(
        !s.upsert_account("mia", "hash-3", Role::Moderator, 8)
            .await
            .unwrap()
    );
    assert_eq!(
        s.credentials("mia").await.unwrap().unwrap(),
        (id, "hash-3".to_owned())
    );
    assert!(s.session("token-a").await.unwrap().is_none());
    s.create_session("token-b", id, "csrf-b", 9).await.unwrap();
    assert!(s.remove_role("mia", Role::Moderator).await.unwrap());
    assert!(
        s.session("token-b").await.unwrap().is_none(),
        "sessions go with the account"
    );
    assert!(!s.remove_role("mia", Role::Moderator).await.unwrap());
    assert!(s.credentials("mia").await.unwrap().is_none());
}

async fn accounts_hold_one_role_or_both(s: Subject) {
    assert!(
        s.upsert_account("eve", "hash-1", Role::Editor, 5)
            .await
            .unwrap()
    );
    let (id, _) = s.credentials("eve").await.unwrap().unwrap();
    s.create_session("token", id, "csrf", 6).await.unwrap();
    assert_eq!(
        s.session("token").await.unwrap().unwrap().roles,
        [Role::Editor]
    );
    // Adding the other role keeps the account (and, as with any reset, ends sessions).
    assert!(
        !s.upsert_account("eve", "hash-2", Role::Moderator, 7)
            .await
            .unwrap()
    );
    s.create_session("token", id, "csrf", 8).await.unwrap();
    assert_eq!(
        s.session("token").await.unwrap().unwrap().roles,
        [Role::Moderator, Role::Editor]
    );
    // Taking one role away counts for the live session at once; the account stays.
    assert!(s.remove_role("eve", Role::Editor).await.unwrap());
    assert_eq!(
        s.session("token").await.unwrap().unwrap().roles,
        [Role::Moderator]
    );
    assert!(
        !s.remove_role("eve", Role::Editor).await.unwrap(),
        "not an editor now"
    );
    let listed = s.accounts().await.unwrap();
    assert_eq!(listed[0].roles, [Role::Moderator]);
}

async fn sessions_are_shared_touched_and_expired(s: Subject) {
    s.upsert_account("mia", "hash", Role::Moderator, 1)
        .await
        .unwrap();
    let (id, _) = s.credentials("mia").await.unwrap().unwrap();
    s.create_session("token", id, "csrf", 100).await.unwrap();
    let other = s.another_instance().await;
    let seen = other
        .session("token")
        .await
        .unwrap()
        .expect("visible to every instance");
    assert_eq!(
        (
            seen.moderator_id,
            seen.username.as_str(),
            seen.csrf_token.as_str(),
            seen.last_seen_at
        ),
        (id, "mia", "csrf", 100)
    );
    other.touch_session("token", 500).await.unwrap();
    s.touch_session("token", 300).await.unwrap();
    assert_eq!(
        s.session("token").await.unwrap().unwrap().last_seen_at,
        500,
        "never backwards"
    );
    assert_eq!(s.session("token").await.unwrap().unwrap().created_at, 100);
    s.create_session("idle", id, "csrf-2", 50).await.unwrap();
    s.create_session("old", id, "csrf-3", 10).await.unwrap();
    s.touch_session("old", 450).await.unwrap();
    // Idle since before 400, or begun before 20: "idle" and "old" end, "token" stays.
    assert_eq!(s.delete_old_sessions(400, 20).await.unwrap(), 2);
    assert!(s.session("idle").await.unwrap().is_none());
    assert!(s.session("old").await.unwrap().is_none());
    assert!(s.session("token").await.unwrap().is_some());
    other.delete_session("token").await.unwrap();
    assert!(s.session("token").await.unwrap().is_none());
}

async fn sign_in_attempts_are_reserved_atomically_per_key_and_client(s: Subject) {
    use smp_guide::store::Reservation;
    let mut attempts = Vec::new();
    for at in [10, 20, 30] {
        match s
            .reserve_sign_in("key-mia", "client-1", 0, 3, at)
            .await
            .unwrap()
        {
            Reservation::Granted { attempt } => attempts.push(attempt),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        s.reserve_sign_in("key-mia", "client-1", 0, 3, 40)
            .await
            .unwrap(),
        Reservation::Throttled { oldest: 10 }
    );
    // Only attempts since `since` count; other keys and clients have their own counts.
    assert!(matches!(
        s.reserve_sign_in("key-mia", "client-1", 15, 3, 41)
            .await
            .unwrap(),
        Reservation::Granted { .. }
    ));
    assert!(matches!(
        s.reserve_sign_in("key-mia", "client-2", 0, 3, 42)
            .await
            .unwrap(),
        Reservation::Granted { .. }
    ));
    assert!(matches!(
        s.reserve_sign_in("key-joe", "client-1", 0, 3, 43)
            .await
            .unwrap(),
        Reservation::Granted { .. }
    ));
    // A released attempt no longer counts; clearing forgets them all, on every instance.
    let other = s.another_instance().await;
    other.clear_sign_ins("key-mia", "client-1").await.unwrap();
    let Reservation::Granted { attempt } = s
        .reserve_sign_in("key-mia", "client-1", 0, 1, 50)
        .await
        .unwrap()
    else {
        panic!("cleared attempts still counted");
    };
    s.release_sign_in(attempt).await.unwrap();
    assert!(matches!(
        s.reserve_sign_in("key-mia", "client-1", 0, 1, 51)
            .await
            .unwrap(),
        Reservation::Granted { .. }
    ));
    // Pruning removes what no longer counts.
    assert_eq!(
        s.prune_sign_ins(45).await.unwrap(),
        2,
        "client-2 at 42 and joe at 43"
    );
}

async fn concurrent_sign_in_attempts_cannot_pass_the_limit(s: Subject) {
    use smp_guide::store::Reservation;
    let other = s.another_instance().await;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..40 {
        let store = if n % 2 == 0 {
            s.store.clone()
        } else {
            other.clone()
        };
        tasks.spawn(async move {
            store
                .reserve_sign_in("key-mia", "client-1", 0, 5, 100 + n)
                .await
                .unwrap()
        });
    }
    let mut granted = 0;
    while let Some(outcome) = tasks.join_next().await {
        if matches!(outcome.unwrap(), Reservation::Granted { .. }) {
            granted += 1;
        }
    }
    assert_eq!(granted, 5, "40 attempts at once, from two instances");
}

async fn duplicates_go_by_email_whatever_the_name_and_never_block_answers(s: Subject) {
    let first = insert(&*s, comment("faq", "Ana", "Does it hurt?")).await;
    // Another reader with the same name and text, but their own address: stored.
    let mut namesake = comment("faq", "Ana", "Does it hurt?");
    namesake.email = "ana.other@example.com".to_owned();
    insert(&*s, namesake).await;
    // The same address under another name, pending or approved: a duplicate either way.
    let mut renamed = comment("faq", "Ana S.", "Does it hurt?");
    renamed.email = "ANA@example.com".to_owned();
    assert_eq!(
        s.insert(renamed.clone()).await.unwrap(),
        InsertOutcome::Duplicate
    );
    approve(&*s, first).await;
    assert_eq!(s.insert(renamed).await.unwrap(), InsertOutcome::Duplicate);
    // A reader who posts an answer's text first cannot stop the answer, nor can two
    // answers with the same words collide.
    let byline = "The SMP Guide editorial team";
    let mut squatter = comment("faq", byline, "Yes, a little.");
    squatter.email = "squatter@example.com".to_owned();
    insert(&*s, squatter).await;
    for _ in 0..2 {
        let answer = NewAnswer {
            parent_id: first,
            body: "Yes, a little.".to_owned(),
            author: byline.to_owned(),
            moderator: "mia".to_owned(),
            created_at: 30,
            approve_parent: false,
        };
        assert!(matches!(
            s.answer(answer).await.unwrap(),
            AnswerOutcome::Published { .. }
        ));
    }
}

async fn email_addresses_match_with_unicode_case_folding(s: Subject) {
    let mut accented = comment("risks", "Émile", "bonjour");
    accented.email = "ÉMILE@exemple.fr".to_owned();
    let accented = insert(&*s, accented).await;
    let mut german = comment("risks", "Jörg", "hallo");
    german.email = "STRASSE@beispiel.de".to_owned();
    let german = insert(&*s, german).await;
    assert_eq!(
        s.export(None, Some("émile@EXEMPLE.fr")).await.unwrap()[0].id,
        accented
    );
    assert_eq!(
        s.export(None, Some("straße@beispiel.de")).await.unwrap()[0].id,
        german
    );
    assert_eq!(
        s.erase_email("émile@exemple.fr", "cli", 5).await.unwrap(),
        1
    );
    assert_eq!(s.get(accented).await.unwrap(), None);
    // An empty or blank address erases nothing (answers carry none).
    assert!(s.erase_email("", "cli", 6).await.is_err());
    assert!(s.erase_email("   ", "cli", 6).await.is_err());
    assert!(s.get(german).await.unwrap().is_some());
}

async fn concurrent_submissions_are_each_stored_once(s: Subject) {
    let other = s.another_instance().await;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..200 {
        // Every comment is sent twice, half of them through the second instance.
        for store in [s.store.clone(), other.clone()] {
            tasks.spawn(async move {
                store
                    .insert(comment("risks", &format!("R{n}"), "same text"))
                    .await
                    .unwrap()
            });
        }
    }
    let outcomes = tasks.join_all().await;
    let inserted: HashSet<i64> = outcomes
        .iter()
        .filter_map(|o| match o {
            InsertOutcome::Inserted(id) => Some(*id),
            InsertOutcome::Duplicate => None,
        })
        .collect();
    assert_eq!(inserted.len(), 200);
    assert_eq!(
        outcomes.len() - inserted.len(),
        200,
        "each second copy is a duplicate"
    );
    let stored = s.export(None, None).await.unwrap();
    assert_eq!(stored.len(), 200);
    assert_eq!(
        stored.iter().map(|c| c.id).collect::<HashSet<_>>(),
        inserted
    );
}

/// Two instances approve comments at once while a third follows the page revisions the
/// way the maintenance loop does: it must hear of every section, never skip one.
async fn concurrent_actions_on_two_instances_are_all_seen_by_pollers(s: Subject) {
    let other = s.another_instance().await;
    let mut ids = Vec::new();
    for n in 0..60 {
        ids.push((
            n,
            insert(&*s, comment(&format!("section-{n}"), "A", "text")).await,
        ));
    }
    let poller = {
        let store = s.another_instance().await;
        tokio::spawn(async move {
            let mut since = 0;
            let mut seen = HashSet::new();
            while seen.len() < 60 {
                let (latest, sections) = store.revisions_since(since).await.unwrap();
                seen.extend(sections);
                since = latest;
                tokio::task::yield_now().await;
            }
            seen
        })
    };
    let mut tasks = tokio::task::JoinSet::new();
    for (n, id) in ids {
        let store = if n % 2 == 0 {
            s.store.clone()
        } else {
            other.clone()
        };
        tasks.spawn(async move { store.apply(id, Action::Approve, "mia", 1).await.unwrap() });
    }
    tasks.join_all().await;
    let seen = tokio::time::timeout(std::time::Duration::from_secs(10), poller)
        .await
        .expect("the poller heard of every section")
        .unwrap();
    assert_eq!(seen.len(), 60);
}

/// `smp-guide db copy`: from this backend into a new database of each backend, nothing
/// lost or renumbered, and the copy goes on numbering after the copied ids.
async fn a_copy_carries_everything_into_an_empty_database_of_either_backend(s: Subject) {
    let question = insert(&*s, comment("faq", "Ana", "question")).await;
    let mut reply = comment("faq", "Ben", "reply");
    reply.parent_id = Some(question);
    let reply = insert(&*s, reply).await;
    let gone = insert(&*s, comment("risks", "Cy", "to be deleted")).await;
    approve(&*s, question).await;
    s.apply(gone, Action::Trash, "mia", 4).await.unwrap();
    s.apply(gone, Action::Delete, "mia", 5).await.unwrap();
    s.answer(NewAnswer {
        parent_id: reply,
        body: "An answer".into(),
        author: "The team".into(),
        moderator: "mia".into(),
        created_at: 6,
        approve_parent: true,
    })
    .await
    .unwrap();
    s.upsert_account("mia", "argon2-hash", Role::Moderator, 1)
        .await
        .unwrap();
    // A reader's confirmed subscription, its link tokens and its outbox go along.
    let asked = insert(&*s, asking("risks", "Eve", "Eve's question", BOTH)).await;
    send_due(&*s).await;
    confirm(&*s, asked, "eve").await;
    s.add_tokens(asked, &[("eve-u".into(), TokenPurpose::Unsubscribe)], 7)
        .await
        .unwrap();
    approve(&*s, asked).await;
    let salt = s.secret("client-hash-salt").await.unwrap();
    let dump = s.dump().await.unwrap();
    assert_eq!(dump.comments.len(), 4);
    assert_eq!(dump.subscriptions.len(), 1);
    assert_eq!(dump.subscriptions[0].tokens.len(), 2);
    assert_eq!(
        dump.outbox.len(),
        2,
        "the sent confirmation and the queued \"published\""
    );
    assert!(
        dump.events
            .iter()
            .any(|e| e.comment_id == gone && e.action == "delete")
    );

    let mut destinations = vec![sqlite().await.unwrap()];
    destinations.extend(postgres().await);
    for copy in destinations {
        copy.load(&dump).await.unwrap();
        assert_eq!(copy.dump().await.unwrap(), dump, "{}", copy.url);
        assert_eq!(copy.secret("client-hash-salt").await.unwrap(), salt);
        let ids = |list: Vec<Comment>| list.iter().map(|c| c.id).collect::<Vec<_>>();
        assert_eq!(
            ids(copy.approved(Some("faq")).await.unwrap()),
            ids(s.approved(Some("faq")).await.unwrap())
        );
        let next = insert(&*copy, comment("faq", "Dee", "after the move")).await;
        assert!(next > dump.comments.iter().map(|c| c.id).max().unwrap());
        assert!(
            copy.upsert_account("joe", "hash", Role::Moderator, 2)
                .await
                .unwrap()
        );
        // A second copy into the now-used database is refused, and changes nothing.
        let refused = copy.load(&dump).await.unwrap_err().to_string();
        assert!(refused.contains("new, empty database"), "{refused}");
        assert_eq!(copy.dump().await.unwrap().comments.len(), 5);
        // The copy sends the queued email, and the old links still work there.
        let claimed = copy.claim_mails(LATER, 10, 300, 5).await.unwrap();
        assert_eq!(claimed.mails.len(), 1, "{claimed:?}");
        assert_eq!(claimed.mails[0].kind, MailKind::Published);
        assert!(
            copy.subscription("eve-u", TokenPurpose::Unsubscribe)
                .await
                .unwrap()
                .is_some()
        );
        // New outbox entries are numbered after the copied ones.
        insert(&*copy, asking("faq", "Fay", "After the move", BOTH)).await;
        let ids: Vec<i64> = copy
            .subscriber_data("fay@example.com")
            .await
            .unwrap()
            .mails
            .iter()
            .map(|m| m.id)
            .collect();
        assert!(ids[0] > dump.outbox.iter().map(|m| m.id).max().unwrap());
    }
    assert_eq!(
        Dump::default(),
        sqlite().await.unwrap().dump().await.unwrap()
    );
}

/// A database made before the email key existed: migrating it keys every address the
/// server's way (SQLite's own `lower()` folds only ASCII), and keeps every comment,
/// including two that the new duplicate rule would not have let in.
#[tokio::test]
async fn an_older_sqlite_database_is_migrated_and_its_addresses_keyed() {
    use sqlx::SqlSafeStr;
    use sqlx::migrate::{Migration, MigrationType, Migrator};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    {
        // The database as the previous release left it: migrations 1 and 2, through sqlx.
        let pool = sqlx::SqlitePool::connect(&format!("{url}?mode=rwc"))
            .await
            .unwrap();
        let old: Vec<Migration> = [(1, "comments"), (2, "moderation")]
            .into_iter()
            .map(|(version, name)| {
                let sql = std::fs::read_to_string(crate::helpers::repo_path(&format!(
                    "src/store/migrations/sqlite/{version:04}_{name}.sql"
                )))
                .unwrap();
                Migration::new(
                    version,
                    name.into(),
                    MigrationType::Simple,
                    sqlx::AssertSqlSafe(sql).into_sql_str(),
                    false,
                )
            })
            .collect();
        Migrator::with_migrations(old).run(&pool).await.unwrap();
        for (author, email) in [
            ("Émile", "ÉMILE@exemple.fr"),
            ("Émile B.", "émile@exemple.fr"),
        ] {
            sqlx::query(
                "INSERT INTO comments (section, author, email, body, status, created_at) \
                 VALUES ('risks', ?, ?, 'same words', 'pending', 1)",
            )
            .bind(author)
            .bind(email)
            .execute(&pool)
            .await
            .unwrap();
        }
        pool.close().await;
    }
    let store = open_store(&url)
        .await
        .expect("the old database opens and migrates");
    let found = store.export(None, Some("émile@EXEMPLE.FR")).await.unwrap();
    assert_eq!(found.len(), 2, "both kept, and keyed alike");
    assert_eq!(
        store
            .erase_email("ÉMILE@exemple.fr", "cli", 2)
            .await
            .unwrap(),
        2
    );
}

/// Now, for claims: after every time the subscription tests use.
const LATER: i64 = 2_000_000_000;

/// A comment whose writer asked for email (both boxes unless told otherwise).
fn asking(section: &str, author: &str, body: &str, notify: NotifyRequest) -> StoredComment {
    StoredComment {
        notify,
        ..comment(section, author, body)
    }
}

const BOTH: NotifyRequest = NotifyRequest {
    published: true,
    replies: true,
};

/// Claims whatever is due (limit 5 a day) and marks it all sent; returns (kind, comment,
/// about) of each.
async fn send_due(store: &dyn Store) -> Vec<(MailKind, i64, Option<i64>)> {
    let claimed = store.claim_mails(LATER, 100, 300, 5).await.unwrap();
    assert!(claimed.dropped.is_empty(), "{claimed:?}");
    let mut sent = Vec::new();
    for mail in claimed.mails {
        sent.push((
            mail.kind,
            mail.subscription.comment_id,
            mail.about.as_ref().map(|a| a.id),
        ));
        store
            .finish_mail(mail.id, MailOutcome::Sent, LATER)
            .await
            .unwrap();
    }
    sent
}

/// Confirms comment `id`'s subscription through a confirmation token, as a reader would.
async fn confirm(store: &dyn Store, id: i64, token: &str) -> ConfirmOutcome {
    let hash = format!("confirm-{token}");
    assert!(
        store
            .add_tokens(id, &[(hash.clone(), TokenPurpose::Confirm)], 10)
            .await
            .unwrap()
    );
    store.confirm(&hash, 20, 0).await.unwrap()
}

async fn a_request_for_email_queues_one_confirmation_and_nothing_more_until_confirmed(s: Subject) {
    let id = insert(&*s, asking("risks", "Ana", "Does it hurt?", BOTH)).await;
    let claimed = s.claim_mails(LATER, 10, 300, 5).await.unwrap();
    assert_eq!(claimed.mails.len(), 1, "{claimed:?}");
    let mail = &claimed.mails[0];
    assert_eq!(mail.kind, MailKind::Confirm);
    assert_eq!(mail.email, "ana@example.com");
    assert_eq!(mail.attempts, 1);
    assert_eq!(mail.comment_body, "Does it hurt?");
    assert_eq!(
        mail.subscription,
        Subscription {
            comment_id: id,
            section: "risks".into(),
            comment_status: Status::Pending,
            request: BOTH,
            created_at: 1_700_000_000,
            confirmed_at: None,
        }
    );
    s.finish_mail(mail.id, MailOutcome::Sent, LATER)
        .await
        .unwrap();
    // A comment without the boxes ticked has no subscription and queues nothing.
    insert(&*s, comment("risks", "Ben", "No email for me")).await;
    // Approved, answered and replied to: still nothing, until confirmed.
    approve(&*s, id).await;
    let mut reply = comment("risks", "Cy", "It did not hurt me");
    reply.parent_id = Some(id);
    let reply = insert(&*s, reply).await;
    approve(&*s, reply).await;
    assert!(send_due(&*s).await.is_empty());
    assert_eq!(s.next_mail_due().await.unwrap(), None);

    // The tokens are looked up by hash, each for its own purpose only.
    assert!(
        s.add_tokens(
            id,
            &[
                ("hash-c".to_owned(), TokenPurpose::Confirm),
                ("hash-u".to_owned(), TokenPurpose::Unsubscribe)
            ],
            5
        )
        .await
        .unwrap()
    );
    let found = s
        .subscription("hash-c", TokenPurpose::Confirm)
        .await
        .unwrap();
    assert_eq!(found.map(|f| f.comment_id), Some(id));
    assert_eq!(
        s.subscription("hash-c", TokenPurpose::Unsubscribe)
            .await
            .unwrap(),
        None
    );
    assert!(matches!(
        s.confirm("hash-u", 20, 0).await.unwrap(),
        ConfirmOutcome::NotFound
    ));
    assert!(matches!(
        s.confirm("no-such-hash", 20, 0).await.unwrap(),
        ConfirmOutcome::NotFound
    ));
    let ConfirmOutcome::Confirmed(confirmed) = s.confirm("hash-c", 20, 0).await.unwrap() else {
        panic!("confirmed");
    };
    assert_eq!(confirmed.confirmed_at, Some(20));
    assert_eq!(confirmed.comment_status, Status::Approved);
    assert!(matches!(
        s.confirm("hash-c", 21, 0).await.unwrap(),
        ConfirmOutcome::AlreadyConfirmed(_)
    ));
    // Already public when confirmed: no "published" email (the page says so).
    assert!(send_due(&*s).await.is_empty());
    // Tokens of a subscription that is gone are refused.
    assert!(
        !s.add_tokens(reply, &[("x".to_owned(), TokenPurpose::Unsubscribe)], 5)
            .await
            .unwrap()
    );
}

async fn confirmed_subscribers_hear_of_publication_answers_and_replies_once_each(s: Subject) {
    let ana = insert(&*s, asking("faq", "Ana", "Question", BOTH)).await;
    let only_published = NotifyRequest {
        published: true,
        replies: false,
    };
    let ben = insert(&*s, asking("faq", "Ben", "Other question", only_published)).await;
    assert_eq!(send_due(&*s).await.len(), 2, "two confirmations");
    confirm(&*s, ana, "a").await;
    confirm(&*s, ben, "b").await;

    approve(&*s, ana).await;
    assert_eq!(send_due(&*s).await, [(MailKind::Published, ana, None)]);
    // Unapproved and approved again: published once only.
    s.apply(ana, Action::Unapprove, "mod", 2).await.unwrap();
    approve(&*s, ana).await;
    assert!(send_due(&*s).await.is_empty());

    // A reply by someone else: "reply" to Ana. Her own follow-up: nothing.
    let mut reply = comment("faq", "Cy", "A reply");
    reply.parent_id = Some(ana);
    let reply = insert(&*s, reply).await;
    let mut own = comment("faq", "Ana", "My own follow-up");
    own.parent_id = Some(ana);
    let own = insert(&*s, own).await;
    approve(&*s, reply).await;
    approve(&*s, own).await;
    assert_eq!(send_due(&*s).await, [(MailKind::Reply, ana, Some(reply))]);
    // Unapproved and approved again: the same reply is not told twice.
    s.apply(reply, Action::Unapprove, "mod", 3).await.unwrap();
    approve(&*s, reply).await;
    assert!(send_due(&*s).await.is_empty());
    // A reply published at once (a trusted returning commenter) is told too.
    let mut trusted = comment("faq", "Dee", "Trusted reply");
    trusted.parent_id = Some(ana);
    trusted.status = Status::Approved;
    let trusted = insert(&*s, trusted).await;
    assert_eq!(send_due(&*s).await, [(MailKind::Reply, ana, Some(trusted))]);

    // Ben's pending comment answered with approval: one "answered", no "published".
    let answer = s
        .answer(NewAnswer {
            parent_id: ben,
            body: "Our answer".into(),
            author: "The SMP Guide team".into(),
            moderator: "mia".into(),
            created_at: 40,
            approve_parent: true,
        })
        .await
        .unwrap();
    let AnswerOutcome::Published { id: answer, .. } = answer else {
        panic!("published: {answer:?}");
    };
    assert_eq!(
        send_due(&*s).await,
        [(MailKind::Answered, ben, Some(answer))]
    );
    // An answer to Cy's reply in Ana's thread: "reply" to Ana (Cy asked for nothing).
    let AnswerOutcome::Published { id: second, .. } = s
        .answer(NewAnswer {
            parent_id: reply,
            body: "Answer to the reply".into(),
            author: "The SMP Guide team".into(),
            moderator: "mia".into(),
            created_at: 41,
            approve_parent: false,
        })
        .await
        .unwrap()
    else {
        panic!("published");
    };
    let sent = send_due(&*s).await;
    assert_eq!(sent, [(MailKind::Reply, ana, Some(second))]);
    // Undoing an unapprove makes the comment public again without a second "published".
    s.apply(ana, Action::Unapprove, "mia", 50).await.unwrap();
    let undone = s.undo(ana, "unapprove", "mia", 51).await.unwrap();
    assert!(matches!(undone, UndoOutcome::Done { .. }), "{undone:?}");
    assert!(send_due(&*s).await.is_empty());
    // A reply whose email is waiting when it is unapproved is not sent.
    let mut late = comment("faq", "Eve", "Late reply");
    late.parent_id = Some(ana);
    let late = insert(&*s, late).await;
    approve(&*s, late).await;
    s.apply(late, Action::Unapprove, "mia", 60).await.unwrap();
    let claimed = s.claim_mails(LATER, 10, 300, 5).await.unwrap();
    assert!(claimed.mails.is_empty(), "{claimed:?}");
    assert_eq!(claimed.cancelled.len(), 1);
}

async fn the_daily_limit_counts_every_email_to_an_address(s: Subject) {
    let mut ids = Vec::new();
    for n in 0..3 {
        let id = insert(&*s, asking("risks", "Ana", &format!("Question {n}"), BOTH)).await;
        ids.push(id);
    }
    insert(&*s, asking("risks", "Ben", "Ben's question", BOTH)).await;
    // Two a day: Ana's third confirmation is dropped; Ben's is not affected.
    let claimed = s.claim_mails(LATER, 10, 300, 2).await.unwrap();
    let to: Vec<&str> = claimed.mails.iter().map(|m| m.email.as_str()).collect();
    assert_eq!(
        to,
        ["ana@example.com", "ana@example.com", "ben@example.com"]
    );
    assert_eq!(claimed.dropped.len(), 1, "{claimed:?}");
    assert_eq!(claimed.dropped[0].1, MailKind::Confirm);
    for mail in &claimed.mails {
        s.finish_mail(mail.id, MailOutcome::Sent, LATER)
            .await
            .unwrap();
    }
    // Sent email counts for a rolling day: a new one for Ana is dropped until a day has
    // passed since the first two.
    confirm(&*s, ids[0], "a0").await;
    approve(&*s, ids[0]).await;
    let claimed = s.claim_mails(LATER + 60, 10, 300, 2).await.unwrap();
    assert!(claimed.mails.is_empty(), "{claimed:?}");
    assert_eq!(claimed.dropped.len(), 1);
    assert_eq!(claimed.dropped[0].1, MailKind::Published);
    confirm(&*s, ids[1], "a1").await;
    approve(&*s, ids[1]).await;
    let day = 24 * 60 * 60;
    let claimed = s.claim_mails(LATER + day + 1, 10, 300, 2).await.unwrap();
    assert_eq!(claimed.mails.len(), 1, "{claimed:?}");
    assert_eq!(claimed.mails[0].kind, MailKind::Published);
}

async fn claims_are_exclusive_across_instances_and_lapse_when_not_finished(s: Subject) {
    for n in 0..10 {
        insert(
            &*s,
            asking("risks", &format!("Reader {n}"), "Question", BOTH),
        )
        .await;
    }
    let other = s.another_instance().await;
    let (first, second) = tokio::join!(
        s.claim_mails(LATER, 6, 300, 5),
        other.claim_mails(LATER, 6, 300, 5)
    );
    let (first, second) = (first.unwrap(), second.unwrap());
    let mut ids: Vec<i64> = first
        .mails
        .iter()
        .chain(&second.mails)
        .map(|m| m.id)
        .collect();
    ids.sort_unstable();
    let all = ids.len();
    ids.dedup();
    assert_eq!((all, ids.len()), (10, 10), "each email claimed once");
    // Nothing is due while the claims hold; a claim that lapses (its instance stopped) is
    // claimed again, and counts as another attempt.
    assert!(
        s.claim_mails(LATER + 299, 10, 300, 5)
            .await
            .unwrap()
            .mails
            .is_empty()
    );
    let first_id = first.mails[0].id;
    for mail in first.mails.iter().chain(&second.mails).skip(1) {
        s.finish_mail(mail.id, MailOutcome::Sent, LATER)
            .await
            .unwrap();
    }
    assert_eq!(s.next_mail_due().await.unwrap(), Some(LATER + 300));
    let again = s.claim_mails(LATER + 300, 10, 300, 5).await.unwrap();
    assert_eq!(again.mails.len(), 1);
    assert_eq!((again.mails[0].id, again.mails[0].attempts), (first_id, 2));
    // A retry waits until its time.
    s.finish_mail(
        first_id,
        MailOutcome::Retry { at: LATER + 900 },
        LATER + 301,
    )
    .await
    .unwrap();
    assert!(
        s.claim_mails(LATER + 899, 10, 300, 5)
            .await
            .unwrap()
            .mails
            .is_empty()
    );
    assert_eq!(
        s.claim_mails(LATER + 900, 10, 300, 5)
            .await
            .unwrap()
            .mails
            .len(),
        1
    );
}

async fn unsubscribing_ends_the_subscription_and_cancels_its_queued_email(s: Subject) {
    let id = insert(&*s, asking("risks", "Ana", "Question", BOTH)).await;
    send_due(&*s).await;
    confirm(&*s, id, "c").await;
    s.add_tokens(id, &[("u".to_owned(), TokenPurpose::Unsubscribe)], 30)
        .await
        .unwrap();
    approve(&*s, id).await;
    // Unsubscribed while the "published" email waits: it is never sent.
    let ended = s.unsubscribe("u", 40).await.unwrap().expect("ended");
    assert_eq!(ended.comment_id, id);
    assert_eq!(s.unsubscribe("u", 41).await.unwrap(), None, "once");
    assert_eq!(
        s.subscription("u", TokenPurpose::Unsubscribe)
            .await
            .unwrap(),
        None
    );
    assert!(
        s.claim_mails(LATER, 10, 300, 5)
            .await
            .unwrap()
            .mails
            .is_empty()
    );
    // Replies later: nothing either.
    let mut reply = comment("risks", "Ben", "A reply");
    reply.parent_id = Some(id);
    let reply = insert(&*s, reply).await;
    approve(&*s, reply).await;
    assert!(send_due(&*s).await.is_empty());
    // The email already sent still counts for the daily limit, and shows in an export.
    let data = s.subscriber_data("ana@example.com").await.unwrap();
    assert!(data.subscriptions.is_empty());
    let states: Vec<(&str, MailKind)> = data
        .mails
        .iter()
        .map(|m| (m.state.as_str(), m.kind))
        .collect();
    assert_eq!(
        states,
        [
            ("sent", MailKind::Confirm),
            ("cancelled", MailKind::Published)
        ]
    );
}

async fn export_and_erasure_include_subscriptions_and_their_email(s: Subject) {
    let ana = insert(&*s, asking("risks", "Ana", "Question", BOTH)).await;
    let other = insert(&*s, asking("faq", "Ana", "Another", BOTH)).await;
    let ben = insert(&*s, asking("risks", "Ben", "Ben's", BOTH)).await;
    send_due(&*s).await;
    confirm(&*s, ana, "a").await;
    approve(&*s, ana).await;
    let data = s.subscriber_data("ANA@example.com").await.unwrap();
    assert_eq!(
        data.subscriptions
            .iter()
            .map(|s| (s.comment_id, s.confirmed_at.is_some()))
            .collect::<Vec<_>>(),
        [(ana, true), (other, false)]
    );
    let mails: Vec<(i64, MailKind, &str)> = data
        .mails
        .iter()
        .map(|m| (m.comment_id, m.kind, m.state.as_str()))
        .collect();
    assert_eq!(
        mails,
        [
            (ana, MailKind::Confirm, "sent"),
            (other, MailKind::Confirm, "sent"),
            (ana, MailKind::Published, "queued"),
        ]
    );
    assert_eq!(
        s.subscriber_data("").await.unwrap(),
        Default::default(),
        "answers carry no address"
    );

    assert_eq!(
        s.erase_email("ana@EXAMPLE.com", "cli", 50).await.unwrap(),
        2
    );
    assert_eq!(
        s.subscriber_data("ana@example.com").await.unwrap(),
        Default::default()
    );
    assert!(
        s.claim_mails(LATER, 10, 300, 5)
            .await
            .unwrap()
            .mails
            .is_empty()
    );
    assert_eq!(
        s.subscription("confirm-a", TokenPurpose::Confirm)
            .await
            .unwrap(),
        None
    );
    // Ben's are untouched; deleting his comment takes its subscription and email along.
    assert_eq!(
        s.subscriber_data("ben@example.com")
            .await
            .unwrap()
            .mails
            .len(),
        1
    );
    s.apply(ben, Action::Trash, "mod", 60).await.unwrap();
    s.apply(ben, Action::Delete, "mod", 61).await.unwrap();
    assert_eq!(
        s.subscriber_data("ben@example.com").await.unwrap(),
        Default::default()
    );
}

async fn unconfirmed_requests_expire_and_old_outbox_entries_are_pruned(s: Subject) {
    let old = insert(&*s, asking("risks", "Ana", "Old question", BOTH)).await;
    let mut fresh = asking("risks", "Ben", "New question", BOTH);
    fresh.created_at = 1_800_000_000;
    let fresh = insert(&*s, fresh).await;
    send_due(&*s).await;
    s.add_tokens(old, &[("old".to_owned(), TokenPurpose::Confirm)], 1)
        .await
        .unwrap();
    // Too late to confirm: void.
    assert_eq!(
        s.confirm("old", 1_800_000_000, 1_750_000_000)
            .await
            .unwrap(),
        ConfirmOutcome::Expired
    );
    let (subscriptions, mails) = s
        .prune_subscriptions(1_750_000_000, LATER + 1)
        .await
        .unwrap();
    assert_eq!((subscriptions, mails), (1, 2));
    assert_eq!(
        s.subscription("old", TokenPurpose::Confirm).await.unwrap(),
        None
    );
    assert_eq!(
        s.subscriber_data("ben@example.com")
            .await
            .unwrap()
            .subscriptions
            .iter()
            .map(|s| s.comment_id)
            .collect::<Vec<_>>(),
        [fresh]
    );
    // The comments themselves stay.
    assert!(s.get(old).await.unwrap().is_some());
}

async fn the_subscriptions_migration_is_applied_to_a_database_already_at_a_later_one(s: Subject) {
    // A database that had migration 6 before 5 existed: 5 is applied on the next start.
    let id = insert(&*s, comment("risks", "Ana", "Kept")).await;
    let statements = [
        "DROP TABLE mail_outbox",
        "DROP TABLE subscription_tokens",
        "DROP TABLE subscriptions",
        "DELETE FROM _sqlx_migrations WHERE version = 5",
    ];
    if s.url.starts_with("postgres") {
        use sqlx::Connection;
        let mut connection = sqlx::PgConnection::connect(&s.url).await.unwrap();
        for sql in statements {
            sqlx::query(sql).execute(&mut connection).await.unwrap();
        }
    } else {
        use sqlx::Connection;
        let mut connection = sqlx::SqliteConnection::connect(&s.url).await.unwrap();
        for sql in statements {
            sqlx::query(sql).execute(&mut connection).await.unwrap();
        }
    }
    let reopened = s.another_instance().await;
    let id2 = insert(
        &*reopened,
        asking("risks", "Ben", "After the migration", BOTH),
    )
    .await;
    assert!(id2 > id);
    assert_eq!(
        reopened
            .claim_mails(LATER, 10, 300, 5)
            .await
            .unwrap()
            .mails
            .len(),
        1
    );
    assert!(reopened.get(id).await.unwrap().is_some());
}

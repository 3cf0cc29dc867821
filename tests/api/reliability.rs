//! A database that cannot take writes (read-only file, full disk) must not lose what a
//! reader typed, and must not stop the site from being read.
use std::process::Command;

use crate::helpers::{form, spawn_app_with};

async fn assert_unavailable_keeps_the_text(app: &crate::helpers::TestApp) {
    let response = app
        .post_comment(
            "risks",
            &form("Words that must not be lost", "Ann", "ann@example.com"),
        )
        .await;
    assert_eq!(response.status().as_u16(), 503);
    assert!(response.headers().contains_key("retry-after"));
    let html = response.text().await.unwrap();
    assert!(
        html.contains("Words that must not be lost</textarea>"),
        "the typed comment is kept"
    );
    assert!(html.contains("could not save your comment"));
    assert_eq!(
        app.get("/guide/risks").await.status().as_u16(),
        200,
        "reading goes on"
    );
    assert_eq!(app.get("/").await.status().as_u16(), 200);
}

#[tokio::test]
async fn a_read_only_database_gives_503_and_keeps_the_comment_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ro.db");
    // Create and migrate the database, as a first start would.
    let store = smp_guide::store::open_store(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    store.secret("preview-link-key").await.unwrap();
    store.secret("client-hash-salt").await.unwrap();
    drop(store);
    let app =
        spawn_app_with(|config| config.database = format!("sqlite://{}?mode=ro", path.display()))
            .await;
    assert_unavailable_keeps_the_text(&app).await;
}

/// A small tmpfs that unmounts itself. Needs root (CI runs as root).
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn mount() -> Option<Self> {
        let dir = std::env::temp_dir().join(format!("smp-full-disk-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=2m", "tmpfs"])
            .arg(&dir)
            .output()
            .is_ok_and(|o| o.status.success());
        ok.then(|| Self(dir))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

#[tokio::test]
async fn a_full_disk_gives_503_and_keeps_the_comment_text() {
    let Some(disk) = SmallDisk::mount() else {
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"\n*** full-disk test SKIPPED: cannot mount a tmpfs (needs root) ***\n",
        );
        return;
    };
    let db = disk.0.join("full.db");
    let app = spawn_app_with(|config| config.database = format!("sqlite://{}", db.display())).await;
    assert_eq!(
        app.post_comment(
            "risks",
            &form("Before the disk filled", "Ann", "a@example.com")
        )
        .await
        .status()
        .as_u16(),
        303
    );
    // Fill every remaining byte.
    let mut filler = std::fs::File::create(disk.0.join("filler")).unwrap();
    let chunk = vec![0u8; 64 * 1024];
    while std::io::Write::write_all(&mut filler, &chunk).is_ok() {}
    let mut byte = [0u8; 1];
    while std::io::Write::write_all(&mut filler, &byte).is_ok() {
        byte[0] = byte[0].wrapping_add(1);
    }
    let _ = filler.sync_all();
    assert_unavailable_keeps_the_text(&app).await;
    assert_eq!(
        app.get("/healthz").await.status().as_u16(),
        200,
        "the database still answers reads"
    );
}
